//! Scripted-server tests: the state machine driven byte by byte with a virtual clock.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::*;
use crate::headers::HeaderMap;
use crate::reconnect::ReconnectPolicy;

const INFO: &str = "INFO {\"server_id\":\"S1\",\"version\":\"2.15.1\",\"proto\":1,\"headers\":true,\"max_payload\":1024}\r\n";

/// A connection plus a virtual clock, with helpers that play the server's part.
struct Script {
    conn: Connection,
    now: Instant,
}

fn config(urls: &[&str]) -> ConnectionConfig {
    ConnectionConfig {
        servers: urls
            .iter()
            .map(|u| u.parse().expect("valid test url"))
            .collect(),
        reconnect: ReconnectPolicy {
            randomize: false,
            ..ReconnectPolicy::default()
        },
        ping_interval: Duration::from_secs(10),
        name: Some("script".into()),
        ..ConnectionConfig::default()
    }
}

impl Script {
    fn new(config: ConnectionConfig) -> Self {
        let now = Instant::now();
        Script {
            conn: Connection::new(config, 7, now).expect("servers configured"),
            now,
        }
    }

    fn written(&mut self) -> String {
        let mut out = Vec::new();
        self.conn.poll_transmit(&mut out);
        String::from_utf8(out.concat()).expect("protocol text in these tests")
    }

    fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.conn.poll_event()).collect()
    }

    fn actions(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.conn.poll_action()).collect()
    }

    fn read(&mut self, bytes: &str) {
        self.conn.handle_read(bytes.as_bytes(), self.now);
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.conn.handle_timeout(self.now);
    }

    /// Plays a full handshake; returns what the client wrote after the PONG.
    fn handshake(&mut self) -> String {
        let actions = self.actions();
        assert!(
            matches!(actions.as_slice(), [Action::Dial { .. }]),
            "{actions:?}"
        );
        self.conn.handle_connected(self.now);
        self.read(INFO);
        let hello = self.written();
        assert!(
            hello.starts_with("CONNECT {") && hello.ends_with("}\r\nPING\r\n"),
            "{hello}"
        );
        self.read("PONG\r\n");
        self.written()
    }
}

#[test]
fn handshake_sends_connect_with_our_options_then_connects() {
    let mut s = Script::new(config(&["nats://alice:secret@127.0.0.1:4222"]));
    s.actions();
    s.conn.handle_connected(s.now);
    assert_eq!(s.written(), "", "the server speaks first");
    s.read(INFO);
    let hello = s.written();
    let json = hello
        .strip_prefix("CONNECT ")
        .and_then(|r| r.strip_suffix("\r\nPING\r\n"))
        .expect("CONNECT + PING");
    let v: serde_json::Value = serde_json::from_str(json).expect("CONNECT carries JSON");
    assert_eq!(v["user"], "alice");
    assert_eq!(v["pass"], "secret");
    assert_eq!(v["name"], "script");
    assert_eq!(v["headers"], true);
    assert_eq!(v["no_responders"], true);
    assert_eq!(v["protocol"], 1);
    assert_eq!(v["verbose"], false);
    assert!(!s.conn.is_connected());
    s.read("PONG\r\n");
    assert!(s.conn.is_connected());
    let events = s.events();
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::Connected {
                reconnected: false,
                ..
            }
        )),
        "{events:?}"
    );
}

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
            reason: DisconnectReason::Stale
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
fn requests_are_muxed_over_one_inbox_and_fail_clearly() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    let t = Duration::from_secs(1);
    let a = s
        .conn
        .request("svc.add", None, Bytes::from_static(b"1"), t, s.now)
        .expect("valid");
    let b = s
        .conn
        .request("svc.add", None, Bytes::from_static(b"2"), t, s.now)
        .expect("valid");
    let c = s
        .conn
        .request("nobody", None, Bytes::new(), t, s.now)
        .expect("valid");
    let out = s.written();
    assert_eq!(
        out.matches("SUB ").count(),
        1,
        "one inbox subscription: {out}"
    );
    let inbox_line = out.lines().next().expect("SUB first");
    let parts: Vec<&str> = inbox_line.split(' ').collect();
    let (wildcard, sid) = (parts[1], parts[2]);
    assert!(wildcard.starts_with("_INBOX.") && wildcard.ends_with(".*"));
    let base = wildcard.trim_end_matches('*');
    s.events();
    assert!(
        out.contains(&format!("PUB svc.add {base}1 1\r\n1\r\n")),
        "{out}"
    );
    // Replies arrive out of order; the no-responders status comes for the third.
    s.read(&format!("MSG {base}2 {sid} 3\r\ntwo\r\n"));
    s.read(&format!(
        "HMSG {base}3 {sid} 38 38\r\nNATS/1.0 503\r\nNats-Subject: nobody\r\n\r\n\r\n"
    ));
    let events = s.events();
    assert!(
        matches!(&events[0], Event::Reply { id, result: Ok(m) } if *id == b && &m.payload[..] == b"two")
    );
    assert_eq!(
        events[1],
        Event::Reply {
            id: c,
            result: Err(RequestError::NoResponders)
        }
    );
    s.advance(Duration::from_secs(2));
    assert_eq!(
        s.events(),
        vec![Event::Reply {
            id: a,
            result: Err(RequestError::TimedOut)
        }]
    );
    // A late reply for a timed-out request is ignored.
    s.read(&format!("MSG {base}1 {sid} 3\r\nold\r\n"));
    assert_eq!(s.events(), vec![]);
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

#[test]
fn bad_credentials_on_first_connect_close_without_retry_storm() {
    let mut s = Script::new(config(&["127.0.0.1", "127.0.0.2"]));
    s.actions();
    s.conn.handle_connected(s.now);
    s.read(INFO);
    s.written();
    s.read("-ERR 'Authorization Violation'\r\n");
    let events = s.events();
    assert!(
        matches!(
            events.last(),
            Some(Event::Closed {
                reason: CloseReason::Auth(_)
            })
        ),
        "{events:?}"
    );
    assert!(s.conn.is_closed());
    assert!(
        s.actions()
            .iter()
            .all(|a| !matches!(a, Action::Dial { .. }))
    );
}

#[test]
fn initial_connect_gives_up_after_one_pass() {
    let mut s = Script::new(config(&["127.0.0.1:1", "127.0.0.1:2"]));
    s.actions();
    s.conn.handle_dial_failed(s.now, "connection refused");
    assert!(
        matches!(s.actions().as_slice(), [Action::Dial { .. }]),
        "tries the second server"
    );
    s.conn.handle_dial_failed(s.now, "connection refused");
    let events = s.events();
    assert!(
        matches!(events.last(), Some(Event::Closed { reason: CloseReason::ConnectFailed(r) }) if r.contains("refused"))
    );
}

#[test]
fn handshake_times_out() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.actions();
    s.conn.handle_connected(s.now);
    assert_eq!(s.conn.poll_timeout(), Some(s.now + Duration::from_secs(5)));
    s.advance(Duration::from_secs(5));
    assert!(
        s.events().iter().any(
            |e| matches!(e, Event::ConnectFailed { reason, .. } if reason.contains("timed out"))
        )
    );
}

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
            reason: CloseReason::Drained
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
fn garbage_from_the_server_is_a_protocol_error_not_a_panic() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    s.events();
    s.read("MSG a notanumber 1\r\nx\r\n");
    let events = s.events();
    assert!(
        matches!(
            &events[0],
            Event::Disconnected {
                reason: DisconnectReason::Protocol(_)
            }
        ),
        "{events:?}"
    );
}
