//! Connecting: the CONNECT we send, credentials refused, servers that cannot be
//! reached, a server that never answers, and a server that sends garbage.

use super::*;

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
                reason: CloseReason::Auth(_),
                ..
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
        matches!(events.last(), Some(Event::Closed { reason: CloseReason::ConnectFailed(ConnectFailure::Io(r)), .. }) if r.contains("refused"))
    );
}

#[test]
fn handshake_times_out() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.actions();
    s.conn.handle_connected(s.now);
    assert_eq!(s.conn.poll_timeout(), Some(s.now + Duration::from_secs(5)));
    s.read("INFO {\"server_id\":");
    s.advance(Duration::from_secs(5));
    assert!(s.events().iter().any(|e| matches!(
        e,
        Event::ConnectFailed {
            reason: ConnectFailure::TimedOut,
            ..
        }
    )));
}

/// A WebSocket port waits for an HTTP request: to a NATS client it says nothing at all.
#[test]
fn a_server_that_says_nothing_is_named_as_maybe_a_websocket_port() {
    for closes in [false, true] {
        let mut s = Script::new(config(&["127.0.0.1"]));
        s.actions();
        s.conn.handle_connected(s.now);
        if closes {
            s.conn
                .handle_disconnected(s.now, "the server closed the connection");
        } else {
            s.advance(Duration::from_secs(5));
        }
        let events = s.events();
        let Some(Event::ConnectFailed { reason, .. }) = events.first() else {
            panic!("{events:?}");
        };
        assert_eq!(reason, &ConnectFailure::Silent { closed: closes });
        assert!(
            reason.to_string().contains("use ws:// or wss://"),
            "{reason}"
        );
    }
    // Over a WebSocket the hint would be wrong: a plain timeout.
    let mut s = Script::new(config(&["ws://127.0.0.1:8080"]));
    s.actions();
    s.conn.handle_connected(s.now);
    s.advance(Duration::from_secs(5));
    assert!(s.events().iter().any(|e| matches!(
        e,
        Event::ConnectFailed {
            reason: ConnectFailure::TimedOut,
            ..
        }
    )));
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
                reason: DisconnectReason::Protocol(_),
                ..
            }
        ),
        "{events:?}"
    );
}

#[test]
fn a_server_that_does_not_speak_nats_fails_the_connect_with_a_protocol_error() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.actions();
    s.conn.handle_connected(s.now);
    s.read("HTTP/1.1 400 Bad Request\r\n\r\n");
    let events = s.events();
    assert!(
        matches!(
            events.last(),
            Some(Event::Closed {
                reason: CloseReason::ConnectFailed(ConnectFailure::Protocol(
                    crate::wire::DecodeError::UnknownOp(_)
                )),
                ..
            })
        ),
        "{events:?}"
    );
}

#[test]
fn an_http_answer_is_named_as_a_websocket_or_http_port() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.actions();
    s.conn.handle_connected(s.now);
    s.read("HTTP/1.1 400 Bad Request\r\n\r\n");
    let events = s.events();
    let Some(Event::Closed {
        reason: CloseReason::ConnectFailed(failure @ ConnectFailure::Protocol(_)),
        ..
    }) = events.last()
    else {
        panic!("{events:?}");
    };
    let text = failure.to_string();
    assert!(text.contains("a WebSocket or HTTP port"), "{text}");
}

#[test]
fn a_refusal_during_the_handshake_keeps_the_server_error() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.actions();
    s.conn.handle_connected(s.now);
    s.read(INFO);
    s.written();
    s.read("-ERR 'maximum connections exceeded'\r\n");
    let events = s.events();
    let Some(Event::Closed {
        reason: CloseReason::ConnectFailed(ConnectFailure::Server(err)),
        ..
    }) = events.last()
    else {
        panic!("{events:?}")
    };
    assert_eq!(
        err.kind,
        crate::server_error::ServerErrorKind::MaxConnectionsExceeded
    );
}
