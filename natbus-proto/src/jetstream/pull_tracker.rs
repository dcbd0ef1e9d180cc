//! Bookkeeping for a continuous pull consumer (ADR-37 "consume"), without IO or clock.
//!
//! The tracker keeps a window of `max_messages` (and optionally `max_bytes`) requested
//! from the server. The driver loop is:
//! 1. call [`PullTracker::poll_request`] and publish each request it returns to
//!    `CONSUMER.MSG.NEXT.<stream>.<consumer>` with the subscription's inbox as reply;
//! 2. report each delivered message with [`PullTracker::handle_message`] and each status with
//!    [`PullTracker::handle_status`] (acting on the returned [`PullAction`]);
//! 3. sleep until [`PullTracker::poll_timeout`], then call
//!    [`PullTracker::handle_timeout`]; go to 1.
//!
//! On disconnect call [`PullTracker::handle_disconnected`]; on reconnect
//! [`PullTracker::handle_reconnected`].

use crate::time::Instant;
use std::time::Duration;

use super::priority::{Pin, PinChange, PullGroup};
use super::pull::{PullAction, PullRequest, PullStatus, classify_pull_status};
use super::terminal::TerminalReason;
use crate::time;

/// Settings of a continuous pull consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumeOptions {
    /// Most messages requested at once (Go default 500).
    pub max_messages: usize,
    /// Most bytes requested at once; `None` = count messages only.
    pub max_bytes: Option<usize>,
    /// Expiry of each request.
    pub expires: Duration,
    /// Heartbeat asked for in each request; two missed in a row reset the window.
    pub idle_heartbeat: Duration,
    /// Refill when pending messages fall to this or below (default half of max).
    pub threshold_messages: usize,
    /// Refill when pending bytes fall to this or below (default half of max_bytes).
    pub threshold_bytes: usize,
    /// The priority group every request names (consumers with a priority policy).
    pub group: Option<PullGroup>,
}

impl Default for ConsumeOptions {
    fn default() -> Self {
        Self::messages(500)
    }
}

impl ConsumeOptions {
    /// Expiry of each request by default.
    pub const DEFAULT_EXPIRES: Duration = Duration::from_secs(30);

    /// A window of `max_messages` with the default expiry (30 s) and heartbeat (15 s).
    pub fn messages(max_messages: usize) -> Self {
        let max_messages = max_messages.max(1);
        Self {
            max_messages,
            max_bytes: None,
            expires: Self::DEFAULT_EXPIRES,
            idle_heartbeat: heartbeat_for(Self::DEFAULT_EXPIRES),
            threshold_messages: max_messages / 2,
            threshold_bytes: 0,
            group: None,
        }
    }

    /// A window of `max_bytes` (the message count is then effectively unbounded).
    pub fn bytes(max_bytes: usize) -> Self {
        let max_bytes = max_bytes.max(1);
        Self {
            max_bytes: Some(max_bytes),
            threshold_bytes: max_bytes / 2,
            ..Self::messages(1_000_000)
        }
    }

    /// Sets the expiry, and the heartbeat to half of it (at most 30 s).
    pub fn expires(mut self, expires: Duration) -> Self {
        self.expires = expires;
        self.idle_heartbeat = heartbeat_for(expires);
        self
    }

    /// Names a priority group in every request (see [`PullGroup`]).
    pub fn group(mut self, group: PullGroup) -> Self {
        self.group = Some(group);
        self
    }
}

/// Half the expiry, at most 30 s: the server requires expires ≥ 2× heartbeat.
fn heartbeat_for(expires: Duration) -> Duration {
    (expires / 2).min(Duration::from_secs(30))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Active,
    Paused,
    Terminated(TerminalReason),
}

/// The outstanding-request window of a continuous pull consumer.
#[derive(Debug, Clone)]
pub struct PullTracker {
    opts: ConsumeOptions,
    pending_messages: usize,
    pending_bytes: usize,
    last_activity: Option<Instant>,
    state: State,
    pin: Pin,
}

impl PullTracker {
    /// A tracker with nothing requested yet.
    pub fn new(opts: ConsumeOptions) -> Self {
        Self {
            opts,
            pending_messages: 0,
            pending_bytes: 0,
            last_activity: None,
            state: State::Active,
            pin: Pin::default(),
        }
    }

    /// The pin a `pinned_client` group gave this consumer (see [`Pin`]).
    pub fn pin(&self) -> &Pin {
        &self.pin
    }

    /// Starts from a pin obtained earlier (e.g. by one-shot fetches of the same client).
    pub fn set_pin(&mut self, pin: Pin) {
        self.pin = pin;
    }

    /// Call with the `Nats-Pin-Id` header of every message delivered to a
    /// priority-group consumer (after [`handle_message`](Self::handle_message)).
    pub fn handle_pin_id(&mut self, pin_id: Option<&str>) -> PinChange {
        self.pin.on_message(pin_id)
    }

    /// Messages requested and not yet delivered or released.
    pub fn pending_messages(&self) -> usize {
        self.pending_messages
    }

    /// Bytes requested and not yet delivered or released (byte windows only).
    pub fn pending_bytes(&self) -> usize {
        self.pending_bytes
    }

    /// Why consuming stopped, once a terminal status arrived.
    pub fn terminated(&self) -> Option<&TerminalReason> {
        match &self.state {
            State::Terminated(reason) => Some(reason),
            _ => None,
        }
    }

    /// True when [`poll_request`](Self::poll_request) would return a request now.
    /// Lets a consumer hand out buffered messages without stopping to send one.
    pub fn wants_request(&self) -> bool {
        self.missing().is_some()
    }

