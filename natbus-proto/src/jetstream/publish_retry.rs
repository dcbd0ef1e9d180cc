//! When a publish into a stream is sent again (ADR-22), as a small state machine.
//!
//! A replicated stream has no leader for a few seconds during an election. Nothing then
//! listens on its subjects, so a publish gets the core `503` no-responders status at once,
//! although the stream exists and will take the message a moment later. Retrying after a
//! short wait rides that out; nats.go retries twice after 250 ms, and so does natbus by
//! default.
//!
//! A no-responders reply proves that no stream received the message, so it is always
//! safe to send it again. A timeout or a lost connection proves nothing: the stream may
//! have stored the message and only the acknowledgement was lost. Sending it again would
//! store a second copy, unless the message carries a `Nats-Msg-Id`: then the stream drops
//! the repeat within its duplicate window and acknowledges it with `duplicate: true` and
//! the first copy's sequence. So [`PublishRetry`] retries those failures only for messages
//! with an id (and [`RetryPolicy::generate_msg_id`] gives every message one).
//!
//! ```
//! use std::time::Duration;
//! use natbus_proto::time::Instant;
//! use natbus_proto::jetstream::publish_retry::{AttemptFailure, PublishRetry, RetryPolicy, Retry};
//!
//! let start = Instant::now(); // the caller's clock; tests use a virtual one
//! let mut retry = PublishRetry::new(RetryPolicy::default(), false);
//! // The first attempt got a 503: wait 250 ms, then send again.
//! assert_eq!(
//!     retry.on_failure(AttemptFailure::NoResponders, start),
//!     Retry::At(start + Duration::from_millis(250))
//! );
//! // A timeout without a message id is not retried: the first copy may be stored.
//! assert_eq!(retry.on_failure(AttemptFailure::TimedOut, start), Retry::GiveUp);
//! ```

use std::time::Duration;

use crate::time::{Instant, deadline};

/// Retries after the first attempt by default (nats.go's `DefaultPubRetryAttempts`).
pub const DEFAULT_RETRY_ATTEMPTS: u32 = 2;
/// Wait before each retry by default (nats.go's `DefaultPubRetryWait`).
pub const DEFAULT_RETRY_WAIT: Duration = Duration::from_millis(250);

/// How a publish into a stream is retried.
///
/// ```
/// use std::time::Duration;
/// use natbus_proto::jetstream::publish_retry::RetryPolicy;
///
/// // Ride out a leader election of up to ~10 s, with an id on every message so that
/// // timeouts and lost connections are retried too without storing a copy twice.
/// let policy = RetryPolicy::default()
///     .attempts(40)
///     .wait(Duration::from_millis(250))
///     .generate_msg_id(true);
/// assert_eq!(policy.max_attempts(), 41);
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    attempts: u32,
    wait: Duration,
    generate_msg_id: bool,
}

impl Default for RetryPolicy {
    /// Two retries, 250 ms apart, no generated ids (as nats.go).
    fn default() -> Self {
        RetryPolicy {
            attempts: DEFAULT_RETRY_ATTEMPTS,
            wait: DEFAULT_RETRY_WAIT,
            generate_msg_id: false,
        }
    }
}

impl RetryPolicy {
    /// No retries: every failure is reported at once.
    pub fn none() -> Self {
        RetryPolicy::default().attempts(0)
    }

    /// Sets how many times a failed publish is sent again (0: never).
    pub fn attempts(mut self, retries: u32) -> Self {
        self.attempts = retries;
        self
    }

    /// Sets the wait before each retry.
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Gives every message without a `Nats-Msg-Id` a fresh unique one, so that timeouts
    /// and lost connections can be retried without storing a message twice (within the
    /// stream's duplicate window, 2 minutes by default).
    pub fn generate_msg_id(mut self, on: bool) -> Self {
        self.generate_msg_id = on;
        self
    }

    /// Retries after the first attempt.
    pub fn retries(&self) -> u32 {
        self.attempts
    }

    /// Attempts in all, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.attempts.saturating_add(1)
    }

    /// The wait before each retry.
    pub fn retry_wait(&self) -> Duration {
        self.wait
    }

    /// Whether messages without an id get one.
    pub fn generates_msg_id(&self) -> bool {
        self.generate_msg_id
    }
}

/// Why one attempt to publish into a stream failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptFailure {
    /// A `503` no-responders status: no stream received the message (none captures the
    /// subject, or its stream has no leader right now).
    NoResponders,
    /// No acknowledgement in time; the message may be stored.
    TimedOut,
    /// The connection was lost before the acknowledgement; the message may be stored.
    ConnectionLost,
    /// Error 10158: an earlier attempt with the same `Nats-Msg-Id` is still being
    /// stored (replicated streams); asking again later gets its acknowledgement.
    DuplicateInProcess,
}

impl AttemptFailure {
    /// Whether sending the message again could store it twice (unless it has an id).
    pub fn may_be_stored(self) -> bool {
        !matches!(self, AttemptFailure::NoResponders)
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Send the message again at this time.
    At(Instant),
    /// Report the failure.
    GiveUp,
}

/// The retries of one publish: counts the attempts and decides after each failure
/// whether and when to send again.
#[derive(Debug, Clone)]
pub struct PublishRetry {
    policy: RetryPolicy,
    has_msg_id: bool,
    attempts: u32,
}

impl PublishRetry {
    /// The retries of one message, whose first attempt is about to be sent; `has_msg_id`
    /// says whether it carries a `Nats-Msg-Id`.
    pub fn new(policy: RetryPolicy, has_msg_id: bool) -> Self {
        PublishRetry {
            policy,
            has_msg_id,
            attempts: 1,
        }
    }

