//! Losing a server and carrying on: stale connections, resubscribing, the bounded
//! reconnect buffer, and lame duck mode.

use super::*;

#[test]
fn answers_server_pings_and_keeps_alive_until_stale() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    s.read("PING\r\n");
    assert_eq!(s.written(), "PONG\r\n");
    // Idle: the next deadline is the keep-alive, in the future; no busy loop.
    let deadline = s.conn.poll_timeout().expect("keep-alive armed");
    assert!(deadline > s.now);
    s.conn.handle_timeout(s.now);
    assert_eq!(s.written(), "");
    s.advance(Duration::from_secs(10));
    assert_eq!(s.written(), "PING\r\n");
    s.read("PONG\r\n");
    s.advance(Duration::from_secs(10));
    s.advance(Duration::from_secs(10));
    assert_eq!(s.written(), "PING\r\nPING\r\n");
    s.events();
    s.advance(Duration::from_secs(10));
    let events = s.events();
    assert!(
        events.contains(&Event::Disconnected {
            reason: DisconnectReason::Stale,
            loss: PublishLoss::default(),
        }),
        "{events:?}"
    );
    let actions = s.actions();
    assert_eq!(actions[0], Action::Close { flush: false });
    assert!(
        matches!(actions[1], Action::Dial { .. }),
        "reconnects at once: {actions:?}"
    );
}

#[test]
fn reconnect_resubscribes_then_sends_what_was_buffered() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    let keep = s.conn.subscribe("keep", None).expect("valid");
    let limited = s.conn.subscribe("limited", None).expect("valid");
    s.conn.unsubscribe(limited, Some(3));
    s.written();
    s.read(&format!("MSG limited {limited} 1\r\nx\r\n"));
    let t = Duration::from_secs(5);
    let pending = s
        .conn
        .request("svc", None, Bytes::new(), t, s.now)
        .expect("valid");
    s.written();
    let flush = s.conn.flush().expect("open");
    s.written();
    s.events();
    s.conn.handle_disconnected(s.now, "connection reset");
    let events = s.events();
    assert!(
        events.contains(&Event::Flushed {
            id: flush,
            result: Err(FlushError::Disconnected)
        }),
        "{events:?}"
    );
    assert!(events.contains(&Event::Reply {
        id: pending,
        result: Err(RequestError::Disconnected)
    }));
    // Published while disconnected: buffered, not written yet.
    s.conn
        .publish("while.down", None, None, Bytes::from_static(b"buffered"))
        .expect("fits the buffer");
    assert_eq!(s.written(), "");
    let after = s.handshake();
    let inbox_sid = 3;
    assert_eq!(
        after,
        format!(
            "SUB keep {keep}\r\nSUB limited {limited}\r\nUNSUB {limited} 2\r\nSUB {} {inbox_sid}\r\nPUB while.down 8\r\nbuffered\r\n",
            s.conn.requests.wildcard()
        )
    );
    let events = s.events();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Connected {
            reconnected: true,
            ..
        }
    )));
    assert_eq!(s.conn.statistics().reconnects, 1);
}

#[test]
fn reconnect_buffer_is_bounded() {
    let mut c = config(&["127.0.0.1"]);
    c.reconnect_buffer_limit = 100;
    let mut s = Script::new(c);
    s.handshake();
    s.conn.handle_disconnected(s.now, "reset");
    s.conn
        .publish("a", None, None, Bytes::from(vec![1u8; 60]))
        .expect("first fits");
    assert_eq!(
        s.conn.publish("a", None, None, Bytes::from(vec![1u8; 60])),
        Err(CommandError::BufferFull { limit: 100 })
    );
}

