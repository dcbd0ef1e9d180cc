//! Commands from the application: they validate, queue bytes and state, and return.

use crate::time::Instant;
use std::time::Duration;

use bytes::Bytes;

use super::{Action, CloseReason, CommandError, Connection, Drain, State};
use crate::headers::HeaderMap;
use crate::info::DEFAULT_MAX_PAYLOAD;
use crate::keepalive::PingPurpose;
use crate::requests::RequestId;
use crate::subject::{self, Subject};
use crate::time;
use crate::wire::encode;

impl Connection {
    fn check_open(&self) -> Result<(), CommandError> {
        match (&self.state, self.drain) {
            (State::Closed, _) => Err(CommandError::Closed),
            (_, Drain::Flushing) => Err(CommandError::Draining),
            _ => Ok(()),
        }
    }

    /// Queues a message for `subject`, with an optional reply subject and headers.
    ///
    /// While disconnected the message waits in the reconnect buffer and is sent after
    /// reconnecting.
    ///
    /// # Errors
    /// [`CommandError`] for an invalid subject or headers, a message over the server's
    /// `max_payload`, a full buffer (retry later), or a closed/draining connection.
    pub fn publish(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: Bytes,
    ) -> Result<(), CommandError> {
        self.publish_borrowed(subject, reply, headers, &payload)
    }

    /// [`publish`](Self::publish) with a borrowed payload: a caller that retries after
    /// [`CommandError::BufferFull`] keeps its `Bytes` instead of cloning it (two atomic
    /// operations) for every attempt. Only a payload queued without a copy is cloned.
    ///
    /// # Errors
    /// As [`publish`](Self::publish).
    pub fn publish_borrowed(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) -> Result<(), CommandError> {
        self.check_open()?;
        subject::validate_publish(subject)?;
        if let Some(reply) = reply {
            subject::validate_publish(reply)?;
        }
        self.queue_pub(subject, reply, headers, payload)
    }

    /// Queues a `PUB`/`HPUB` whose subject and reply were already validated.
    fn queue_pub(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) -> Result<(), CommandError> {
        let header_len = match headers {
            Some(h) => {
                h.validate()?;
                h.encoded_len()
            }
            None => 0,
        };
        let size = header_len + payload.len();
        let max = self
            .info
            .as_ref()
            .map_or(DEFAULT_MAX_PAYLOAD, |i| i.max_payload);
        if size > max {
            return Err(CommandError::PayloadTooLarge { size, max });
        }
        let limit = self.buffer_limit();
        if !self.outbound.is_empty() && self.outbound.len() + size > limit {
            return Err(CommandError::BufferFull { limit });
        }
        self.outbound.push_pub(subject, reply, headers, payload);
        self.stats.out_msgs += 1;
        self.stats.out_bytes += payload.len() as u64;
        Ok(())
    }

    /// Subscribes to `subject` (wildcards allowed), optionally in a queue group, and returns
    /// the new subscription id. Messages arrive as [`Event::Message`](super::Event::Message).
    ///
    /// # Errors
    /// [`CommandError`] for an invalid subject or queue group, or a closed/draining connection.
    pub fn subscribe(&mut self, subject: &str, queue: Option<&str>) -> Result<u64, CommandError> {
        self.check_open()?;
        if self.drain != Drain::No {
            return Err(CommandError::Draining);
        }
        subject::validate_subscribe(subject)?;
        if let Some(queue) = queue {
            subject::validate_queue_group(queue)?;
        }
        let parsed = Subject::try_from(subject)?;
        let sid = self.subs.insert(parsed, queue.map(str::to_owned));
        if self.is_connected() {
            self.outbound
                .write_with(|b| encode::encode_sub(b, subject, queue, sid));
        }
        Ok(sid)
    }

    /// Ends subscription `sid` now (`max` = `None`) or after `max` messages in total.
    /// Returns `true` when the subscription is gone at once.
    pub fn unsubscribe(&mut self, sid: u64, max: Option<u64>) -> bool {
        let gone = match max {
            Some(max) => match self.subs.set_max(sid, max) {
                Some(gone) => gone,
                None => return true,
            },
            None => {
                if self.subs.remove(sid).is_none() {
                    return true;
                }
                true
            }
        };
        if self.is_connected() || self.may_hold_stale_sub() {
            let max = if gone { None } else { max };
            self.outbound
                .write_with(|b| encode::encode_unsub(b, sid, max));
        }
        gone
    }

    /// True while disconnected with bytes still queued from the lost connection: they may
    /// hold a SUB, which the next connection receives after its resubscriptions. An UNSUB
    /// made meanwhile must follow it there, or the server keeps a subscription the client
    /// no longer has (a queue-group member that swallows its share of the messages).
    fn may_hold_stale_sub(&self) -> bool {
        self.state != State::Closed && !self.outbound.is_empty()
    }

