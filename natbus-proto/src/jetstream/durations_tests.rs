//! Extreme user durations in the JetStream machines (issue 13, defect 3): heartbeats,
//! expiries and delays of zero mean "at once", of [`NEVER`] or more "never", JSON
//! nanoseconds saturate at `i64::MAX`, and nothing panics.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::ack::AckKind;
use super::consumer::ConsumerConfig;
use super::ordered::OrderedConsumer;
use super::pull::PullRequest;
use super::pull_tracker::{ConsumeOptions, PullTracker};
use super::push::HeartbeatMonitor;
use super::stream::StreamConfig;
use crate::time::{NEVER, any_duration, saturating_nanos};

/// The nanoseconds a JSON body holds under `key`.
fn json_nanos(body: &[u8], key: &str) -> Option<i64> {
    let value: serde_json::Value = serde_json::from_slice(body).expect("valid JSON");
    value.get(key)?.as_i64()
}

#[test]
fn a_heartbeat_of_max_is_never_missed_and_zero_at_once() {
    let t0 = Instant::now();
    let mut never = HeartbeatMonitor::new(Duration::MAX, 2);
    never.handle_activity(t0);
    assert_eq!(never.poll_timeout(), Some(t0 + NEVER));
    assert!(!never.handle_timeout(t0 + NEVER / 2));
    let mut now = HeartbeatMonitor::new(Duration::ZERO, 2);
    now.handle_activity(t0);
    assert!(now.handle_timeout(t0), "a zero heartbeat is missed at once");
}

#[test]
fn a_pull_request_without_expiry_is_sent_as_the_longest_one() {
    let mut tracker = PullTracker::new(ConsumeOptions::messages(10).expires(Duration::MAX));
    let request = tracker
        .poll_request(Instant::now())
        .expect("a first request");
    let body = request.to_json();
    assert_eq!(json_nanos(&body, "expires"), Some(i64::MAX));
    assert_eq!(
        json_nanos(&body, "idle_heartbeat"),
        Some(30_000_000_000),
        "the heartbeat stays at its 30 s cap"
    );
}

#[test]
fn a_heartbeat_twice_the_expiry_is_refused_even_at_max() {
    let request = PullRequest {
        batch: 1,
        expires: Some(Duration::from_secs(1)),
        idle_heartbeat: Some(Duration::MAX),
        ..PullRequest::default()
    };
    assert!(request.validate().is_err());
}

proptest! {
    /// A continuous pull consumer with any expiry and heartbeat: requests serialize with
    /// saturated nanoseconds, and the heartbeat deadline is at most [`NEVER`] ahead.
    #[test]
    fn pull_tracker_takes_any_duration(
        expires in any_duration(),
        heartbeat in any_duration(),
        jump in any_duration(),
    ) {
        let t0 = Instant::now();
        let mut options = ConsumeOptions::messages(4).expires(expires);
        options.idle_heartbeat = heartbeat;
        let mut tracker = PullTracker::new(options);
        let request = tracker.poll_request(t0).expect("a first request");
        let _ = request.validate();
        let body = request.to_json();
        prop_assert_eq!(json_nanos(&body, "expires"), Some(saturating_nanos(expires)));
        let deadline = tracker.poll_timeout().expect("requests are outstanding");
        prop_assert!(deadline >= t0 && deadline <= t0 + NEVER);
        let missed = tracker.handle_timeout(t0 + jump.min(NEVER * 2));
        prop_assert_eq!(missed, t0 + jump.min(NEVER * 2) >= deadline);
    }

    /// Push and ordered heartbeat monitors with any interval and multiplier.
    #[test]
    fn heartbeat_monitors_take_any_duration(
        interval in any_duration(),
        multiplier in any::<u32>(),
        jump in any_duration(),
    ) {
        let t0 = Instant::now();
        let mut monitor = HeartbeatMonitor::new(interval, multiplier);
        monitor.handle_activity(t0);
        let deadline = monitor.poll_timeout().expect("running");
        prop_assert!(deadline >= t0 && deadline <= t0 + NEVER);
        let at = t0 + jump.min(NEVER * 2);
        prop_assert_eq!(monitor.handle_timeout(at), at >= deadline);

        let mut ordered = OrderedConsumer::new("o", ConsumerConfig::default(), interval);
        ordered.handle_created(t0);
        let deadline = ordered.poll_timeout().expect("running");
        prop_assert!(deadline <= t0 + NEVER);
        let _ = ordered.handle_timeout(at);
        let config = serde_json::to_vec(&ordered.consumer_config(Some("deliver")))
            .expect("a consumer config serializes");
        prop_assert_eq!(json_nanos(&config, "idle_heartbeat"), Some(saturating_nanos(interval)));
    }

    /// Every duration of a consumer and a stream config, and a nak delay, in JSON.
    #[test]
    fn configs_write_any_duration_as_saturated_nanos(d in any_duration()) {
        let consumer = ConsumerConfig {
            ack_wait: Some(d),
            backoff: vec![d, d],
            max_expires: Some(d),
            inactive_threshold: Some(d),
            ..ConsumerConfig::default()
        };
        let json = serde_json::to_vec(&consumer).expect("a consumer config serializes");
        prop_assert_eq!(json_nanos(&json, "ack_wait"), Some(saturating_nanos(d)));
        prop_assert_eq!(json_nanos(&json, "inactive_threshold"), Some(saturating_nanos(d)));

        let mut stream = StreamConfig::new("S").max_age(d);
        stream.duplicate_window = d;
        let json = serde_json::to_vec(&stream).expect("a stream config serializes");
        // Zero is "unset" here, and left out.
        prop_assert_eq!(json_nanos(&json, "max_age").unwrap_or(0), saturating_nanos(d));
        prop_assert_eq!(json_nanos(&json, "duplicate_window").unwrap_or(0), saturating_nanos(d));

        let nak = AckKind::Nak(Some(d)).body();
        let expected = format!("-NAK {{\"delay\": {}}}", saturating_nanos(d));
        prop_assert_eq!(nak, expected.into_bytes());
    }
}
