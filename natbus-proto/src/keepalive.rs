//! PING/PONG bookkeeping: the keep-alive timer, stale detection, and flush waiters.
//!
//! Every PING we send expects one PONG, and PONGs come back in order, so a FIFO of
//! "why did we send this PING" is enough to know which flush a PONG completes.
//! PINGs move from `queued` to `in_flight` when the driver takes the bytes holding them
//! (always all queued bytes at once): only those can be lost with a dying connection.
//! Each PING also carries how many publishes were written before it: its PONG proves the
//! server read those (see `crate::connection::loss`).

use crate::time::Instant;
use std::collections::VecDeque;
use std::time::Duration;

use crate::connection::PublishCount;
use crate::time;

/// Why a PING was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingPurpose {
    /// The keep-alive timer.
    KeepAlive,
    /// A caller's flush with this id.
    Flush(u64),
    /// The drain sequence, at this step.
    Drain(u8),
    /// Draining one subscription: once answered, nothing more arrives for this sid.
    DrainSubscription(u64),
}

/// What the keep-alive timer wants when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepAliveAction {
    /// Nothing yet.
    Idle,
    /// Send a keep-alive PING.
    SendPing,
    /// Too many PINGs went unanswered: the connection is stale.
    Stale,
}

/// PING/PONG state of one connection.
#[derive(Debug)]
pub struct KeepAlive {
    interval: Duration,
    max_out: u32,
    next_ping: Option<Instant>,
    /// Keep-alive PINGs sent without a PONG since the last PONG.
    outstanding: u32,
    /// Each PING's purpose, and the publishes (counted from the start) before it.
    queued: VecDeque<(PingPurpose, PublishCount)>,
    in_flight: VecDeque<(PingPurpose, PublishCount)>,
}

impl KeepAlive {
    /// A keep-alive that pings every `interval` and declares the connection stale when a
    /// new PING would exceed `max_out` unanswered ones. A zero interval disables pinging.
    pub fn new(interval: Duration, max_out: u32) -> Self {
        KeepAlive {
            interval,
            max_out,
            next_ping: None,
            outstanding: 0,
            queued: VecDeque::new(),
            in_flight: VecDeque::new(),
        }
    }

    /// The connection is up: start the timer.
    pub fn start(&mut self, now: Instant) {
        self.outstanding = 0;
        self.next_ping = (!self.interval.is_zero()).then(|| time::deadline(now, self.interval));
    }

    /// The connection is down: stop the timer and return the purposes of the PINGs that were
    /// written to it and will never be answered.
    pub fn stop(&mut self) -> Vec<PingPurpose> {
        self.next_ping = None;
        self.outstanding = 0;
        self.in_flight
            .drain(..)
            .map(|(purpose, _)| purpose)
            .collect()
    }

    /// Records a PING written to the outbound queue after the publishes counted by `after`.
    pub fn queued(&mut self, purpose: PingPurpose, after: PublishCount) {
        self.queued.push_back((purpose, after));
    }

    /// The driver took every queued byte: the queued PINGs are now on the wire.
    pub fn all_taken(&mut self) {
        self.in_flight.extend(self.queued.drain(..));
    }

    /// Forgets PINGs still queued (the queue was dropped), returning their purposes.
    pub fn drop_queued(&mut self) -> Vec<PingPurpose> {
        self.queued.drain(..).map(|(purpose, _)| purpose).collect()
    }

    /// A PONG arrived: returns the purpose of the PING it answers, and the publishes that
    /// were written before that PING.
    pub fn pong(&mut self) -> Option<(PingPurpose, PublishCount)> {
        self.outstanding = 0;
        self.in_flight.pop_front()
    }

    /// When the timer next wants attention.
    pub fn deadline(&self) -> Option<Instant> {
        self.next_ping
    }

    /// Checks the timer at `now`; idempotent before the deadline.
    pub fn poll(&mut self, now: Instant) -> KeepAliveAction {
        match self.next_ping {
            Some(at) if now >= at => {
                if self.outstanding >= self.max_out {
                    self.next_ping = None;
                    return KeepAliveAction::Stale;
                }
                self.outstanding += 1;
                self.next_ping = Some(time::deadline(now, self.interval));
                KeepAliveAction::SendPing
            }
            _ => KeepAliveAction::Idle,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_every_interval_and_goes_stale() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let mut k = KeepAlive::new(s, 2);
        k.start(t0);
        assert_eq!(k.poll(t0), KeepAliveAction::Idle);
        assert_eq!(k.poll(t0 + s), KeepAliveAction::SendPing);
        assert_eq!(k.poll(t0 + s), KeepAliveAction::Idle, "idempotent");
        assert_eq!(k.poll(t0 + 2 * s), KeepAliveAction::SendPing);
        assert_eq!(k.poll(t0 + 3 * s), KeepAliveAction::Stale);
        assert_eq!(k.deadline(), None);
    }

    #[test]
    fn pong_resets_the_count_and_answers_in_order() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let mut k = KeepAlive::new(s, 1);
        k.start(t0);
        k.queued(PingPurpose::Flush(7), PublishCount::new(3, 30));
        k.queued(PingPurpose::KeepAlive, PublishCount::new(5, 50));
        k.all_taken();
        assert_eq!(k.poll(t0 + s), KeepAliveAction::SendPing);
        assert_eq!(
            k.pong(),
            Some((PingPurpose::Flush(7), PublishCount::new(3, 30)))
        );
        assert_eq!(
            k.poll(t0 + 2 * s),
            KeepAliveAction::SendPing,
            "the PONG reset the count"
        );
        assert_eq!(
            k.pong(),
            Some((PingPurpose::KeepAlive, PublishCount::new(5, 50)))
        );
    }

    #[test]
    fn stop_returns_only_pings_on_the_wire() {
        let mut k = KeepAlive::new(Duration::ZERO, 2);
        let none = PublishCount::default();
        k.queued(PingPurpose::Flush(1), none);
        k.all_taken();
        k.queued(PingPurpose::Flush(2), none);
        assert_eq!(k.stop(), vec![PingPurpose::Flush(1)]);
        assert_eq!(k.deadline(), None, "zero interval never pings");
        k.all_taken();
        assert_eq!(k.pong(), Some((PingPurpose::Flush(2), none)));
    }
}
