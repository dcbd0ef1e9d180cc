//! The subscription table: sid allocation, queue groups, auto-unsubscribe, resubscribe.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use bytes::BytesMut;

use crate::subject::Subject;
use crate::wire::encode;

/// A hasher for sids: they are small sequential integers, so a multiply is a good hash and
/// much cheaper than SipHash on the per-message routing path.
#[derive(Default)]
pub struct SidHasher(u64);

impl Hasher for SidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A map keyed by sid.
pub type SidMap<V> = HashMap<u64, V, BuildHasherDefault<SidHasher>>;

/// One live subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Subject or wildcard pattern.
    pub subject: Subject,
    /// Queue group, if any.
    pub queue: Option<String>,
    /// Auto-unsubscribe after this many messages in total.
    pub max: Option<u64>,
    /// Messages delivered so far.
    pub delivered: u64,
}

/// What happened to a subscription when a message arrived for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Deliver the message; the subscription stays.
    Deliver,
    /// Deliver the message; it was the last one (auto-unsubscribe reached).
    DeliverLast,
    /// The sid is unknown (already unsubscribed): drop the message.
    Unknown,
}

/// All subscriptions of a connection.
#[derive(Debug, Default)]
pub struct Subscriptions {
    next_sid: u64,
    subs: SidMap<Subscription>,
}

impl Subscriptions {
    /// Registers a subscription and returns its new sid.
    pub fn insert(&mut self, subject: Subject, queue: Option<String>) -> u64 {
        self.next_sid += 1;
        let sid = self.next_sid;
        self.subs.insert(
            sid,
            Subscription {
                subject,
                queue,
                max: None,
                delivered: 0,
            },
        );
        sid
    }

    /// The subscription with `sid`.
    pub fn get(&self, sid: u64) -> Option<&Subscription> {
        self.subs.get(&sid)
    }

    /// Number of live subscriptions.
    pub fn len(&self) -> usize {
        self.subs.len()
    }

    /// Iterates over `(sid, subscription)`.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Subscription)> {
        self.subs.iter().map(|(sid, s)| (*sid, s))
    }

    /// Removes a subscription; returns it if it existed.
    pub fn remove(&mut self, sid: u64) -> Option<Subscription> {
        self.subs.remove(&sid)
    }

    /// Sets an auto-unsubscribe limit. Returns `Some(true)` when the limit is already reached
    /// (the subscription was removed), `Some(false)` when set, `None` for an unknown sid.
    pub fn set_max(&mut self, sid: u64, max: u64) -> Option<bool> {
        let sub = self.subs.get_mut(&sid)?;
        if sub.delivered >= max {
            self.subs.remove(&sid);
            return Some(true);
        }
        sub.max = Some(max);
        Some(false)
    }

    /// Counts a message for `sid` and says what to do with it.
    pub fn on_message(&mut self, sid: u64) -> Delivery {
        let Some(sub) = self.subs.get_mut(&sid) else {
            return Delivery::Unknown;
        };
        sub.delivered += 1;
        if sub.max.is_some_and(|max| sub.delivered >= max) {
            self.subs.remove(&sid);
            return Delivery::DeliverLast;
        }
        Delivery::Deliver
    }

    /// Writes SUB (and UNSUB for the remaining count of limited ones) for every
    /// subscription, as sent after a reconnect. Sids are written in ascending order so the
    /// output is deterministic.
    pub fn encode_resubscribe(&self, out: &mut BytesMut) {
        let mut sids: Vec<u64> = self.subs.keys().copied().collect();
        sids.sort_unstable();
        for sid in sids {
            let sub = &self.subs[&sid];
            encode::encode_sub(out, sub.subject.as_str(), sub.queue.as_deref(), sid);
            if let Some(max) = sub.max {
                encode::encode_unsub(out, sid, Some(max - sub.delivered));
            }
        }
    }

    /// Sids of subscriptions on `subject` (and `queue`, when given), for permission errors.
    pub fn find(&self, subject: &str, queue: Option<&str>) -> Vec<u64> {
        self.subs
            .iter()
            .filter(|(_, s)| {
                s.subject.as_str() == subject && (queue.is_none() || s.queue.as_deref() == queue)
            })
            .map(|(sid, _)| *sid)
            .collect()
    }

    /// Removes every subscription, returning their sids.
    pub fn clear(&mut self) -> Vec<u64> {
        self.subs.drain().map(|(sid, _)| sid).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocates_increasing_sids_and_routes() {
        let mut s = Subscriptions::default();
        let a = s.insert(Subject::from_static("a"), None);
        let b = s.insert(Subject::from_static("b"), Some("q".into()));
        assert!(b > a);
        assert_eq!(s.on_message(a), Delivery::Deliver);
        assert_eq!(s.on_message(99), Delivery::Unknown);
        s.remove(a);
        assert_eq!(s.on_message(a), Delivery::Unknown);
    }

    #[test]
    fn auto_unsubscribe_after_n() {
        let mut s = Subscriptions::default();
        let sid = s.insert(Subject::from_static("a"), None);
        assert_eq!(s.set_max(sid, 2), Some(false));
        assert_eq!(s.on_message(sid), Delivery::Deliver);
        assert_eq!(s.on_message(sid), Delivery::DeliverLast);
        assert_eq!(s.on_message(sid), Delivery::Unknown);
    }

    #[test]
    fn max_already_reached_removes_at_once() {
        let mut s = Subscriptions::default();
        let sid = s.insert(Subject::from_static("a"), None);
        s.on_message(sid);
        s.on_message(sid);
        assert_eq!(s.set_max(sid, 2), Some(true));
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn resubscribe_sends_remaining_counts() {
        let mut s = Subscriptions::default();
        let a = s.insert(Subject::from_static("a.*"), None);
        let b = s.insert(Subject::from_static("b"), Some("workers".into()));
        s.set_max(b, 5);
        s.on_message(b);
        s.on_message(b);
        let mut out = BytesMut::new();
        s.encode_resubscribe(&mut out);
        assert_eq!(
            &out[..],
            format!("SUB a.* {a}\r\nSUB b workers {b}\r\nUNSUB {b} 3\r\n").as_bytes()
        );
    }
}
