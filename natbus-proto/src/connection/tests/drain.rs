//! Ending a connection: drain delivers what is in flight before closing; close fails
//! the waiters and hands out the queued bytes once.

use super::*;

#[test]
fn drain_unsubscribes_delivers_in_flight_then_closes() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    let sid = s.conn.subscribe("a", None).expect("valid");
    s.written();
    s.events();
    s.conn.drain(s.now);
    assert_eq!(s.written(), format!("UNSUB {sid}\r\nPING\r\n"));
    assert!(matches!(
        s.conn.subscribe("b", None),
        Err(CommandError::Draining)
    ));
    // Sent by the server before it saw the UNSUB: still delivered.
    s.read(&format!("MSG a {sid} 1\r\nx\r\nPONG\r\n"));
    let events = s.events();
    assert!(matches!(events[0], Event::Message { .. }));
    assert_eq!(
        events[1],
        Event::SubscriptionEnded {
            sid,
            reason: SubscriptionEnd::Drained
        }
    );
    assert!(matches!(
        s.conn.publish("a", None, None, Bytes::new()),
        Err(CommandError::Draining)
    ));
    assert_eq!(s.written(), "PING\r\n");
    s.read("PONG\r\n");
    assert_eq!(
        s.events().last(),
        Some(&Event::Closed {
            reason: CloseReason::Drained,
            loss: PublishLoss::default(),
        })
    );
    assert!(s.conn.is_closed());
}

#[test]
fn close_hands_out_queued_bytes_once_and_fails_waiters() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    s.conn
        .publish("last", None, None, Bytes::from_static(b"1"))
        .expect("valid");
    let flush = s.conn.flush().expect("open");
    s.conn.close(s.now);
    assert_eq!(s.actions(), vec![Action::Close { flush: true }]);
    assert_eq!(s.written(), "PUB last 1\r\n1\r\nPING\r\n");
    let events = s.events();
    assert!(events.contains(&Event::Flushed {
        id: flush,
        result: Err(FlushError::Closed)
    }));
    assert_eq!(
        s.conn.publish("x", None, None, Bytes::new()),
        Err(CommandError::Closed)
    );
}
