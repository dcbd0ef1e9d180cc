//! `FetchStream`: one pull request's messages, handed out as they arrive.
//!
//! Why a stream and not only [`PullConsumer::fetch`](crate::jetstream::PullConsumer::fetch)'s `Vec`:
//! a consumer that acks each message while the rest of the batch is still on its way
//! keeps the server busy delivering and acknowledging at the same time, instead of
//! receiving the whole batch first and acknowledging it afterwards.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use natbus_proto::jetstream::consumer_info::ConsumerInfo;
use natbus_proto::jetstream::priority::Pin as GroupPin;
use natbus_proto::jetstream::pull::{PullAction, PullRequest, PullStatus, classify_pull_status};
use natbus_proto::time;

use super::pull::{FetchOptions, SharedPin, pin_id_of, pin_of, set_pin, status_of};
use crate::jetstream::context::JetStream;
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;
use crate::runtime::BoxFuture;
use crate::subscriber::Subscriber;

/// The messages of one pull request (see
/// [`PullConsumer::fetch_stream`](crate::jetstream::PullConsumer::fetch_stream)).
///
/// It ends after `batch` messages, when the server ends the request (nothing more with
/// `no_wait`, `expires` passed, byte budget reached), or at the client's deadline. An
/// error is yielded only before the first message (a terminal status, a timeout, or no
/// responders: [`JetStreamError::Terminal`] if the consumer or its stream was found to be
/// gone, else the retryable [`JetStreamError::ConsumerNotResponding`] of a consumer
/// without a leader for the moment), or when the connection closes; after it the stream
/// ends. Dropping it unsubscribes from the request's inbox.
pub struct FetchStream {
    js: JetStream,
    stream: String,
    consumer: String,
    expires: Duration,
    batch: usize,
    delivered: usize,
    /// `None` once the stream ended (the inbox subscription is dropped at once).
    sub: Option<Subscriber>,
    /// One timer for the whole request (its deadline does not move), polled only while
    /// no message is ready.
    deadline: BoxFuture<()>,
    /// After a 503: finding out whether the consumer is gone, for the error to yield.
    checking: Option<BoxFuture<JetStreamError>>,
    /// The consumer's pin, when the request names a priority group: updated from each
    /// message's `Nats-Pin-Id` and forgotten on a `423`.
    pin: Option<SharedPin>,
}

impl std::fmt::Debug for FetchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchStream")
            .field("consumer", &self.consumer)
            .field("batch", &self.batch)
            .field("delivered", &self.delivered)
            .field("ended", &self.sub.is_none())
            .finish_non_exhaustive()
    }
}

impl FetchStream {
    /// Subscribes to a fresh inbox and sends the pull request for `options` to `consumer`.
    pub(crate) async fn start(
        js: &JetStream,
        consumer: &ConsumerInfo,
        options: FetchOptions,
        pin: SharedPin,
    ) -> Result<Self, JetStreamError> {
        let mut request = PullRequest {
            batch: options.batch,
            expires: Some(options.expires),
            max_bytes: options.max_bytes,
            no_wait: options.no_wait,
            ..PullRequest::default()
        };
        if let Some(group) = &options.group {
            group.apply(&mut request, &pin_of(&pin));
        }
        request.validate()?;
        let subject = js
            .prefix
            .consumer_msg_next(&consumer.stream_name, &consumer.name)?;
        let inbox = js.client.new_inbox();
        let sub = js.client.subscribe(&inbox).await?;
        js.client
            .publish_full(&subject, Some(&inbox), None, request.to_json().into())
            .await?;
        // The server ends the request at `expires`; the margin covers the round trip.
        let margin = js.timeout.min(Duration::from_secs(2));
        let deadline = time::deadline(js.now(), options.expires.saturating_add(margin));
        Ok(FetchStream {
            js: js.clone(),
            stream: consumer.stream_name.clone(),
            consumer: consumer.name.clone(),
            expires: options.expires,
            batch: options.batch,
            delivered: 0,
            sub: Some(sub),
            deadline: js.client.runtime().sleep_until(deadline),
            checking: None,
            pin: options.group.is_some().then_some(pin),
        })
    }

