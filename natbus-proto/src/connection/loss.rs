//! What a lost connection may have taken with it: the publish loss report.
//!
//! Core NATS publishing is at-most-once, and the server acknowledges no publish. What it
//! does guarantee is order: it answers PINGs in order, after reading everything written
//! before them. So a PONG proves that every publish written before its PING arrived, and
//! nothing else does. When a connection dies, the publishes handed to it since the last
//! such proof may or may not have reached the server; the [`Ledger`] counts them, and
//! [`Event::Disconnected`](super::Event::Disconnected) reports them, so that "nothing is
//! missing" and "up to N may be missing" can be told apart. Publishes still queued (not
//! yet handed to the driver) stay queued across a reconnect and are not in the report;
//! those a close throws away are ([`Event::Closed`](super::Event::Closed)).
//!
//! The count is an upper bound, never an estimate: bytes the driver had not yet written
//! when the socket failed are counted too (they are certainly lost, as the driver drops
//! them with the socket), and so are publishes the server did read but could not confirm
//! in time.

use std::ops::{Add, AddAssign, Sub};

/// A number of publishes and their payload bytes (headers not included, as in
/// [`Statistics::out_bytes`](super::Statistics::out_bytes)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PublishCount {
    /// Publishes.
    pub messages: u64,
    /// Their payload bytes.
    pub bytes: u64,
}

impl PublishCount {
    /// `messages` publishes of `bytes` payload bytes in all.
    pub fn new(messages: u64, bytes: u64) -> Self {
        PublishCount { messages, bytes }
    }

    /// True when it counts no publish.
    pub fn is_zero(&self) -> bool {
        self.messages == 0
    }
}

impl Add for PublishCount {
    type Output = PublishCount;

    fn add(self, other: PublishCount) -> PublishCount {
        PublishCount {
            messages: self.messages.saturating_add(other.messages),
            bytes: self.bytes.saturating_add(other.bytes),
        }
    }
}

impl AddAssign for PublishCount {
    fn add_assign(&mut self, other: PublishCount) {
        *self = *self + other;
    }
}

impl Sub for PublishCount {
    type Output = PublishCount;

    /// Saturating: a count never goes below zero.
    fn sub(self, other: PublishCount) -> PublishCount {
        PublishCount {
            messages: self.messages.saturating_sub(other.messages),
            bytes: self.bytes.saturating_sub(other.bytes),
        }
    }
}

/// The publishes a connection may have lost: in
/// [`Event::Disconnected`](super::Event::Disconnected) and
/// [`Event::Closed`](super::Event::Closed) for that connection, and summed over all of
/// them in [`Statistics::publish_loss`](super::Statistics::publish_loss).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PublishLoss {
    /// Handed to the connection's socket and never confirmed by the server (no PONG
    /// answered a PING written after them): each may or may not have reached it.
    pub unconfirmed: PublishCount,
    /// Accepted and never written: thrown away from the reconnect buffer when the client
    /// closed while it had no connection to write them to. Certainly lost.
    pub discarded: PublishCount,
}

impl PublishLoss {
    /// The most publishes that can be missing: [`unconfirmed`](Self::unconfirmed) plus
    /// [`discarded`](Self::discarded).
    pub fn at_most(&self) -> PublishCount {
        self.unconfirmed + self.discarded
    }

    /// True when nothing can be missing.
    pub fn is_none(&self) -> bool {
        self.at_most().is_zero()
    }
}

impl AddAssign for PublishLoss {
    fn add_assign(&mut self, other: PublishLoss) {
        self.unconfirmed += other.unconfirmed;
        self.discarded += other.discarded;
    }
}

impl std::fmt::Display for PublishLoss {
    /// One phrase for logs, e.g. "up to 3 publishes (120 bytes) lost: 2 unconfirmed, 1
    /// discarded".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let most = self.at_most();
        write!(
            f,
            "up to {} publishes ({} bytes) lost: {} unconfirmed, {} discarded",
            most.messages, most.bytes, self.unconfirmed.messages, self.discarded.messages
        )
    }
}

/// Which publishes handed to the driver the server has confirmed.
///
/// Both counts run from the connection's first publish and only grow, across reconnects:
/// a PING records the count of publishes before it (taken, plus queued ahead of it), and
/// its PONG raises `settled` to that mark.
#[derive(Debug, Default)]
pub(super) struct Ledger {
    /// Publishes handed to the driver.
    taken: PublishCount,
    /// Of those, the first ones that need no report any more: proven read by a PONG, or
    /// already reported with a lost connection.
    settled: PublishCount,
}

impl Ledger {
    /// The mark of a PING queued now, behind `queued` publishes not yet taken.
    pub(super) fn mark(&self, queued: PublishCount) -> PublishCount {
        self.taken + queued
    }

    /// The driver took `publishes` more.
    pub(super) fn taken(&mut self, publishes: PublishCount) {
        self.taken += publishes;
    }

    /// A PONG proved that the server read every publish up to `mark`.
    pub(super) fn confirmed(&mut self, mark: PublishCount) {
        if mark.messages > self.settled.messages {
            self.settled = mark;
        }
    }

    /// The connection is gone: the publishes it took and never confirmed, now reported
    /// (a later connection reports only its own).
    pub(super) fn settle(&mut self) -> PublishCount {
        let open = self.taken - self.settled;
        self.settled = self.taken;
        open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(messages: u64) -> PublishCount {
        PublishCount::new(messages, messages * 10)
    }

    #[test]
    fn a_pong_settles_only_the_publishes_before_its_ping() {
        let mut l = Ledger::default();
        // Two publishes queued, then a PING, then a third; all taken at once.
        let mark = l.mark(n(2));
        l.taken(n(3));
        l.confirmed(mark);
        assert_eq!(
            l.settle(),
            n(1),
            "only the publish after the PING is in doubt"
        );
        l.taken(n(4));
        assert_eq!(l.settle(), n(4), "a later connection reports only its own");
        assert_eq!(l.settle(), n(0));
    }

    #[test]
    fn an_older_mark_never_lowers_what_is_settled() {
        let mut l = Ledger::default();
        let early = l.mark(n(1));
        let late = l.mark(n(5));
        l.taken(n(5));
        l.confirmed(late);
        l.confirmed(early);
        assert_eq!(l.settle(), n(0));
    }

    #[test]
    fn a_ping_queued_across_a_reconnect_confirms_on_the_next_connection() {
        let mut l = Ledger::default();
        l.taken(n(2));
        // Queued behind one more publish, not taken before the connection died.
        let mark = l.mark(n(1));
        assert_eq!(l.settle(), n(2));
        l.taken(n(1));
        l.confirmed(mark);
        assert_eq!(l.settle(), n(0));
    }

    #[test]
    fn the_report_reads_as_an_upper_bound() {
        let loss = PublishLoss {
            unconfirmed: PublishCount::new(2, 100),
            discarded: PublishCount::new(1, 20),
        };
        assert_eq!(loss.at_most(), PublishCount::new(3, 120));
        assert!(!loss.is_none());
        assert!(PublishLoss::default().is_none());
        assert_eq!(
            loss.to_string(),
            "up to 3 publishes (120 bytes) lost: 2 unconfirmed, 1 discarded"
        );
    }
}