    /// Drains one subscription: UNSUB now, keep delivering what the server sent before it
    /// saw the UNSUB, then end it with [`SubscriptionEnd::Drained`](super::SubscriptionEnd).
    /// Returns false for an unknown sid.
    pub fn drain_subscription(&mut self, sid: u64) -> bool {
        if self.subs.get(sid).is_none() {
            return false;
        }
        if self.is_connected() {
            self.outbound
                .write_with(|b| encode::encode_unsub(b, sid, None));
            self.queue_ping(PingPurpose::DrainSubscription(sid));
        } else {
            if self.may_hold_stale_sub() {
                self.outbound
                    .write_with(|b| encode::encode_unsub(b, sid, None));
            }
            self.end_drained(sid);
        }
        true
    }

    pub(super) fn end_drained(&mut self, sid: u64) {
        if self.subs.remove(sid).is_some() {
            self.events.push_back(super::Event::SubscriptionEnded {
                sid,
                reason: super::SubscriptionEnd::Drained,
            });
        }
    }

    /// Sends a request and returns its id; the reply (or no-responders, timeout, lost
    /// connection) arrives as [`Event::Reply`](super::Event::Reply) with that id.
    ///
    /// # Errors
    /// As [`publish`](Self::publish).
    pub fn request(
        &mut self,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: Bytes,
        timeout: Duration,
        now: Instant,
    ) -> Result<RequestId, CommandError> {
        self.request_borrowed(subject, headers, &payload, timeout, now)
    }

    /// [`request`](Self::request) with a borrowed payload, for callers that retry (see
    /// [`publish_borrowed`](Self::publish_borrowed)).
    ///
    /// # Errors
    /// As [`publish`](Self::publish).
    pub fn request_borrowed(
        &mut self,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
        timeout: Duration,
        now: Instant,
    ) -> Result<RequestId, CommandError> {
        self.check_open()?;
        if self.requests.sid().is_none() {
            let wildcard = self.requests.wildcard();
            let sid = self
                .subs
                .insert(Subject::try_from(wildcard.as_str())?, None);
            if self.is_connected() {
                self.outbound
                    .write_with(|b| encode::encode_sub(b, &wildcard, None, sid));
            }
            self.requests.set_sid(sid);
        }
        subject::validate_publish(subject)?;
        // The reply subject is the connection's own inbox: valid by construction, and
        // its buffer is reused, so a request allocates nothing here.
        let (id, reply) = self.requests.start_reusing(time::deadline(now, timeout));
        let queued = self.queue_pub(subject, Some(&reply), headers, payload);
        self.requests.recycle(reply);
        if let Err(err) = queued {
            self.requests.cancel(id);
            return Err(err);
        }
        Ok(id)
    }

    /// Forgets a request whose caller stopped waiting.
    pub fn cancel_request(&mut self, id: RequestId) {
        self.requests.cancel(id);
    }

    /// Queues a PING; [`Event::Flushed`](super::Event::Flushed) with the returned id follows
    /// once the server has processed everything queued before it.
    ///
    /// # Errors
    /// [`CommandError::Closed`] on a closed connection.
    pub fn flush(&mut self) -> Result<u64, CommandError> {
        if self.state == State::Closed {
            return Err(CommandError::Closed);
        }
        self.next_flush += 1;
        let id = self.next_flush;
        self.queue_ping(PingPurpose::Flush(id));
        Ok(id)
    }

    pub(super) fn queue_ping(&mut self, purpose: PingPurpose) {
        let after = self.ledger.mark(self.outbound.publishes());
        self.outbound.write_with(encode::encode_ping);
        self.keepalive.queued(purpose, after);
    }

    /// Starts a graceful shutdown: unsubscribe everything, let what the server already sent
    /// arrive, flush what we publish, then close. Ends with
    /// [`Event::Closed`](super::Event::Closed) (`Drained`). A connection that is not connected
    /// closes at once.
    pub fn drain(&mut self, now: Instant) {
        let _ = now;
        if self.state == State::Closed || self.drain != Drain::No {
            return;
        }
        if !self.is_connected() {
            return self.close_for_good(CloseReason::Drained);
        }
        self.drain = Drain::Unsubscribing;
        let mut sids: Vec<u64> = self.subs.iter().map(|(sid, _)| sid).collect();
        sids.sort_unstable();
        for sid in sids {
            if Some(sid) != self.requests.sid() {
                self.outbound
                    .write_with(|b| encode::encode_unsub(b, sid, None));
            }
        }
        self.queue_ping(PingPurpose::Drain(1));
    }

    /// Closes the connection now: queued bytes are written best effort, pending requests
    /// and flushes fail, subscriptions end, and [`Event::Closed`](super::Event::Closed) follows.
    pub fn close(&mut self, now: Instant) {
        let _ = now;
        if self.state == State::Closed {
            return;
        }
        let connected = self.is_connected();
        self.flush_on_close = connected;
        self.actions.push_back(Action::Close { flush: connected });
        self.close_for_good(CloseReason::Closed);
    }
}
