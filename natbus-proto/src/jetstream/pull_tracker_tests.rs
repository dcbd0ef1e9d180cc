//! Unit tests of the pull window, on a virtual clock.

use super::*;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn fills_the_window_and_refills_at_threshold() {
    let t0 = Instant::now();
    let mut t = PullTracker::new(ConsumeOptions::messages(10));
    assert!(t.wants_request());
    let r = t.poll_request(t0).expect("an empty window pulls");
    assert!(!t.wants_request());
    assert_eq!(r.batch, 10);
    assert_eq!(r.expires, Some(secs(30)));
    assert_eq!(r.idle_heartbeat, Some(secs(15)));
    assert_eq!(r.max_bytes, None);
    assert_eq!(r.validate(), Ok(()));
    assert_eq!(t.poll_request(t0), None, "window full");
    for _ in 0..4 {
        t.handle_message(t0, 100);
    }
    assert_eq!(t.pending_messages(), 6);
    assert_eq!(
        t.poll_request(t0),
        None,
        "6 pending is above the threshold 5"
    );
    assert!(!t.wants_request());
    t.handle_message(t0, 100);
    assert!(t.wants_request());
    let r = t.poll_request(t0).expect("at the threshold it refills");
    assert_eq!(r.batch, 5);
    assert_eq!(t.pending_messages(), 10);
}

#[test]
fn request_timeout_releases_its_pending_counts() {
    let t0 = Instant::now();
    let mut t = PullTracker::new(ConsumeOptions::messages(10));
    t.poll_request(t0);
    t.handle_message(t0, 1);
    let s = t.handle_status(t0, 408, "Request Timeout", Some(9), Some(0));
    assert_eq!(s, PullStatus::RequestTimeout);
    assert_eq!(t.pending_messages(), 0);
    assert_eq!(t.poll_request(t0).map(|r| r.batch), Some(10));
}

#[test]
fn byte_windows() {
    let t0 = Instant::now();
    let mut t = PullTracker::new(ConsumeOptions::bytes(1000));
    let r = t.poll_request(t0).expect("pulls");
    assert_eq!((r.batch, r.max_bytes), (1_000_000, Some(1000)));
    t.handle_message(t0, 400);
    assert_eq!(t.poll_request(t0), None, "600 bytes pending is above 500");
    t.handle_message(t0, 100);
    let r = t.poll_request(t0).expect("refills at 500 bytes");
    assert_eq!(r.max_bytes, Some(500));
    assert_eq!(r.batch, 2, "two messages were delivered");
    t.handle_status(t0, 409, "Batch Completed", Some(0), Some(940));
    assert_eq!(t.pending_bytes(), 60);
}

#[test]
fn heartbeats_with_a_virtual_clock() {
    let t0 = Instant::now();
    let mut t = PullTracker::new(ConsumeOptions::messages(10).expires(secs(10)));
    assert_eq!(t.poll_timeout(), None, "nothing requested yet");
    t.poll_request(t0);
    assert_eq!(t.poll_timeout(), Some(t0 + secs(10)), "2 × 5 s heartbeat");
    assert!(!t.handle_timeout(t0 + secs(9)));
    t.handle_status(t0 + secs(9), 100, "Idle Heartbeat", None, None);
    assert_eq!(t.poll_timeout(), Some(t0 + secs(19)));
    t.handle_message(t0 + secs(12), 5);
    assert_eq!(t.poll_timeout(), Some(t0 + secs(22)));
    assert!(!t.handle_timeout(t0 + secs(21)));
    assert!(t.handle_timeout(t0 + secs(22)), "missed two heartbeats");
    assert_eq!(t.pending_messages(), 0);
    assert!(!t.handle_timeout(t0 + secs(23)), "fires once");
    let r = t
        .poll_request(t0 + secs(23))
        .expect("re-pulls after a miss");
    assert_eq!(r.batch, 10);
    assert_eq!(t.poll_timeout(), Some(t0 + secs(33)));
}

#[test]
fn disconnect_pauses_and_reconnect_restarts() {
    let t0 = Instant::now();
    let mut t = PullTracker::new(ConsumeOptions::messages(4));
    t.poll_request(t0);
    t.handle_disconnected();
    assert_eq!(t.poll_timeout(), None);
    assert!(!t.handle_timeout(t0 + secs(3600)));
    assert_eq!(t.poll_request(t0 + secs(1)), None);
    t.handle_reconnected(t0 + secs(2));
    assert_eq!(t.poll_request(t0 + secs(2)).map(|r| r.batch), Some(4));
}

