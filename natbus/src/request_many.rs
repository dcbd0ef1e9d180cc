//! One request, any number of replies (scatter-gather): every instance of a service, every
//! member of a group that is not a queue group, service discovery (`$SRV.PING`).
//!
//! NATS has no end-of-replies marker and the number of responders is unknown, so the
//! replies end at a limit the caller sets: a count, an overall timeout, or a quiet period
//! after the latest reply.

use natbus_proto::time::Instant;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use natbus_proto::time::deadline;

use crate::client::Client;
use crate::error::RequestError;
use crate::runtime::{BoxFuture, Runtime};
use crate::subscriber::Subscriber;
use crate::{HeaderMap, Message, StatusCode};

/// When the replies to [`Client::request_many`] end, and what the request carries.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RequestManyOptions {
    /// Headers to send.
    pub headers: Option<HeaderMap>,
    /// End after this many replies.
    pub max_replies: Option<usize>,
    /// End this long after the request was sent; the client's request timeout when `None`.
    pub timeout: Option<Duration>,
    /// End when no reply came for this long after the latest one (the first may take up
    /// to the timeout).
    pub stall: Option<Duration>,
}

impl RequestManyOptions {
    /// Ends after `n` replies.
    pub fn max_replies(mut self, n: usize) -> Self {
        self.max_replies = Some(n);
        self
    }

    /// Ends `timeout` after the request was sent.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Ends when no reply came for `stall` after the latest one.
    pub fn stall(mut self, stall: Duration) -> Self {
        self.stall = Some(stall);
        self
    }

    /// Sends `headers` with the request.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers = Some(headers);
        self
    }
}

impl Client {
    /// Sends one request and returns its replies as they come, until the limits of
    /// `options` (a count, the timeout, a quiet period). The stream is empty when nobody
    /// answered in time; its only item is [`RequestError::NoResponders`] when nothing
    /// listens on `subject`.
    ///
    /// ```no_run
    /// # async fn demo(client: natbus::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use natbus::RequestManyOptions;
    ///
    /// let options = RequestManyOptions::default().stall(Duration::from_millis(300));
    /// let mut replies = client.request_many("inventory.count", "", options).await?;
    /// while let Some(reply) = replies.next().await {
    ///     println!("{:?}", reply?.payload);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`RequestError::Publish`] when the request could not be sent (or the reply
    /// subscription made).
    pub async fn request_many(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
        options: RequestManyOptions,
    ) -> Result<Replies, RequestError> {
        let subject = subject.as_ref();
        let inbox = self.new_inbox();
        let replies = self.subscribe(&inbox).await?;
        self.publish_full(
            subject,
            Some(&inbox),
            options.headers.as_ref(),
            payload.into(),
        )
        .await?;
        let runtime = self.runtime().clone();
        let timeout = options.timeout.unwrap_or(self.request_timeout());
        let sent = runtime.now();
        Ok(Replies {
            subject: subject.to_owned(),
            replies,
            deadline: deadline(sent, timeout),
            stall: options.stall,
            remaining: options.max_replies,
            latest: None,
            timer: None,
            runtime,
            done: false,
        })
    }
}

/// The replies to one [`Client::request_many`], a
/// `futures_core::Stream<Item = Result<Message, RequestError>>` (or use
/// [`next`](Self::next)). Dropping it stops listening.
pub struct Replies {
    subject: String,
    replies: Subscriber,
    deadline: Instant,
    stall: Option<Duration>,
    remaining: Option<usize>,
    /// When the latest reply came.
    latest: Option<Instant>,
    /// The sleep until the current end, and that end.
    timer: Option<(Instant, BoxFuture<()>)>,
    runtime: Arc<dyn Runtime>,
    done: bool,
}

impl std::fmt::Debug for Replies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replies")
            .field("subject", &self.subject)
            .field("remaining", &self.remaining)
            .field("done", &self.done)
            .finish()
    }
}

impl Replies {
    /// The next reply; `None` once a limit is reached.
    // An async `next` as users know it from `StreamExt`, without that import.
    #[allow(clippy::should_implement_trait)]
    pub fn next(
        &mut self,
    ) -> impl std::future::Future<Output = Option<Result<Message, RequestError>>> + '_ {
        std::future::poll_fn(move |cx| Pin::new(&mut *self).poll_next(cx))
    }

    /// When the replies end if nothing more comes: the deadline, or sooner after a
    /// quiet period.
    fn end(&self) -> Instant {
        match (self.latest, self.stall) {
            (Some(latest), Some(stall)) => self.deadline.min(deadline(latest, stall)),
            _ => self.deadline,
        }
    }

    /// Ends the stream, telling the server once that replies are no longer wanted.
    fn finish(&mut self) -> Poll<Option<Result<Message, RequestError>>> {
        if !self.done {
            self.done = true;
            self.timer = None;
            self.replies.unsubscribe();
        }
        Poll::Ready(None)
    }
}

impl Stream for Replies {
    type Item = Result<Message, RequestError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        if this.remaining == Some(0) {
            return this.finish();
        }
        let end = this.end();
        if this.runtime.now() >= end {
            return this.finish();
        }
        match Pin::new(&mut this.replies).poll_next(cx) {
            Poll::Ready(Some(msg)) => {
                if this.latest.is_none() && msg.status() == Some(StatusCode::NO_RESPONDERS) {
                    let _ = this.finish();
                    return Poll::Ready(Some(Err(RequestError::NoResponders {
                        subject: this.subject.clone(),
                    })));
                }
                this.latest = Some(this.runtime.now());
                if let Some(n) = this.remaining.as_mut() {
                    *n -= 1;
                }
                Poll::Ready(Some(Ok(msg)))
            }
            Poll::Ready(None) => this.finish(),
            Poll::Pending => {
                if this.timer.as_ref().is_none_or(|(at, _)| *at != end) {
                    this.timer = Some((end, this.runtime.sleep_until(end)));
                }
                match this
                    .timer
                    .as_mut()
                    .map(|(_, sleep)| sleep.as_mut().poll(cx))
                {
                    Some(Poll::Ready(())) => this.finish(),
                    _ => Poll::Pending,
                }
            }
        }
    }
}
