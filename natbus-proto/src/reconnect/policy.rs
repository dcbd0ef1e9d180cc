//! The user-facing knobs of reconnection, and the backoff they imply.

use std::time::Duration;

/// How a client reconnects after losing its connection, and how it waits between attempts.
///
/// The defaults back off faster than nats.go's flat 2 s (50 ms doubling up to 2 s) so a
/// client recovers quickly from a brief outage yet does not hammer a server that is down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Reconnect after a live connection is lost. When false, the first connect still tries
    /// every server once, but a lost connection is final. Default `true`.
    pub enabled: bool,
    /// Failed attempts after which a server is dropped from the pool (explicit servers too,
    /// as nats.go does); `None` = never dropped. `Some(0)` behaves like `Some(1)`: each
    /// server is tried once. Default `Some(60)`.
    pub max_reconnects_per_server: Option<u32>,
    /// Wait after the first full pass over the pool failed. Default 50 ms.
    pub initial_delay: Duration,
    /// Cap of the exponential backoff (jitter comes on top). Default 2 s.
    pub max_delay: Duration,
    /// Upper bound (exclusive) of the uniform random delay added to every wait. Default 100 ms.
    pub jitter: Duration,
    /// Shuffle the configured servers once, so that clients spread over a cluster.
    /// Default `true`.
    pub randomize: bool,
    /// Ignore the servers a server advertises in INFO `connect_urls`. Default `false`.
    pub ignore_discovered: bool,
    /// How long a connection must live after its handshake to count as a success. One lost
    /// sooner (the server, or a proxy, accepts the handshake and then fails the connection
    /// at once) counts as a failed attempt: against `max_reconnects_per_server`, and as a
    /// failed pass for the backoff, so such a server is retried with growing waits rather
    /// than in a busy loop. Only a connection that lived this long resets the backoff and
    /// its server's failure count. Default 5 s.
    pub stable_after: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            max_reconnects_per_server: Some(60),
            initial_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(2),
            jitter: Duration::from_millis(100),
            randomize: true,
            ignore_discovered: false,
            stable_after: Duration::from_secs(5),
        }
    }
}

impl ReconnectPolicy {
    /// The wait, before jitter, after `failed_passes` full passes over the pool failed in a
    /// row: zero for none, then `min(initial_delay * 2^(failed_passes - 1), max_delay)`.
    ///
    /// Never decreases as `failed_passes` grows, and never exceeds `max_delay`.
    pub fn backoff(&self, failed_passes: u32) -> Duration {
        if failed_passes == 0 {
            return Duration::ZERO;
        }
        // 2^31 already exceeds any sensible cap; the exponent is clamped so the shift cannot
        // overflow, and the multiplication saturates instead of panicking.
        let factor = 1u32 << (failed_passes - 1).min(31);
        self.initial_delay
            .saturating_mul(factor)
            .min(self.max_delay)
    }

    /// The limit of failed attempts per server, with `Some(0)` read as `Some(1)`.
    pub(crate) fn attempt_limit(&self) -> Option<u32> {
        self.max_reconnects_per_server.map(|max| max.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn defaults_match_the_documentation() {
        let p = ReconnectPolicy::default();
        assert!(p.enabled);
        assert_eq!(p.max_reconnects_per_server, Some(60));
        assert_eq!(p.initial_delay, ms(50));
        assert_eq!(p.max_delay, ms(2000));
        assert_eq!(p.jitter, ms(100));
        assert!(p.randomize);
        assert!(!p.ignore_discovered);
        assert_eq!(p.stable_after, ms(5000));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = ReconnectPolicy::default();
        let got: Vec<Duration> = (0..9).map(|n| p.backoff(n)).collect();
        let want = [0, 50, 100, 200, 400, 800, 1600, 2000, 2000].map(ms);
        assert_eq!(got, want);
        assert_eq!(p.backoff(u32::MAX), ms(2000));
    }

    #[test]
    fn backoff_saturates_with_huge_values() {
        let p = ReconnectPolicy {
            initial_delay: Duration::MAX,
            max_delay: Duration::MAX,
            ..ReconnectPolicy::default()
        };
        assert_eq!(p.backoff(40), Duration::MAX);
    }

    #[test]
    fn zero_limit_means_one_attempt() {
        let mut p = ReconnectPolicy {
            max_reconnects_per_server: Some(0),
            ..ReconnectPolicy::default()
        };
        assert_eq!(p.attempt_limit(), Some(1));
        p.max_reconnects_per_server = None;
        assert_eq!(p.attempt_limit(), None);
    }

    mod proptests {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn backoff_is_monotonic_and_capped(
                initial in 0u64..10_000_000_000,
                max in 0u64..100_000_000_000,
                passes in 0u32..80,
            ) {
                let p = ReconnectPolicy {
                    initial_delay: Duration::from_nanos(initial),
                    max_delay: Duration::from_nanos(max),
                    ..ReconnectPolicy::default()
                };
                prop_assert!(p.backoff(passes) <= p.backoff(passes + 1));
                prop_assert!(p.backoff(passes) <= p.max_delay);
            }
        }
    }
}
