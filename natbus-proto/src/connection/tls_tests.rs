//! Scripted tests of the TLS parts of the handshake: after INFO, TLS-first, and refusals.

use crate::time::Instant;
use std::time::Duration;

use super::super::*;
use crate::reconnect::ReconnectPolicy;

const PLAIN_INFO: &str =
    "INFO {\"server_id\":\"S\",\"proto\":1,\"headers\":true,\"max_payload\":1024}\r\n";
const TLS_INFO: &str = "INFO {\"server_id\":\"S\",\"proto\":1,\"headers\":true,\"max_payload\":1024,\"tls_required\":true}\r\n";

fn connection(url: &str, tweak: impl FnOnce(&mut ConnectionConfig)) -> (Connection, Instant) {
    let mut config = ConnectionConfig {
        servers: vec![url.parse().expect("valid test url")],
        reconnect: ReconnectPolicy {
            randomize: false,
            ..ReconnectPolicy::default()
        },
        ..ConnectionConfig::default()
    };
    tweak(&mut config);
    let now = Instant::now();
    let conn = Connection::new(config, 1, now).expect("one server");
    (conn, now)
}

fn actions(conn: &mut Connection) -> Vec<Action> {
    std::iter::from_fn(|| conn.poll_action()).collect()
}

fn written(conn: &mut Connection) -> String {
    let mut out = Vec::new();
    conn.poll_transmit(&mut out);
    String::from_utf8(out.concat()).expect("protocol text")
}

fn dialed(conn: &mut Connection, now: Instant) {
    assert!(matches!(actions(conn).as_slice(), [Action::Dial { .. }]));
    conn.handle_connected(now);
}

#[test]
fn tls_url_upgrades_after_info_then_sends_connect() {
    let (mut conn, now) = connection("tls://demo.example:4443", |_| {});
    dialed(&mut conn, now);
    assert!(actions(&mut conn).is_empty(), "waits for INFO first");
    conn.handle_read(TLS_INFO.as_bytes(), now);
    let got = actions(&mut conn);
    assert!(
        matches!(got.as_slice(), [Action::UpgradeTls { server }] if server.host == "demo.example"),
        "{got:?}"
    );
    assert_eq!(written(&mut conn), "", "nothing is written in plain text");
    conn.handle_tls_upgraded(now);
    let hello = written(&mut conn);
    assert!(
        hello.starts_with("CONNECT {") && hello.ends_with("PING\r\n"),
        "{hello}"
    );
    assert!(hello.contains("\"tls_required\":true"), "{hello}");
    conn.handle_read(b"PONG\r\n", now);
    assert!(conn.is_connected());
}

#[test]
fn server_requiring_tls_gets_an_upgrade_even_for_nats_urls() {
    let (mut conn, now) = connection("nats://127.0.0.1:4222", |_| {});
    dialed(&mut conn, now);
    conn.handle_read(TLS_INFO.as_bytes(), now);
    assert!(matches!(
        actions(&mut conn).as_slice(),
        [Action::UpgradeTls { .. }]
    ));
}

#[test]
fn required_tls_on_a_plain_server_fails_the_attempt() {
    let (mut conn, now) = connection("tls://127.0.0.1:4222", |_| {});
    dialed(&mut conn, now);
    conn.handle_read(PLAIN_INFO.as_bytes(), now);
    assert!(matches!(
        actions(&mut conn).first(),
        Some(Action::Close { .. })
    ));
    let events: Vec<Event> = std::iter::from_fn(|| conn.poll_event()).collect();
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::ConnectFailed {
                reason: ConnectFailure::TlsNotOffered,
                ..
            }
        )),
        "{events:?}"
    );
}

#[test]
fn tls_first_upgrades_before_info_and_never_twice() {
    let (mut conn, now) = connection("nats://127.0.0.1:4222", |c| c.tls_first = true);
    dialed(&mut conn, now);
    assert!(
        matches!(actions(&mut conn).as_slice(), [Action::UpgradeTls { .. }]),
        "the upgrade comes right after the socket connects"
    );
    assert_eq!(written(&mut conn), "");
    conn.handle_tls_upgraded(now);
    assert_eq!(written(&mut conn), "", "the server speaks first, over TLS");
    conn.handle_read(TLS_INFO.as_bytes(), now);
    assert!(actions(&mut conn).is_empty(), "no second upgrade");
    let hello = written(&mut conn);
    assert!(
        hello.starts_with("CONNECT {") && hello.contains("\"tls_required\":true"),
        "{hello}"
    );
    conn.handle_read(b"PONG\r\n", now);
    assert!(conn.is_connected());
}

