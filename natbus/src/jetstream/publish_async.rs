//! `publish_async`: publish now, await the ack later, with a bounded window of acks.
//!
//! All acks come back on one wildcard inbox subscription (`<inbox>.<token>`), read by one
//! background task that hands each reply to the [`PubAckFuture`] waiting for its token.
//! The window (default 256) bounds memory: when it is full, `publish_async` waits.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream as _;
use natbus_proto::connection::SidMap;
use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::publish::{PubAck, PublishOptions};
use natbus_proto::message::Message;

use super::context::JetStream;
use super::error::JetStreamError;
use super::publish::{parse_pub_ack, with_options};
use crate::BoxFuture;
use crate::connection::oneshot;
use crate::runtime::sleep_for;
use crate::subscriber::Subscriber;

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
        let mux = self.ack_mux().await?;
        let (token, rx) = mux.reserve().await?;
        let headers = with_options(headers, options);
        let reply = reply_subject(&mux.inbox, token);
        if let Err(e) = self
            .client
            .publish_full(subject, Some(&reply), headers.as_ref(), payload.into())
            .await
        {
            mux.take(token);
            return Err(e.into());
        }
        let rt = self.client.runtime();
        Ok(PubAckFuture {
            mux,
            token,
            subject: subject.to_owned(),
            rx,
            timeout: self.timeout,
            sleep: sleep_for(&**rt, self.timeout),
            done: false,
        })
    }
}

/// The ack of a [`JetStream::publish_async`]; resolves to the [`PubAck`] or an error.
/// Dropping it gives its place in the window back.
pub struct PubAckFuture {
    mux: Arc<AckMux>,
    token: u64,
    subject: String,
    rx: oneshot::Receiver<Message>,
    timeout: Duration,
    sleep: BoxFuture<()>,
    done: bool,
}

impl std::fmt::Debug for PubAckFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PubAckFuture")
            .field("subject", &self.subject)
            .field("token", &self.token)
            .finish()
    }
}

impl Future for PubAckFuture {
    type Output = Result<PubAck, JetStreamError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Poll::Ready(reply) = Pin::new(&mut this.rx).poll(cx) {
            this.done = true;
            return Poll::Ready(match reply {
                Some(msg) => parse_pub_ack(&this.subject, &msg),
                None => Err(JetStreamError::Closed),
            });
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.done = true;
            this.mux.take(this.token);
            return Poll::Ready(Err(JetStreamError::Timeout {
                what: "publish ack",
                timeout: this.timeout,
            }));
        }
        Poll::Pending
    }
}

impl Drop for PubAckFuture {
    fn drop(&mut self) {
        if !self.done {
            self.mux.take(self.token);
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
