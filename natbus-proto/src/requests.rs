//! Request/reply muxed over one wildcard inbox subscription.
//!
//! Every request of a connection gets the reply subject `<prefix>.<nuid>.<token>`, where the
//! connection subscribes once to `<prefix>.<nuid>.*`. A reply is routed back to its request
//! by the last token, so a thousand requests in flight cost one subscription, not a thousand.

use crate::time::Instant;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::subscriptions::SidMap;

/// Identifies one request in flight on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// The requests in flight and their deadlines.
#[derive(Debug)]
pub struct Requests {
    /// `<prefix>.<nuid>.`, the reply subject without its token.
    base: String,
    /// Sid of the wildcard inbox subscription, once created.
    sid: Option<u64>,
    next_token: u64,
    pending: SidMap<Instant>,
    /// Deadlines, earliest first; entries of finished requests are skipped lazily.
    deadlines: BinaryHeap<Reverse<(Instant, u64)>>,
    /// A reply-subject buffer handed out by [`start_reusing`](Self::start_reusing) and
    /// given back by [`recycle`](Self::recycle), so requests do not allocate one each.
    spare: String,
}

impl Requests {
    /// A mux whose reply subjects start with `<inbox_prefix>.<unique>.`.
    pub fn new(inbox_prefix: &str, unique: &str) -> Self {
        Requests {
            base: format!("{inbox_prefix}.{unique}."),
            sid: None,
            next_token: 0,
            pending: SidMap::default(),
            deadlines: BinaryHeap::new(),
            spare: String::new(),
        }
    }

    /// The wildcard subject the inbox subscription listens on.
    pub fn wildcard(&self) -> String {
        format!("{}*", self.base)
    }

    /// Sid of the inbox subscription, if it exists.
    pub fn sid(&self) -> Option<u64> {
        self.sid
    }

    /// Records the sid of the inbox subscription.
    pub fn set_sid(&mut self, sid: u64) {
        self.sid = Some(sid);
    }

    /// Starts a request that times out at `deadline`; returns its id and reply subject.
    #[cfg(test)]
    pub fn start(&mut self, deadline: Instant) -> (RequestId, String) {
        self.start_into(deadline, String::with_capacity(self.base.len() + 20))
    }

    /// Starts a request that times out at `deadline`; returns its id and its reply subject,
    /// written into the spare buffer: give it back with [`recycle`](Self::recycle) once it
    /// was encoded.
    pub fn start_reusing(&mut self, deadline: Instant) -> (RequestId, String) {
        let spare = std::mem::take(&mut self.spare);
        self.start_into(deadline, spare)
    }

    /// Returns a reply buffer from [`start_reusing`](Self::start_reusing) for the next request.
    pub fn recycle(&mut self, reply: String) {
        self.spare = reply;
    }

    fn start_into(&mut self, deadline: Instant, mut reply: String) -> (RequestId, String) {
        self.next_token += 1;
        let token = self.next_token;
        self.pending.insert(token, deadline);
        self.deadlines.push(Reverse((deadline, token)));
        reply.clear();
        reply.push_str(&self.base);
        crate::wire::itoa::push_u64(&mut reply, token);
        (RequestId(token), reply)
    }

    /// Finds the request a reply on `subject` belongs to and removes it.
    #[cfg(test)]
    pub fn complete(&mut self, subject: &str) -> Option<RequestId> {
        self.complete_bytes(subject.as_bytes())
    }

    /// Finds the request a reply on `subject` belongs to and removes it.
    pub fn complete_bytes(&mut self, subject: &[u8]) -> Option<RequestId> {
        let token = subject.strip_prefix(self.base.as_bytes())?;
        let token = crate::wire::itoa::parse_u64(token)?;
        self.pending.remove(&token).map(|_| RequestId(token))
    }

    /// Forgets a request (its caller gave up).
    pub fn cancel(&mut self, id: RequestId) -> bool {
        self.pending.remove(&id.0).is_some()
    }

