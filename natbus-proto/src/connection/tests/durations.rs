//! Extreme user durations (issue 13, defect 3): a timeout, interval or delay of zero means
//! "at once", one of [`NEVER`](crate::time::NEVER) or more (`Duration::MAX`, `u64::MAX`
//! seconds) means "never", and none of them panics.

use super::*;
use crate::time::{NEVER, any_duration};

/// Far enough that anything due at all is due, yet short of "never".
const HALF_NEVER: Duration = Duration::from_secs(50 * 365 * 24 * 3600);

fn with_durations(ping: Duration, connect: Duration, reconnect: Duration) -> ConnectionConfig {
    ConnectionConfig {
        ping_interval: ping,
        connect_timeout: connect,
        reconnect: ReconnectPolicy {
            randomize: false,
            initial_delay: reconnect,
            max_delay: reconnect,
            jitter: reconnect,
            stable_after: reconnect,
            ..ReconnectPolicy::default()
        },
        ..config(&["127.0.0.1"])
    }
}

#[test]
fn a_request_without_timeout_never_times_out_and_a_zero_one_at_once() {
    let mut s = Script::new(with_durations(Duration::ZERO, NEVER, Duration::ZERO));
    s.handshake();
    s.events();
    let never = s
        .conn
        .request("svc", None, Bytes::new(), Duration::MAX, s.now)
        .expect("valid");
    let now = s
        .conn
        .request("svc", None, Bytes::new(), Duration::ZERO, s.now)
        .expect("valid");
    s.advance(Duration::ZERO);
    assert_eq!(
        s.events(),
        vec![Event::Reply {
            id: now,
            result: Err(RequestError::TimedOut)
        }]
    );
    s.advance(HALF_NEVER);
    assert!(s.events().is_empty(), "the request without timeout waits");
    assert_eq!(s.conn.poll_timeout(), Some(s.now - HALF_NEVER + NEVER));
    s.advance(HALF_NEVER);
    assert_eq!(
        s.events(),
        vec![Event::Reply {
            id: never,
            result: Err(RequestError::TimedOut)
        }],
        "'never' is 100 years"
    );
}

#[test]
fn a_connect_timeout_of_max_never_fires_and_zero_fails_the_dial_at_once() {
    let mut s = Script::new(with_durations(
        Duration::ZERO,
        Duration::MAX,
        Duration::ZERO,
    ));
    assert!(matches!(s.actions().as_slice(), [Action::Dial { .. }]));
    s.advance(HALF_NEVER);
    assert!(s.actions().is_empty(), "still dialing: {:?}", s.events());

    let mut s = Script::new(with_durations(
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    ));
    assert!(matches!(s.actions().as_slice(), [Action::Dial { .. }]));
    s.advance(Duration::ZERO);
    assert!(
        s.actions().contains(&Action::Close { flush: false }),
        "the dial timed out at once"
    );
}

#[test]
fn a_ping_interval_of_max_never_pings() {
    let mut s = Script::new(with_durations(Duration::MAX, NEVER, Duration::ZERO));
    s.handshake();
    s.advance(HALF_NEVER);
    assert_eq!(s.written(), "", "no PING in 50 years");
    assert!(s.conn.is_connected());
}

#[test]
fn a_reconnect_delay_of_max_waits_forever() {
    let mut s = Script::new(ConnectionConfig {
        retry_on_initial_connect: true,
        ..with_durations(Duration::ZERO, NEVER, Duration::MAX)
    });
    s.actions();
    s.conn.handle_dial_failed(s.now, "refused");
    let at = s.conn.poll_timeout().expect("the next dial is scheduled");
    assert!(at >= s.now + HALF_NEVER, "scheduled 'never'");
    s.advance(HALF_NEVER);
    assert!(!s.actions().iter().any(|a| matches!(a, Action::Dial { .. })));
}

mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Every duration option at any value, through a connect, requests, a lost
        /// connection and time jumps of up to 200 years: nothing panics, and the next
        /// deadline never lies more than [`NEVER`] after the moment it was set.
        #[test]
        fn no_duration_panics(
            ping in any_duration(),
            connect in any_duration(),
            reconnect in any_duration(),
            timeout in any_duration(),
            jumps in proptest::collection::vec(any_duration(), 1..6),
        ) {
            let mut s = Script::new(with_durations(ping, connect, reconnect));
            let started = s.now;
            prop_assert!(s.conn.poll_timeout().is_some_and(|t| t <= started + NEVER));
            s.actions();
            s.conn.handle_connected(s.now);
            s.read(INFO);
            s.read("PONG\r\n");
            let _ = s.conn.request("svc", None, Bytes::new(), timeout, s.now);
            let _ = s.conn.flush();
            for jump in jumps {
                let before = s.now;
                s.now += jump.min(NEVER * 2);
                s.conn.handle_timeout(s.now);
                if let Some(t) = s.conn.poll_timeout() {
                    prop_assert!(t <= s.now.max(before) + NEVER);
                }
                s.events();
                if s.actions().contains(&Action::Close { flush: false }) && !s.conn.is_closed() {
                    s.conn.handle_disconnected(s.now, "closed");
                }
            }
        }
    }
}
