//! `publish_async`: publish now, await the ack later, with a bounded window of acks.
//!
//! All acks come back on one wildcard inbox subscription (`<inbox>.<token>`), read by one
//! background task that hands each reply to the [`PubAckFuture`] waiting for its token.
//! The window (default 256) bounds memory: when it is full, `publish_async` waits.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use futures_core::Stream as _;
use natbus_proto::connection::SidMap;
use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::publish::{PubAck, PublishOptions};
use natbus_proto::message::Message;

use super::context::JetStream;
use super::error::JetStreamError;
use natbus_proto::jetstream::publish_retry::{PublishRetry, Retry};

use super::publish::{attempt_failure, parse_pub_ack};
use crate::connection::oneshot;
use crate::runtime::sleep_for;
use crate::subscriber::Subscriber;
use crate::{BoxFuture, Client};

#[derive(Debug, Default)]
struct MuxState {
    next_token: u64,
    /// By token: small unique counters, so no SipHash.
    pending: SidMap<oneshot::Sender<Message>>,
    max: usize,
    space_waiters: Vec<Waker>,
    closed: bool,
    reader: Option<Waker>,
}

/// The shared ack inbox of one JetStream context.
#[derive(Debug)]
pub(crate) struct AckMux {
    inbox: String,
    state: Mutex<MuxState>,
}

impl AckMux {
    fn lock(&self) -> MutexGuard<'_, MuxState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops the reader task; pending futures then fail with `Closed`.
    pub(crate) fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        s.pending.clear();
        let mut wakers: Vec<Waker> = s.space_waiters.drain(..).collect();
        wakers.extend(s.reader.take());
        drop(s);
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Removes a token's entry, freeing its place in the window.
    fn take(&self, token: u64) -> Option<oneshot::Sender<Message>> {
        let mut s = self.lock();
        let tx = s.pending.remove(&token);
        let wakers = std::mem::take(&mut s.space_waiters);
        drop(s);
        wakers.into_iter().for_each(Waker::wake);
        tx
    }

    /// Waits for room in the window and registers a new token.
    async fn reserve(&self) -> Result<(u64, oneshot::Receiver<Message>), JetStreamError> {
        let (tx, rx) = oneshot::channel();
        let mut tx = Some(tx);
        let token = poll_fn(|cx| {
            let mut s = self.lock();
            if s.closed {
                return Poll::Ready(Err(JetStreamError::Closed));
            }
            if s.pending.len() >= s.max {
                s.space_waiters.push(cx.waker().clone());
                return Poll::Pending;
            }
            let token = s.next_token;
            s.next_token += 1;
            if let Some(tx) = tx.take() {
                s.pending.insert(token, tx);
            }
            Poll::Ready(Ok(token))
        })
        .await?;
        Ok((token, rx))
    }

    /// Routes every reply on the inbox to its waiting future until closed.
    async fn read(self: Arc<Self>, mut sub: Subscriber) {
        loop {
            let next = poll_fn(|cx| {
                {
                    let mut s = self.lock();
                    if s.closed {
                        return Poll::Ready(None);
                    }
                    s.reader = Some(cx.waker().clone());
                }
                Pin::new(&mut sub).poll_next(cx)
            })
            .await;
            let Some(msg) = next else { break };
            let token = token_of(msg.subject.as_bytes());
            if let Some(tx) = token.and_then(|t| self.take(t)) {
                tx.send(msg);
            }
        }
        self.close();
    }
}

