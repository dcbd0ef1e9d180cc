//! The publish loss report: what a lost or closed connection may have taken with it.

use super::*;

fn publish(s: &mut Script, payload: &'static str) {
    s.conn
        .publish("p", None, None, Bytes::from_static(payload.as_bytes()))
        .expect("valid publish");
}

/// The loss of the last `Disconnected` or `Closed` event.
fn reported(events: &[Event]) -> PublishLoss {
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Disconnected { loss, .. } | Event::Closed { loss, .. } => Some(*loss),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no loss reported in {events:?}"))
}

fn unconfirmed(messages: u64, bytes: u64) -> PublishLoss {
    PublishLoss {
        unconfirmed: PublishCount::new(messages, bytes),
        ..PublishLoss::default()
    }
}

#[test]
fn publishes_after_the_last_answered_ping_are_reported_when_the_connection_dies() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    publish(&mut s, "ab");
    s.conn.flush().expect("open");
    publish(&mut s, "cde");
    assert_eq!(s.written(), "PUB p 2\r\nab\r\nPING\r\nPUB p 3\r\ncde\r\n");
    s.read("PONG\r\n");
    publish(&mut s, "f");
    s.written();
    s.conn.handle_disconnected(s.now, "reset");
    let events = s.events();
    assert_eq!(
        reported(&events),
        unconfirmed(2, 4),
        "the two after the PING; the first was confirmed by its PONG"
    );
    assert_eq!(s.conn.statistics().publish_loss, unconfirmed(2, 4));
}

#[test]
fn queued_publishes_wait_for_the_next_connection_and_are_reported_only_there() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    publish(&mut s, "taken");
    s.written();
    publish(&mut s, "queued");
    s.conn.handle_disconnected(s.now, "reset");
    assert_eq!(reported(&s.events()), unconfirmed(1, 5));
    let after = s.handshake();
    assert_eq!(after, "PUB p 6\r\nqueued\r\n", "the queued one leaves now");
    s.conn.handle_disconnected(s.now, "reset again");
    assert_eq!(reported(&s.events()), unconfirmed(1, 6));
    assert_eq!(s.conn.statistics().publish_loss, unconfirmed(2, 11));
}

#[test]
fn a_keepalive_pong_confirms_too() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    publish(&mut s, "x");
    s.written();
    s.advance(Duration::from_secs(10));
    assert_eq!(s.written(), "PING\r\n");
    s.read("PONG\r\n");
    s.conn.handle_disconnected(s.now, "reset");
    assert!(reported(&s.events()).is_none());
}

#[test]
fn closing_without_a_connection_discards_the_reconnect_buffer_and_says_so() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    s.conn.handle_disconnected(s.now, "reset");
    publish(&mut s, "one");
    publish(&mut s, "two");
    s.events();
    s.conn.close(s.now);
    let loss = reported(&s.events());
    assert_eq!(loss.discarded, PublishCount::new(2, 6));
    assert!(loss.unconfirmed.is_zero());
    assert_eq!(s.written(), "", "nothing is written after all");
    assert_eq!(s.conn.statistics().publish_loss, loss);
}

#[test]
fn a_close_writes_best_effort_and_reports_what_it_could_not_confirm() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    publish(&mut s, "on the wire");
    s.written();
    publish(&mut s, "queued");
    s.conn.close(s.now);
    assert_eq!(reported(&s.events()), unconfirmed(2, 17));
    assert_eq!(s.written(), "PUB p 6\r\nqueued\r\n");
}

#[test]
fn a_drain_confirms_everything_before_it_closes() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    publish(&mut s, "x");
    s.written();
    publish(&mut s, "y");
    s.conn.drain(s.now);
    assert_eq!(s.written(), "PUB p 1\r\ny\r\nPING\r\n");
    s.read("PONG\r\n");
    assert_eq!(s.written(), "PING\r\n");
    s.read("PONG\r\n");
    let events = s.events();
    assert!(
        matches!(events.last(), Some(Event::Closed { .. })),
        "{events:?}"
    );
    assert!(reported(&events).is_none(), "{events:?}");
}