#[test]
fn leadership_change_resets_and_terminal_stops() {
    let t0 = Instant::now();
    let mut t = PullTracker::new(ConsumeOptions::messages(4));
    t.poll_request(t0);
    t.handle_status(t0, 409, "Leadership Change", None, None);
    assert_eq!(t.pending_messages(), 0);
    t.poll_request(t0);
    let warn = t.handle_status(t0, 409, "Exceeded MaxRequestBatch of 2", None, None);
    assert!(matches!(warn.action(), PullAction::Warning(_)));
    assert_eq!(
        t.pending_messages(),
        4,
        "a warning without pending headers keeps counts"
    );
    let s = t.handle_status(t0, 409, "Consumer Deleted", None, None);
    assert_eq!(s, PullStatus::ConsumerDeleted);
    assert_eq!(t.terminated(), Some(&TerminalReason::ConsumerDeleted));
    assert_eq!(t.poll_request(t0), None);
    assert_eq!(t.poll_timeout(), None);
}

#[test]
fn a_window_of_one_still_pulls() {
    let t0 = Instant::now();
    let mut t = PullTracker::new(ConsumeOptions::messages(1));
    assert_eq!(t.poll_request(t0).map(|r| r.batch), Some(1));
    assert_eq!(t.poll_request(t0), None);
    t.handle_message(t0, 1);
    assert_eq!(t.poll_request(t0).map(|r| r.batch), Some(1));
}

#[test]
fn every_request_names_the_group_and_carries_the_pin() {
    let t0 = Instant::now();
    let opts = ConsumeOptions::messages(4).group(PullGroup::new("jobs").min_pending(10));
    let mut t = PullTracker::new(opts);
    let r = t.poll_request(t0).expect("pulls");
    assert_eq!(
        (r.group.as_deref(), r.min_pending, r.id.as_deref()),
        (Some("jobs"), Some(10), None)
    );
    for _ in 0..2 {
        t.handle_message(t0, 1);
    }
    assert_eq!(t.handle_pin_id(Some("P1")), PinChange::Pinned);
    assert_eq!(t.handle_pin_id(Some("P1")), PinChange::Unchanged);
    let r = t.poll_request(t0).expect("refills at 2");
    assert_eq!((r.batch, r.id.as_deref()), (2, Some("P1")));
    assert_eq!(t.pin().id(), Some("P1"));
}

#[test]
fn a_423_for_a_waiting_request_releases_it_and_forgets_the_pin() {
    let t0 = Instant::now();
    let mut t = PullTracker::new(ConsumeOptions::messages(10).group(PullGroup::new("g")));
    t.poll_request(t0);
    t.handle_message(t0, 1);
    t.handle_pin_id(Some("OLD"));
    // Nats-Wrong-Pin-Id names the unfilled remainder of the request it ends.
    let s = t.handle_status(t0, 423, "Nats-Wrong-Pin-Id", Some(9), Some(0));
    assert_eq!(s, PullStatus::PinIdMismatch);
    assert_eq!(s.action(), PullAction::Refill);
    assert_eq!(t.pin().id(), None);
    assert_eq!(t.pending_messages(), 0);
    let r = t.poll_request(t0).expect("re-pulls as a stand-by");
    assert_eq!(
        (r.batch, r.id.as_deref(), r.group.as_deref()),
        (10, None, Some("g"))
    );
}

#[test]
fn a_423_for_a_request_just_sent_resets_the_window() {
    let t0 = Instant::now();
    let mut t = PullTracker::new(ConsumeOptions::messages(10).group(PullGroup::new("g")));
    let mut pin = Pin::default();
    pin.on_message(Some("STALE"));
    t.set_pin(pin);
    let r = t.poll_request(t0).expect("pulls");
    assert_eq!(
        r.id.as_deref(),
        Some("STALE"),
        "a pin from earlier fetches is used"
    );
    for _ in 0..5 {
        t.handle_message(t0, 1);
    }
    t.poll_request(t0).expect("refills to 10");
    // "Nats-Pin-Id mismatch" answers one of the two requests, without pending headers.
    t.handle_status(t0, 423, "Nats-Pin-Id mismatch", None, None);
    assert_eq!(t.pin().id(), None);
    assert_eq!(t.pending_messages(), 0);
    assert_eq!(t.poll_request(t0).and_then(|r| r.id), None);
    // The other stale request ends later with its own 423: nothing goes negative.
    t.handle_status(t0, 423, "Nats-Wrong-Pin-Id", Some(5), Some(0));
    assert_eq!(t.pending_messages(), 5);
}

#[test]
fn without_a_group_requests_have_no_priority_fields() {
    let t0 = Instant::now();
    let mut t = PullTracker::new(ConsumeOptions::messages(3));
    t.handle_pin_id(Some("IGNORED-IN-REQUESTS"));
    assert_eq!(
        t.poll_request(t0).map(|r| r.to_json()),
        Some(br#"{"batch":3,"expires":30000000000,"idle_heartbeat":15000000000}"#.to_vec())
    );
}