/// `<inbox>.<token>`, built without the formatting machinery (`format!` cost more than
/// the rest of a publish).
fn reply_subject(inbox: &str, token: u64) -> String {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = token;
    loop {
        i -= 1;
        // `n % 10` is below 10, so the cast cannot truncate.
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut reply = String::with_capacity(inbox.len() + 1 + digits.len() - i);
    reply.push_str(inbox);
    reply.push('.');
    reply.extend(digits[i..].iter().copied().map(char::from));
    reply
}

/// The token after the last dot of an ack's subject.
fn token_of(subject: &[u8]) -> Option<u64> {
    let start = subject
        .iter()
        .rposition(|&b| b == b'.')
        .map_or(0, |i| i + 1);
    let digits = &subject[start..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

impl JetStream {
    async fn ack_mux(&self) -> Result<Arc<AckMux>, JetStreamError> {
        if let Some(mux) = self.current_mux() {
            return Ok(mux);
        }
        let max = *self
            .acks
            .max_pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let inbox = self.client.new_inbox();
        let sub = self.client.subscribe(format!("{inbox}.*")).await?;
        let mut slot = self.acks.mux.lock().unwrap_or_else(PoisonError::into_inner);
        // Another task may have set one up while we subscribed; then ours is dropped.
        if let Some(mux) = slot.as_ref().filter(|m| !m.lock().closed) {
            return Ok(mux.clone());
        }
        let mux = Arc::new(AckMux {
            inbox,
            state: Mutex::new(MuxState {
                max,
                ..MuxState::default()
            }),
        });
        let reader: BoxFuture<()> = Box::pin(mux.clone().read(sub));
        self.client.runtime().spawn(reader);
        *slot = Some(mux.clone());
        Ok(mux)
    }

    fn current_mux(&self) -> Option<Arc<AckMux>> {
        let slot = self.acks.mux.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref().filter(|m| !m.lock().closed).cloned()
    }

    /// Publishes now and returns a future of the ack, so many publishes can be in flight.
    /// Waits first while the window of outstanding acks is full (see
    /// [`with_max_pending_acks`](Self::with_max_pending_acks)). Messages are sent in call
    /// order.
    ///
    /// The future retries as [`publish`](Self::publish) does (see
    /// [`with_publish_retry`](Self::with_publish_retry)): a message that reached no stream
    /// is sent again after the policy's wait, and so is one with a `Nats-Msg-Id` whose ack
    /// timed out. A retried message may then be stored after messages published later.
    ///
    /// ```no_run
    /// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
    /// use natbus::jetstream::PublishOptions;
    /// let mut acks = Vec::new();
    /// for i in 0..100 {
    ///     acks.push(js.publish_async("orders.new", None, &PublishOptions::default(), format!("order {i}")).await?);
    /// }
    /// for ack in acks {
    ///     println!("stored as {}", ack.await?.seq);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Publishing failed (invalid subject, closed connection). Ack errors come from the
    /// returned future.
    pub async fn publish_async(
        &self,
        subject: impl AsRef<str>,
        headers: Option<HeaderMap>,
        options: &PublishOptions,
        payload: impl Into<Bytes>,
    ) -> Result<PubAckFuture, JetStreamError> {
        let subject = subject.as_ref();
        let payload = payload.into();
        let (headers, has_msg_id) = self.publish_headers(headers, options);
        let mux = self.ack_mux().await?;
        let ticket = send(
            &self.client,
            &mux,
            subject,
            headers.as_ref(),
            payload.clone(),
        )
        .await?;
        let sleep = sleep_for(&**self.client.runtime(), self.timeout);
        Ok(PubAckFuture {
            js: self.clone(),
            mux,
            subject: subject.to_owned(),
            headers,
            payload,
            retry: PublishRetry::new(self.retry, has_msg_id),
            state: State::Waiting { ticket, sleep },
        })
    }
}

/// A place in the window: its token and the receiver of the reply. Dropping it before the
/// reply arrived gives the place back.
struct Ticket {
    mux: Arc<AckMux>,
    token: u64,
    rx: oneshot::Receiver<Message>,
    /// False once the reply arrived (the reader already freed the place).
    armed: bool,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.armed {
            self.mux.take(self.token);
        }
    }
}

/// Reserves a place in the window and publishes with its reply subject.
async fn send(
    client: &Client,
    mux: &Arc<AckMux>,
    subject: &str,
    headers: Option<&HeaderMap>,
    payload: Bytes,
) -> Result<Ticket, JetStreamError> {
    let (token, rx) = mux.reserve().await?;
    // Made before publishing, so that a failed publish frees the place when it drops.
    let ticket = Ticket {
        mux: mux.clone(),
        token,
        rx,
        armed: true,
    };
    let reply = reply_subject(&mux.inbox, token);
    client
        .publish_full(subject, Some(&reply), headers, payload)
        .await?;
    Ok(ticket)
}

/// The ack of a [`JetStream::publish_async`]; resolves to the [`PubAck`] or an error.
/// Dropping it gives its place in the window back.
pub struct PubAckFuture {
    js: JetStream,
    mux: Arc<AckMux>,
    subject: String,
    headers: Option<HeaderMap>,
    payload: Bytes,
    retry: PublishRetry,
    state: State,
}

/// Where a [`PubAckFuture`] is.
enum State {
    /// An attempt is out: its reply, or the end of its timeout.
    Waiting {
        ticket: Ticket,
        sleep: BoxFuture<()>,
    },
    /// Waiting for the time of a retry, then sending it.
    Resending(BoxFuture<Result<Ticket, JetStreamError>>),
    /// Working out the error to report (for no responders: a stream look-up).
    Failing(BoxFuture<JetStreamError>),
    /// Resolved.
    Done,
}

impl std::fmt::Debug for PubAckFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PubAckFuture")
            .field("subject", &self.subject)
            .field("attempts", &self.retry.attempts())
            .finish_non_exhaustive()
    }
}