#[test]
fn a_failed_upgrade_is_a_failed_attempt_and_the_handshake_deadline_holds() {
    let (mut conn, now) = connection("nats://127.0.0.1:4222", |c| {
        c.tls_first = true;
        c.connect_timeout = Duration::from_secs(2);
    });
    dialed(&mut conn, now);
    let _ = actions(&mut conn);
    // The TLS handshake never finishes: the connect timeout ends the attempt.
    conn.handle_timeout(now + Duration::from_secs(3));
    let got = actions(&mut conn);
    assert!(matches!(got.first(), Some(Action::Close { .. })), "{got:?}");
    let events: Vec<Event> = std::iter::from_fn(|| conn.poll_event()).collect();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::ConnectFailed { .. })),
        "{events:?}"
    );

    // A reported upgrade failure is a failed attempt too.
    let (mut conn, now) = connection("tls://127.0.0.1:4222", |_| {});
    dialed(&mut conn, now);
    conn.handle_read(TLS_INFO.as_bytes(), now);
    let _ = actions(&mut conn);
    conn.handle_disconnected(now, "TLS handshake failed: bad certificate");
    let events: Vec<Event> = std::iter::from_fn(|| conn.poll_event()).collect();
    assert!(
        events.iter().any(|e| matches!(e, Event::ConnectFailed { reason: ConnectFailure::Io(r), .. } if r.contains("bad certificate"))),
        "{events:?}"
    );
    assert!(!conn.is_connected());
}

#[test]
fn discovered_ip_servers_keep_the_original_host_name_for_tls() {
    let (mut conn, now) = connection("tls://nats.example:4222", |_| {});
    dialed(&mut conn, now);
    let info = "INFO {\"server_id\":\"S\",\"proto\":1,\"max_payload\":1024,\"tls_required\":true,\"connect_urls\":[\"10.0.0.2:4222\"]}\r\n";
    conn.handle_read(info.as_bytes(), now);
    let _ = actions(&mut conn);
    conn.handle_tls_upgraded(now);
    conn.handle_read(b"PONG\r\n", now);
    assert!(conn.is_connected());
    let discovered: crate::server_addr::ServerAddr = "tls://10.0.0.2:4222".parse().expect("valid");
    assert_eq!(conn.tls_server_name(&discovered), "nats.example");
    let original: crate::server_addr::ServerAddr =
        "tls://nats.example:4222".parse().expect("valid");
    assert_eq!(conn.tls_server_name(&original), "nats.example");
}

#[test]
fn websocket_ignores_the_info_tls_flags_and_tls_first() {
    for url in ["ws://h:8080", "wss://h/nats"] {
        let (mut conn, now) = connection(url, |c| c.tls_first = true);
        dialed(&mut conn, now);
        assert!(actions(&mut conn).is_empty(), "{url}: no TLS-first");
        // nats-server sets both flags on a TLS WebSocket listener.
        conn.handle_read(
            b"INFO {\"server_id\":\"S\",\"proto\":1,\"headers\":true,\"tls_required\":true,\"tls_available\":true}\r\n",
            now,
        );
        assert!(
            actions(&mut conn).is_empty(),
            "{url}: no NATS-level upgrade"
        );
        let hello = written(&mut conn);
        assert!(hello.starts_with("CONNECT {"), "{url}: {hello}");
        let secure = url.starts_with("wss");
        assert!(
            hello.contains(&format!("\"tls_required\":{secure}")),
            "{url}: {hello}"
        );
    }
}

#[test]
fn a_websocket_runs_over_tls_for_wss_or_when_tls_is_required() {
    let (conn, _) = connection("wss://h", |_| {});
    let server = "wss://h".parse().expect("valid");
    assert!(conn.websocket_tls(&server));
    let (conn, _) = connection("ws://h", |_| {});
    let plain = "ws://h".parse().expect("valid");
    assert!(!conn.websocket_tls(&plain));
    let (conn, _) = connection("ws://h", |c| c.require_tls = true);
    assert!(conn.websocket_tls(&plain));
    let (conn, _) = connection("tls://h", |_| {});
    assert!(!conn.websocket_tls(&"tls://h".parse().expect("valid")));
}

#[test]
fn websocket_keys_and_masks_follow_the_seed() {
    let server: ServerAddr = "wss://h:8443/nats".parse().expect("valid");
    let codec = |seed| {
        let config = ConnectionConfig {
            servers: vec![server.clone()],
            ..ConnectionConfig::default()
        };
        let mut conn = Connection::new(config, seed, Instant::now()).expect("one server");
        let (first, _) = conn.websocket_codec(&server);
        let (second, mut writer) = conn.websocket_codec(&server);
        let mut frame = Vec::new();
        writer.pong(&mut frame, b"x");
        (first.request().to_vec(), second.request().to_vec(), frame)
    };
    let (a1, a2, frame) = codec(1);
    assert_eq!(codec(1), (a1.clone(), a2.clone(), frame), "a seed replays");
    assert_ne!(a1, a2, "a fresh key per dial");
    assert_ne!(codec(2).0, a1);
    let text = String::from_utf8(a1).expect("ASCII");
    assert!(
        text.starts_with("GET /nats HTTP/1.1\r\nHost: h:8443\r\n"),
        "{text}"
    );
}