#[test]
fn lame_duck_moves_to_another_server_and_discovery_is_reported() {
    let mut s = Script::new(config(&["127.0.0.1:4222"]));
    s.handshake();
    s.events();
    s.read("INFO {\"server_id\":\"S1\",\"proto\":1,\"headers\":true,\"max_payload\":1024,\"connect_urls\":[\"127.0.0.1:4222\",\"127.0.0.1:4223\"]}\r\n");
    assert!(s.events().contains(&Event::ServersDiscovered));
    s.conn
        .publish("keep.me", None, None, Bytes::from_static(b"1"))
        .expect("valid");
    s.read("INFO {\"server_id\":\"S1\",\"proto\":1,\"headers\":true,\"max_payload\":1024,\"ldm\":true,\"connect_urls\":[\"127.0.0.1:4223\"]}\r\n");
    let events = s.events();
    assert!(events.contains(&Event::LameDuck), "{events:?}");
    let actions = s.actions();
    let Some(Action::Dial { server }) = actions.last() else {
        panic!("expected a dial: {actions:?}")
    };
    assert_eq!(server.port, 4223, "moves away from the lame-duck server");
    s.conn.handle_connected(s.now);
    s.read(INFO);
    s.written();
    s.read("PONG\r\n");
    assert_eq!(
        s.written(),
        "PUB keep.me 1\r\n1\r\n",
        "nothing queued is lost"
    );
}

#[test]
fn force_reconnect_moves_on_keeping_subscriptions_and_queued_bytes() {
    let mut s = Script::new(config(&["127.0.0.1:4222", "127.0.0.1:4223"]));
    assert!(
        !s.conn.force_reconnect(s.now),
        "nothing to drop before connecting"
    );
    s.handshake();
    s.events();
    let sid = s.conn.subscribe("kept", None).expect("valid");
    s.written();
    s.conn
        .publish("queued", None, None, Bytes::from_static(b"1"))
        .expect("valid");
    assert!(s.conn.force_reconnect(s.now));
    let events = s.events();
    assert!(
        events.contains(&Event::Disconnected {
            reason: DisconnectReason::Forced,
            loss: PublishLoss::default(),
        }),
        "{events:?}"
    );
    let actions = s.actions();
    assert_eq!(
        actions.first(),
        Some(&Action::Close { flush: false }),
        "{actions:?}"
    );
    let Some(Action::Dial { server }) = actions.last() else {
        panic!("expected a dial at once: {actions:?}")
    };
    assert_eq!(server.port, 4223, "the next server of the pool");
    assert!(!s.conn.force_reconnect(s.now), "already reconnecting");
    s.conn.handle_connected(s.now);
    s.read(INFO);
    s.written();
    s.read("PONG\r\n");
    assert_eq!(
        s.written(),
        format!("SUB kept {sid}\r\nPUB queued 1\r\n1\r\n"),
        "resubscribed, then the queued publish"
    );
}

/// The wait before the next dial: zero when it is already asked for, otherwise the clock
/// is moved to the dial's instant (which must then come).
fn wait_for_dial(s: &mut Script) -> Duration {
    let start = s.now;
    let actions = s.actions();
    if actions.iter().any(|a| matches!(a, Action::Dial { .. })) {
        return Duration::ZERO;
    }
    let at = s.conn.poll_timeout().expect("a dial is scheduled");
    s.now = at;
    s.conn.handle_timeout(s.now);
    let actions = s.actions();
    assert!(
        matches!(actions.as_slice(), [Action::Dial { .. }]),
        "{actions:?}"
    );
    at - start
}

/// Connects after the dial was asked for (by `wait_for_dial`).
fn handshake_after_dial(s: &mut Script) {
    s.conn.handle_connected(s.now);
    s.read(INFO);
    s.written();
    s.read("PONG\r\n");
    s.written();
}

fn exact_config() -> ConnectionConfig {
    let mut c = config(&["127.0.0.1"]);
    c.reconnect.jitter = Duration::ZERO;
    c.reconnect.max_reconnects_per_server = None;
    c
}