impl PubAckFuture {
    /// What follows a failed attempt: a retry, or the error to report.
    fn after(&mut self, error: JetStreamError) -> State {
        let Some(failure) = attempt_failure(&error) else {
            return State::Failing(Box::pin(std::future::ready(error)));
        };
        let next = self.retry.on_failure(failure, self.js.now());
        let js = self.js.clone();
        let subject = self.subject.clone();
        match next {
            Retry::At(at) => {
                let (mux, headers, payload) =
                    (self.mux.clone(), self.headers.clone(), self.payload.clone());
                State::Resending(Box::pin(async move {
                    js.sleep_until(at).await;
                    send(&js.client, &mux, &subject, headers.as_ref(), payload).await
                }))
            }
            Retry::GiveUp => {
                let retry = self.retry.clone();
                State::Failing(Box::pin(async move {
                    js.final_error(error, &retry, &subject).await
                }))
            }
        }
    }
}

impl Future for PubAckFuture {
    type Output = Result<PubAck, JetStreamError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        loop {
            match &mut this.state {
                State::Waiting { ticket, sleep } => {
                    let result = if let Poll::Ready(reply) = Pin::new(&mut ticket.rx).poll(cx) {
                        ticket.armed = false;
                        match reply {
                            Some(msg) => parse_pub_ack(&this.subject, &msg),
                            None => Err(JetStreamError::Closed),
                        }
                    } else if sleep.as_mut().poll(cx).is_ready() {
                        Err(JetStreamError::Timeout {
                            what: "publish ack",
                            timeout: this.js.timeout,
                        })
                    } else {
                        return Poll::Pending;
                    };
                    match result {
                        Ok(ack) => {
                            this.state = State::Done;
                            return Poll::Ready(Ok(ack));
                        }
                        // Dropping the old state frees the place of a timed-out attempt.
                        Err(e) => this.state = this.after(e),
                    }
                }
                State::Resending(send) => match send.as_mut().poll(cx) {
                    Poll::Ready(Ok(ticket)) => {
                        let sleep = sleep_for(&**this.js.client.runtime(), this.js.timeout);
                        this.state = State::Waiting { ticket, sleep };
                    }
                    Poll::Ready(Err(e)) => {
                        this.state = State::Done;
                        return Poll::Ready(Err(e));
                    }
                    Poll::Pending => return Poll::Pending,
                },
                State::Failing(report) => match report.as_mut().poll(cx) {
                    Poll::Ready(e) => {
                        this.state = State::Done;
                        return Poll::Ready(Err(e));
                    }
                    Poll::Pending => return Poll::Pending,
                },
                State::Done => return Poll::Ready(Err(JetStreamError::Closed)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_subjects_carry_their_token_back() {
        for token in [0, 7, 10, 12345, u64::MAX] {
            let reply = reply_subject("_INBOX.abc", token);
            assert_eq!(reply, format!("_INBOX.abc.{token}"));
            assert_eq!(token_of(reply.as_bytes()), Some(token));
        }
        assert_eq!(token_of(b"_INBOX.abc."), None);
        assert_eq!(token_of(b"_INBOX.abc.x1"), None);
        assert_eq!(token_of(b"_INBOX.abc.+1"), None);
        assert_eq!(token_of(b"_INBOX.abc.18446744073709551616"), None);
    }
}