    /// True when no request is in flight.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The earliest deadline of a request still in flight.
    pub fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(Reverse((deadline, token))) = self.deadlines.peek().copied() {
            if self.pending.get(&token) == Some(&deadline) {
                return Some(deadline);
            }
            self.deadlines.pop();
        }
        None
    }

    /// Removes and returns every request whose deadline is at or before `now`.
    pub fn expire(&mut self, now: Instant) -> Vec<RequestId> {
        let mut expired = Vec::new();
        while let Some(deadline) = self.next_deadline() {
            if deadline > now {
                break;
            }
            if let Some(Reverse((_, token))) = self.deadlines.pop() {
                self.pending.remove(&token);
                expired.push(RequestId(token));
            }
        }
        expired
    }

    /// Removes every request in flight (connection lost or closed).
    pub fn fail_all(&mut self) -> Vec<RequestId> {
        self.deadlines.clear();
        let mut ids: Vec<RequestId> = self.pending.drain().map(|(t, _)| RequestId(t)).collect();
        ids.sort_unstable();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn routes_replies_by_token() {
        let now = Instant::now();
        let mut r = Requests::new("_INBOX", "abc");
        assert_eq!(r.wildcard(), "_INBOX.abc.*");
        let (a, ra) = r.start(now + Duration::from_secs(1));
        let (b, rb) = r.start(now + Duration::from_secs(1));
        assert_eq!(ra, "_INBOX.abc.1");
        assert_ne!(ra, rb);
        assert_eq!(r.complete(&rb), Some(b));
        assert_eq!(r.complete(&rb), None, "a reply completes a request once");
        assert_eq!(r.complete("_INBOX.other.1"), None);
        assert_eq!(r.complete("_INBOX.abc.x"), None);
        assert_eq!(r.complete(&ra), Some(a));
        assert!(r.is_empty());
    }

    #[test]
    fn a_recycled_reply_buffer_is_rewritten_for_the_next_request() {
        let now = Instant::now();
        let mut r = Requests::new("_INBOX", "abc");
        let (a, ra) = r.start_reusing(now + Duration::from_secs(1));
        assert_eq!(ra, "_INBOX.abc.1");
        let ptr = ra.as_ptr();
        r.recycle(ra);
        let (b, rb) = r.start_reusing(now + Duration::from_secs(1));
        assert_eq!(rb, "_INBOX.abc.2", "no leftovers of the previous subject");
        assert_eq!(rb.as_ptr(), ptr, "the same buffer, not a new allocation");
        assert_eq!(r.complete(&rb), Some(b));
        assert_eq!(r.complete("_INBOX.abc.1"), Some(a));
    }

    #[test]
    fn expires_in_deadline_order_and_skips_finished() {
        let now = Instant::now();
        let mut r = Requests::new("_INBOX", "n");
        let (a, _) = r.start(now + Duration::from_millis(30));
        let (b, rb) = r.start(now + Duration::from_millis(10));
        let (c, _) = r.start(now + Duration::from_millis(20));
        r.complete(&rb);
        assert_eq!(r.next_deadline(), Some(now + Duration::from_millis(20)));
        assert_eq!(r.expire(now + Duration::from_millis(25)), vec![c]);
        assert!(r.cancel(a));
        assert_eq!(r.next_deadline(), None);
        assert!(r.expire(now + Duration::from_secs(9)).is_empty());
        let _ = b;
    }

    mod proptests {
        use super::super::*;
        use proptest::prelude::*;
        use std::time::Duration;

        proptest! {
            /// Replies arriving in any order each complete exactly their own request.
            #[test]
            fn shuffled_replies_complete_their_own_request(order in Just((0..50usize).collect::<Vec<_>>()).prop_shuffle()) {
                let now = Instant::now();
                let mut r = Requests::new("_INBOX", "p");
                let started: Vec<(RequestId, String)> =
                    (0..50).map(|_| r.start(now + Duration::from_secs(5))).collect();
                for i in order {
                    let (id, reply) = &started[i];
                    prop_assert_eq!(r.complete(reply), Some(*id));
                }
                prop_assert!(r.is_empty());
            }
        }
    }
}
