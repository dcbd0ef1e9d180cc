//! `FetchStream`: one pull request's messages, handed out as they arrive.
//!
//! Why a stream and not only [`PullConsumer::fetch`](super::PullConsumer::fetch)'s `Vec`:
//! a consumer that acks each message while the rest of the batch is still on its way
//! keeps the server busy delivering and acknowledging at the same time, instead of
//! receiving the whole batch first and acknowledging it afterwards.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use natbus_proto::jetstream::pull::{PullAction, PullStatus, classify_pull_status};

use super::error::JetStreamError;
use super::message::JsMessage;
use super::pull::status_of;
use crate::Client;
use crate::runtime::BoxFuture;
use crate::subscriber::Subscriber;

/// The messages of one pull request (see
/// [`PullConsumer::fetch_stream`](super::PullConsumer::fetch_stream)).
///
/// It ends after `batch` messages, when the server ends the request (nothing more with
/// `no_wait`, `expires` passed, byte budget reached), or at the client's deadline. An
/// error is yielded only before the first message (a terminal status, no responders, a
/// timeout), or when the connection closes; after it the stream ends. Dropping it
/// unsubscribes from the request's inbox.
pub struct FetchStream {
    client: Client,
    consumer: String,
    ack_timeout: Duration,
    expires: Duration,
    batch: usize,
    delivered: usize,
    /// `None` once the stream ended (the inbox subscription is dropped at once).
    sub: Option<Subscriber>,
    /// One timer for the whole request (its deadline does not move), polled only while
    /// no message is ready.
    deadline: BoxFuture<()>,
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

/// What a [`FetchStream`] is made of; the pull request is already sent.
pub(crate) struct FetchParts {
    pub(crate) client: Client,
    pub(crate) consumer: String,
    pub(crate) ack_timeout: Duration,
    pub(crate) expires: Duration,
    pub(crate) batch: usize,
    pub(crate) sub: Subscriber,
    pub(crate) deadline: BoxFuture<()>,
}

impl FetchStream {
    pub(crate) fn new(parts: FetchParts) -> Self {
        FetchStream {
            client: parts.client,
            consumer: parts.consumer,
            ack_timeout: parts.ack_timeout,
            expires: parts.expires,
            batch: parts.batch,
            delivered: 0,
            sub: Some(parts.sub),
            deadline: parts.deadline,
        }
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
        let error = match status.action() {
            _ if self.delivered > 0 => None,
            PullAction::Terminal(reason) => Some(JetStreamError::Terminal(reason)),
            PullAction::Warning(_) if code == 503 => Some(JetStreamError::Terminal(format!(
                "no responders: consumer '{}' or its stream does not exist",
                self.consumer
            ))),
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
                    let msg = JsMessage::new(this.client.clone(), msg, this.ack_timeout);
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