    /// The next message; `None` once the request is over.
    // An async `next` as users know it from `StreamExt`, without needing that import.
    #[allow(clippy::should_implement_trait)]
    pub fn next(
        &mut self,
    ) -> impl std::future::Future<Output = Option<Result<JsMessage, JetStreamError>>> + '_ {
        std::future::poll_fn(move |cx| Pin::new(&mut *self).poll_next(cx))
    }

    /// Messages handed out so far.
    pub fn delivered(&self) -> usize {
        self.delivered
    }

    /// Changes the consumer's pin, when this request is in a priority group.
    fn update_pin(&self, change: impl FnOnce(&mut GroupPin)) {
        if let Some(shared) = &self.pin {
            let mut pin = pin_of(shared);
            let before = pin.clone();
            change(&mut pin);
            if pin != before {
                set_pin(shared, pin);
            }
        }
    }

    /// Ends the stream, yielding `item` as its last element (or nothing).
    fn end<T>(&mut self, item: Option<T>) -> Poll<Option<T>> {
        self.sub = None;
        Poll::Ready(item)
    }

    /// What a status message means here: `None` to keep reading (a heartbeat).
    fn on_status(
        &mut self,
        code: u16,
        description: &str,
    ) -> Option<Poll<Option<<Self as Stream>::Item>>> {
        let status = classify_pull_status(code, description);
        if status == PullStatus::Heartbeat {
            return None;
        }
        // A 423: another client is pinned now. Forget the pin; the request is over and
        // the next one is a stand-by (not an error: the consumer carries on).
        self.update_pin(|pin| {
            pin.on_status(&status);
        });
        let error = match status.action() {
            _ if self.delivered > 0 => None,
            PullAction::Terminal(reason) => Some(JetStreamError::Terminal(reason)),
            // No responders: terminal only if the consumer is gone, not while it is
            // merely leaderless (an election); `poll_next` yields what the check finds.
            PullAction::Warning(_) if code == 503 => {
                let (js, stream, consumer) =
                    (self.js.clone(), self.stream.clone(), self.consumer.clone());
                self.checking = Some(Box::pin(async move {
                    js.pull_no_responders(&stream, &consumer).await
                }));
                self.sub = None;
                return None;
            }
            PullAction::Warning(w) => Some(JetStreamError::Warning(w)),
            _ => None,
        };
        Some(self.end(error.map(Err)))
    }
}

impl Stream for FetchStream {
    type Item = Result<JsMessage, JetStreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(check) = this.checking.as_mut() {
                let error = std::task::ready!(check.as_mut().poll(cx));
                this.checking = None;
                return this.end(Some(Err(error)));
            }
            if this.delivered >= this.batch {
                return this.end(None);
            }
            let Some(sub) = this.sub.as_mut() else {
                return Poll::Ready(None);
            };
            let msg = match Pin::new(sub).poll_next(cx) {
                Poll::Ready(Some(msg)) => msg,
                Poll::Ready(None) => return this.end(Some(Err(JetStreamError::Closed))),
                Poll::Pending => {
                    if this.deadline.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    let timeout = JetStreamError::Timeout {
                        what: "fetch",
                        timeout: this.expires,
                    };
                    let item = (this.delivered == 0).then_some(Err(timeout));
                    return this.end(item);
                }
            };
            match status_of(&msg) {
                None => {
                    this.update_pin(|pin| {
                        pin.on_message(pin_id_of(&msg));
                    });
                    let msg = JsMessage::new(this.js.client.clone(), msg, this.js.timeout);
                    if msg.is_err() {
                        return this.end(Some(msg));
                    }
                    this.delivered += 1;
                    return Poll::Ready(Some(msg));
                }
                Some((code, description)) => {
                    if let Some(done) = this.on_status(code, &description) {
                        return done;
                    }
                }
            }
        }
    }
}
