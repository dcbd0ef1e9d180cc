//! What the server sends that the client must not simply trust: the size of a message.

use super::*;
use crate::message::Message;
use crate::wire::DecodeError;

/// An INFO announcing `max_payload` bytes.
fn info_with_max_payload(max_payload: u64) -> String {
    format!(
        "INFO {{\"server_id\":\"S1\",\"proto\":1,\"headers\":true,\"max_payload\":{max_payload}}}\r\n"
    )
}

/// Connects with `info` as the server's INFO.
fn connect_with_info(s: &mut Script, info: &str) {
    s.actions();
    s.conn.handle_connected(s.now);
    s.read(info);
    s.written();
    s.read("PONG\r\n");
    assert!(s.conn.is_connected());
    s.events();
}

#[test]
fn a_huge_max_payload_does_not_raise_the_inbound_ceiling() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    let ceiling = s.conn.config().max_inbound_message;
    assert_eq!(
        ceiling,
        64 * 1024 * 1024,
        "the default is the server's own hard maximum"
    );
    connect_with_info(&mut s, &info_with_max_payload(1 << 40));
    // Only the control line: the size it declares is refused before any body is buffered.
    let size = 1usize << 40;
    s.read(&format!("MSG big 1 {size}\r\n"));
    let events = s.events();
    let want = DisconnectReason::Protocol(DecodeError::PayloadTooLarge { size, max: ceiling });
    assert!(
        events.contains(&Event::Disconnected {
            reason: want.clone(),
            loss: PublishLoss::default(),
        }),
        "{events:?}"
    );
    let text = want.to_string();
    assert!(
        text.contains(&size.to_string()) && text.contains(&ceiling.to_string()),
        "the reason names the size and the limit: {text}"
    );
    assert!(s.actions().contains(&Action::Close { flush: false }));
}

#[test]
fn the_inbound_ceiling_is_configurable() {
    let mut c = config(&["127.0.0.1"]);
    c.max_inbound_message = 100;
    let mut s = Script::new(c);
    connect_with_info(&mut s, &info_with_max_payload(1024 * 1024));
    s.read("MSG fits 1 100\r\n");
    s.read(&format!("{}\r\n", "x".repeat(100)));
    let events = s.events();
    assert!(
        events
            .iter()
            .all(|e| !matches!(e, Event::Disconnected { .. })),
        "a message of exactly the ceiling is fine: {events:?}"
    );
    s.read("MSG big 1 101\r\n");
    let events = s.events();
    assert!(
        events.contains(&Event::Disconnected {
            reason: DisconnectReason::Protocol(DecodeError::PayloadTooLarge {
                size: 101,
                max: 100
            }),
            loss: PublishLoss::default(),
        }),
        "{events:?}"
    );
}

/// What another client published badly is that message's problem, not the connection's.
#[test]
fn malformed_headers_and_subjects_do_not_drop_the_connection() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    let sid = s.conn.subscribe(">", None).expect("valid");
    s.written();
    s.events();
    s.read(&format!(
        "HMSG a {sid} 20 22\r\nNATS/1.0\r\nA: x\ry\r\n\r\nhi\r\nMSG ok {sid} 2\r\nok\r\n"
    ));
    // A subject that is not UTF-8, split over two reads: dropped, counted and reported.
    s.conn.handle_read(b"MSG \xff.x ", s.now);
    s.conn.handle_read(
        format!("{sid} 1\r\nx\r\nMSG after {sid} 1\r\n!\r\n").as_bytes(),
        s.now,
    );
    let events = s.events();
    let messages: Vec<&Message> = events
        .iter()
        .filter_map(|e| match e {
            Event::Message { message, .. } => Some(message),
            _ => None,
        })
        .collect();
    assert_eq!(messages.len(), 3, "{events:?}");
    assert!(messages[0].has_malformed_headers());
    assert_eq!(&messages[1].payload[..], b"ok");
    assert_eq!(&messages[2].payload[..], b"!");
    assert!(
        events.contains(&Event::MessageDropped {
            sid,
            error: crate::subject::SubjectError::InvalidUtf8
        }),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Disconnected { .. })),
        "{events:?}"
    );
    assert!(s.conn.is_connected());
    let stats = s.conn.statistics();
    assert_eq!(stats.in_malformed_headers, 1);
    assert_eq!(stats.dropped_undeliverable, 1);
}
