//! Publishing and subscribing: the protocol written, routing by sid, input refused
//! before it is sent, auto-unsubscribe and per-subscription permission errors.

use super::*;

#[test]
fn publish_and_subscribe_write_the_protocol_and_route_by_sid() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    let sid = s
        .conn
        .subscribe("orders.*", Some("workers"))
        .expect("valid");
    s.conn
        .publish("orders.new", None, None, Bytes::from_static(b"hello"))
        .expect("valid");
    let mut h = HeaderMap::new();
    h.insert("Trace-Id", "abc");
    s.conn
        .publish(
            "orders.new",
            Some("reply.1"),
            Some(&h),
            Bytes::from_static(b"hi"),
        )
        .expect("valid");
    assert_eq!(
        s.written(),
        format!(
            "SUB orders.* workers {sid}\r\nPUB orders.new 5\r\nhello\r\nHPUB orders.new reply.1 27 29\r\nNATS/1.0\r\nTrace-Id: abc\r\n\r\nhi\r\n"
        )
    );
    s.events();
    s.read(&format!("MSG orders.new {sid} 5\r\nhello\r\nHMSG orders.x {sid} r 27 29\r\nNATS/1.0\r\nTrace-Id: abc\r\n\r\nhi\r\n"));
    let events = s.events();
    let [
        Event::Message {
            sid: a,
            message: m1,
        },
        Event::Message {
            sid: b,
            message: m2,
        },
    ] = events.as_slice()
    else {
        panic!("two messages expected, got {events:?}");
    };
    assert_eq!((*a, *b), (sid, sid));
    assert_eq!(m1.subject.as_str(), "orders.new");
    assert_eq!(&m1.payload[..], b"hello");
    assert_eq!(m2.reply.as_ref().map(|r| r.as_str()), Some("r"));
    assert_eq!(
        m2.headers.as_ref().and_then(|h| h.get("Trace-Id")),
        Some("abc")
    );
    assert_eq!(s.conn.statistics().in_msgs, 2);
}

#[test]
fn invalid_input_is_refused_before_anything_is_sent() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    assert!(matches!(
        s.conn.publish("a..b", None, None, Bytes::new()),
        Err(CommandError::InvalidSubject(_))
    ));
    assert!(matches!(
        s.conn.publish("a.*", None, None, Bytes::new()),
        Err(CommandError::InvalidSubject(_))
    ));
    assert!(matches!(
        s.conn.subscribe("a.>.b", None),
        Err(CommandError::InvalidSubject(_))
    ));
    assert!(matches!(
        s.conn.subscribe("a", Some("bad queue")),
        Err(CommandError::InvalidSubject(_))
    ));
    let mut bad = HeaderMap::new();
    bad.insert("Bad Name", "v");
    assert!(matches!(
        s.conn.publish("a", None, Some(&bad), Bytes::new()),
        Err(CommandError::InvalidHeaders(_))
    ));
    let big = Bytes::from(vec![0u8; 1025]);
    assert_eq!(
        s.conn.publish("a", None, None, big),
        Err(CommandError::PayloadTooLarge {
            size: 1025,
            max: 1024
        })
    );
    s.conn
        .publish("a", None, None, Bytes::from(vec![0u8; 1024]))
        .expect("exactly max_payload is fine");
    assert!(s.written().starts_with("PUB a 1024\r\n"));
}

#[test]
fn auto_unsubscribe_ends_the_subscription_after_n() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    let sid = s.conn.subscribe("a", None).expect("valid");
    assert!(!s.conn.unsubscribe(sid, Some(2)));
    assert_eq!(s.written(), format!("SUB a {sid}\r\nUNSUB {sid} 2\r\n"));
    s.events();
    s.read(&format!(
        "MSG a {sid} 1\r\n1\r\nMSG a {sid} 1\r\n2\r\nMSG a {sid} 1\r\n3\r\n"
    ));
    let events = s.events();
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(
        events[2],
        Event::SubscriptionEnded {
            sid,
            reason: SubscriptionEnd::MaxReached
        }
    );
    assert_eq!(s.conn.statistics().dropped_unknown_sid, 1);
}

#[test]
fn permission_violation_ends_only_that_subscription() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    let denied = s.conn.subscribe("secret.>", None).expect("valid");
    let fine = s.conn.subscribe("public", None).expect("valid");
    s.events();
    s.read("-ERR 'Permissions Violation for Subscription to \"secret.>\"'\r\n");
    let events = s.events();
    assert!(
        matches!(&events[0], Event::SubscriptionEnded { sid, reason: SubscriptionEnd::PermissionDenied(_) } if *sid == denied)
    );
    assert!(matches!(&events[1], Event::ServerError(_)));
    assert!(
        s.conn.is_connected(),
        "permission errors keep the connection"
    );
    s.read(&format!("MSG public {fine} 0\r\n\r\n"));
    assert_eq!(s.events().len(), 1);
}