#[test]
fn connections_that_die_at_once_back_off_like_failed_dials() {
    let mut s = Script::new(exact_config());
    s.handshake();
    let mut waits = Vec::new();
    for _ in 0..8 {
        // A good handshake, then a malformed MSG: the server keeps accepting and failing.
        s.read("MSG a notanumber 1\r\nx\r\n");
        waits.push(wait_for_dial(&mut s));
        handshake_after_dial(&mut s);
    }
    let ms = |n| Duration::from_millis(n);
    assert_eq!(
        waits,
        [50, 100, 200, 400, 800, 1600, 2000, 2000].map(ms),
        "each short-lived connection is a failed attempt with exponential backoff"
    );
}

#[test]
fn short_lived_connections_count_against_max_reconnects() {
    let mut c = exact_config();
    c.reconnect.max_reconnects_per_server = Some(3);
    let mut s = Script::new(c);
    s.handshake();
    for _ in 0..2 {
        s.conn.handle_disconnected(s.now, "reset by peer");
        wait_for_dial(&mut s);
        handshake_after_dial(&mut s);
    }
    s.events();
    s.conn.handle_disconnected(s.now, "reset by peer");
    let events = s.events();
    assert!(
        matches!(
            events.last(),
            Some(Event::Closed {
                reason: CloseReason::ReconnectExhausted(_),
                ..
            })
        ),
        "the third short-lived connection uses up the server: {events:?}"
    );
}

#[test]
fn a_stable_connection_resets_the_backoff() {
    let mut s = Script::new(exact_config());
    s.handshake();
    for _ in 0..3 {
        s.conn.handle_disconnected(s.now, "reset by peer");
        wait_for_dial(&mut s);
        handshake_after_dial(&mut s);
    }
    let stable_after = s.conn.config().reconnect.stable_after;
    // Answer keep-alive PINGs while the connection lives long enough to count as stable.
    s.advance(stable_after);
    s.read("PONG\r\n");
    s.conn.handle_disconnected(s.now, "reset by peer");
    assert_eq!(
        wait_for_dial(&mut s),
        Duration::ZERO,
        "a stable connection's loss is redialled at once"
    );
    handshake_after_dial(&mut s);
    s.conn.handle_disconnected(s.now, "reset by peer");
    assert_eq!(
        wait_for_dial(&mut s),
        Duration::from_millis(50),
        "the backoff starts over"
    );
}

#[test]
fn two_authorization_violations_in_a_row_close_the_client() {
    let mut s = Script::new(exact_config());
    s.handshake();
    s.events();
    // Accepted, then refused right away (a proxy or an auth callout that changed its mind).
    s.read("-ERR 'Authorization Violation'\r\n");
    assert!(
        !s.conn.is_closed(),
        "one violation after a good connect is retried"
    );
    assert!(wait_for_dial(&mut s) > Duration::ZERO, "not at once");
    handshake_after_dial(&mut s);
    s.events();
    s.read("-ERR 'Authorization Violation'\r\n");
    let events = s.events();
    assert!(
        matches!(
            events.last(),
            Some(Event::Closed {
                reason: CloseReason::Auth(_),
                ..
            })
        ),
        "{events:?}"
    );
    assert!(s.conn.is_closed());
}

/// A SUB queued but not yet written when the connection was lost reaches the next
/// connection (after the resubscriptions); an unsubscribe made while disconnected must
/// follow it there, or the server keeps a subscription the client has forgotten.
#[test]
fn unsubscribe_while_disconnected_follows_a_sub_still_queued() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    let gone = s.conn.subscribe("gone", None).expect("valid");
    let drained = s.conn.subscribe("drained", None).expect("valid");
    // Not taken by the driver before the connection is lost.
    s.conn.handle_disconnected(s.now, "connection reset");
    s.conn.unsubscribe(gone, None);
    assert!(s.conn.drain_subscription(drained));
    let after = s.handshake();
    assert_eq!(
        after,
        format!("SUB gone {gone}\r\nSUB drained {drained}\r\nUNSUB {gone}\r\nUNSUB {drained}\r\n")
    );
}