    /// Call when an attempt failed, at `now`: says when to send the message again, or to
    /// give up (retries used up, or a failure that could store the message twice because
    /// it has no id).
    pub fn on_failure(&mut self, failure: AttemptFailure, now: Instant) -> Retry {
        if failure.may_be_stored() && !self.has_msg_id {
            return Retry::GiveUp;
        }
        if self.attempts >= self.policy.max_attempts() {
            return Retry::GiveUp;
        }
        self.attempts += 1;
        Retry::At(deadline(now, self.policy.wait))
    }

    /// Attempts made so far (the first included), counting one that is about to be sent.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The policy in force.
    pub fn policy(&self) -> RetryPolicy {
        self.policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// Drives one publish whose attempts fail with `failures` in turn on a virtual clock
    /// that jumps to each retry time; returns the times of the attempts and the outcome.
    fn drive(retry: &mut PublishRetry, failures: &[AttemptFailure]) -> (Vec<Duration>, bool) {
        let start = Instant::now();
        let mut now = start;
        let mut sent = vec![Duration::ZERO];
        for &failure in failures {
            match retry.on_failure(failure, now) {
                Retry::At(at) => {
                    assert!(at >= now, "a retry is never in the past");
                    now = at;
                    sent.push(now - start);
                }
                Retry::GiveUp => return (sent, false),
            }
        }
        (sent, true)
    }

    #[test]
    fn no_responders_is_retried_as_nats_go_does() {
        let mut retry = PublishRetry::new(RetryPolicy::default(), false);
        let (sent, going) = drive(&mut retry, &[AttemptFailure::NoResponders; 3]);
        assert_eq!(sent, vec![Duration::ZERO, 250 * MS, 500 * MS]);
        assert!(!going, "the third 503 is reported");
        assert_eq!(retry.attempts(), 3);
    }

    #[test]
    fn a_success_on_a_retry_needs_no_more_decisions() {
        let mut retry = PublishRetry::new(RetryPolicy::default().attempts(5), false);
        let (sent, going) = drive(&mut retry, &[AttemptFailure::NoResponders; 2]);
        assert!(going);
        assert_eq!(sent.len(), 3);
        assert_eq!(retry.attempts(), 3);
    }

    #[test]
    fn failures_that_may_have_stored_the_message_need_an_id() {
        for failure in [
            AttemptFailure::TimedOut,
            AttemptFailure::ConnectionLost,
            AttemptFailure::DuplicateInProcess,
        ] {
            let mut without = PublishRetry::new(RetryPolicy::default(), false);
            assert!(!drive(&mut without, &[failure]).1, "{failure:?}");
            assert_eq!(without.attempts(), 1);
            let mut with = PublishRetry::new(RetryPolicy::default(), true);
            let (sent, going) = drive(&mut with, &[failure, failure]);
            assert!(going, "{failure:?}");
            assert_eq!(sent, vec![Duration::ZERO, 250 * MS, 500 * MS]);
        }
    }

    #[test]
    fn mixed_failures_share_one_budget() {
        let policy = RetryPolicy::default().attempts(3).wait(100 * MS);
        let mut retry = PublishRetry::new(policy, true);
        let (sent, going) = drive(
            &mut retry,
            &[
                AttemptFailure::NoResponders,
                AttemptFailure::ConnectionLost,
                AttemptFailure::TimedOut,
                AttemptFailure::NoResponders,
            ],
        );
        assert_eq!(sent, vec![Duration::ZERO, 100 * MS, 200 * MS, 300 * MS]);
        assert!(!going);
        assert_eq!(retry.attempts(), policy.max_attempts());
    }

    #[test]
    fn no_retries_and_extreme_values() {
        let mut none = PublishRetry::new(RetryPolicy::none(), true);
        assert_eq!(
            none.on_failure(AttemptFailure::NoResponders, Instant::now()),
            Retry::GiveUp
        );
        let endless = RetryPolicy::default().attempts(u32::MAX);
        assert_eq!(endless.max_attempts(), u32::MAX);
        let mut zero_wait = PublishRetry::new(RetryPolicy::default().wait(Duration::ZERO), false);
        let now = Instant::now();
        assert_eq!(
            zero_wait.on_failure(AttemptFailure::NoResponders, now),
            Retry::At(now)
        );
        // `Duration::MAX` is "never", as every user duration in natbus.
        let mut forever = PublishRetry::new(RetryPolicy::default().wait(Duration::MAX), false);
        assert_eq!(
            forever.on_failure(AttemptFailure::NoResponders, now),
            Retry::At(now + crate::time::NEVER)
        );
    }

    #[test]
    fn builder_reads_back() {
        let p = RetryPolicy::default()
            .attempts(7)
            .wait(3 * MS)
            .generate_msg_id(true);
        assert_eq!(
            (p.retries(), p.retry_wait(), p.generates_msg_id()),
            (7, 3 * MS, true)
        );
        assert_eq!(
            RetryPolicy::default(),
            RetryPolicy::none().attempts(2).wait(250 * MS)
        );
    }
}