    /// What a request now would ask for (messages, bytes), if one is due.
    fn missing(&self) -> Option<(usize, Option<usize>)> {
        if self.state != State::Active || !self.below_threshold() {
            return None;
        }
        let batch = self.opts.max_messages.saturating_sub(self.pending_messages);
        let max_bytes = self
            .opts
            .max_bytes
            .map(|max| max.saturating_sub(self.pending_bytes));
        if batch == 0 || max_bytes == Some(0) {
            return None;
        }
        Some((batch, max_bytes))
    }

    fn below_threshold(&self) -> bool {
        let threshold = self
            .opts
            .threshold_messages
            .min(self.opts.max_messages.saturating_sub(1));
        let msgs_low = self.pending_messages <= threshold;
        let bytes_low = self.opts.max_bytes.is_some_and(|max| {
            self.pending_bytes <= self.opts.threshold_bytes.min(max.saturating_sub(1))
        });
        msgs_low || bytes_low
    }

    /// The next pull request to send, if the window has fallen to its threshold: it asks
    /// for what is missing to fill the window and counts it as pending. `None` while the
    /// window is full enough, paused (disconnected) or terminated. Call it after every
    /// input, and send what it returns.
    pub fn poll_request(&mut self, now: Instant) -> Option<PullRequest> {
        let (batch, max_bytes) = self.missing()?;
        self.pending_messages += batch;
        self.pending_bytes += max_bytes.unwrap_or(0);
        self.last_activity = Some(now);
        let mut request = PullRequest {
            batch,
            max_bytes,
            expires: Some(self.opts.expires),
            idle_heartbeat: Some(self.opts.idle_heartbeat),
            ..PullRequest::default()
        };
        if let Some(group) = &self.opts.group {
            group.apply(&mut request, &self.pin);
        }
        Some(request)
    }

    /// Call for every data message delivered, with its `size` in bytes (subject + reply +
    /// headers + payload, the size the server counts against `max_bytes`).
    pub fn handle_message(&mut self, now: Instant, size: usize) {
        self.pending_messages = self.pending_messages.saturating_sub(1);
        if self.opts.max_bytes.is_some() {
            self.pending_bytes = self.pending_bytes.saturating_sub(size);
        }
        self.last_activity = Some(now);
    }

    fn release(&mut self, messages: Option<u64>, bytes: Option<u64>) {
        let cap = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        if let Some(m) = messages {
            self.pending_messages = self.pending_messages.saturating_sub(cap(m));
        }
        if let Some(b) = bytes {
            self.pending_bytes = self.pending_bytes.saturating_sub(cap(b));
        }
    }

    fn reset_counters(&mut self) {
        self.pending_messages = 0;
        self.pending_bytes = 0;
    }

    /// Call for every status message: `pending_messages`/`pending_bytes` are the values of the
    /// `Nats-Pending-Messages`/`Nats-Pending-Bytes` headers, when present. Returns the
    /// classified status; act on [`PullStatus::action`] (report warnings, stop on terminal).
    ///
    /// A `423` (another client is pinned now) also forgets the pin. The server sends it
    /// either for a waiting request, with pending headers (that request is released), or
    /// at once for a request just sent, without them: which request that was is unknown,
    /// so the window is reset, as after a leadership change, and refilled with stand-by
    /// requests.
    pub fn handle_status(
        &mut self,
        now: Instant,
        code: u16,
        description: &str,
        pending_messages: Option<u64>,
        pending_bytes: Option<u64>,
    ) -> PullStatus {
        let status = classify_pull_status(code, description);
        self.last_activity = Some(now);
        self.pin.on_status(&status);
        match status.action() {
            PullAction::KeepGoing => {}
            PullAction::Refill
                if status == PullStatus::PinIdMismatch && pending_messages.is_none() =>
            {
                self.reset_counters()
            }
            PullAction::Refill | PullAction::Warning(_) => {
                self.release(pending_messages, pending_bytes)
            }
            PullAction::Reset => self.reset_counters(),
            PullAction::Terminal(reason) => {
                self.reset_counters();
                self.state = State::Terminated(reason);
            }
        }
        status
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called: two heartbeat
    /// intervals after the last traffic, while requests are outstanding and the connection
    /// is up.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state != State::Active || self.pending_messages == 0 {
            return None;
        }
        Some(time::deadline(
            self.last_activity?,
            self.opts.idle_heartbeat.saturating_mul(2),
        ))
    }

    /// Call when [`poll_timeout`](Self::poll_timeout) passed (early calls do nothing);
    /// returns whether heartbeats were missed at `now`. If so, the outstanding requests are
    /// presumed lost: the counters are reset so [`poll_request`](Self::poll_request) pulls
    /// afresh. Not fatal; report it to the user as a warning.
    pub fn handle_timeout(&mut self, now: Instant) -> bool {
        match self.poll_timeout() {
            Some(deadline) if now >= deadline => {
                self.reset_counters();
                self.last_activity = None;
                true
            }
            _ => false,
        }
    }

    /// Call when the connection is down: stops pulling and pauses the heartbeat timer.
    pub fn handle_disconnected(&mut self) {
        if self.state == State::Active {
            self.state = State::Paused;
        }
    }

    /// Call when the connection is back: the server forgot our requests, so a fresh window
    /// starts.
    pub fn handle_reconnected(&mut self, now: Instant) {
        if self.state == State::Paused {
            self.state = State::Active;
            self.reset_counters();
            self.last_activity = Some(now);
        }
    }
}

#[cfg(test)]
#[path = "pull_tracker_tests.rs"]
mod tests;
