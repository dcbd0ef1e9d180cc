//! Servers (or proxies) that complete the handshake and then misbehave, played by the
//! harness's scripted [`FakeServer`]: natbus must back off, give up when told to, and
//! never let the server decide how much memory it uses.

use std::sync::Arc;
use std::time::Duration;

use natbus::proto::wire::DecodeError;
use natbus::{ClientEvent, ConnectError, ConnectOptions, Runtime};
use natbus_tests::FakeServer;

use super::{WAIT, connect, wait_for_event, within};

/// Options with a small, exactly known backoff: 20 ms doubling up to 200 ms, 10 ms jitter.
fn fast_backoff(url: &str) -> ConnectOptions {
    ConnectOptions::new()
        .server(url)
        .connect_timeout(Duration::from_secs(5))
        .reconnect_delay(
            Duration::from_millis(20),
            Duration::from_millis(200),
            Duration::from_millis(10),
        )
        .max_reconnects(None)
}

/// Waits (at most [`WAIT`]) until `n` events match `want`.
async fn count_events(
    rt: &Arc<dyn Runtime>,
    events: &mut natbus::EventStream,
    n: usize,
    what: &str,
    want: impl Fn(&ClientEvent) -> bool,
) {
    within(rt, WAIT, what, async {
        let mut seen = 0;
        while seen < n {
            match events.next().await {
                Some(e) if want(&e) => seen += 1,
                Some(_) => {}
                None => panic!("event stream ended while waiting for {what}"),
            }
        }
    })
    .await;
}

pub async fn server_failing_every_connection_is_retried_with_backoff(rt: Arc<dyn Runtime>) {
    // Every connection: a good handshake, then a malformed MSG, then the server hangs up.
    let server = FakeServer::builder()
        .after_handshake(b"MSG a notanumber 1\r\nx\r\n")
        .close_after_script(true)
        .start();
    let client = connect(&rt, fast_backoff(&server.url())).await;
    let mut events = client.events();
    const CONNECTIONS: usize = 8;
    count_events(&rt, &mut events, CONNECTIONS - 1, "reconnects", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    })
    .await;
    let accepted = server.accepted();
    assert!(
        accepted.len() >= CONNECTIONS,
        "{} connections",
        accepted.len()
    );
    // Each short-lived connection is a failed attempt, so the waits between connections
    // grow as after failed dials: 20, 40, 80, 160, then 200 ms (the cap), jitter on top.
    let least: Duration = [20, 40, 80, 160, 200, 200, 200]
        .map(Duration::from_millis)
        .iter()
        .sum();
    let took = accepted[CONNECTIONS - 1] - accepted[0];
    assert!(
        took >= least,
        "{CONNECTIONS} connections in {took:?}: the backoff allows no fewer than {least:?}"
    );
    client.close().await;
}

pub async fn authorization_violations_after_the_handshake_close_the_client(rt: Arc<dyn Runtime>) {
    // Accepts CONNECT, then refuses the credentials at once (as a proxy or an auth
    // callout that changed its mind would).
    let server = FakeServer::builder()
        .after_handshake(b"-ERR 'Authorization Violation'\r\n")
        .close_after_script(true)
        .start();
    let client = connect(&rt, fast_backoff(&server.url())).await;
    let mut events = client.events();
    count_events(&rt, &mut events, 1, "the client to close", |e| {
        matches!(e, ClientEvent::Closed { .. })
    })
    .await;
    assert_eq!(
        server.accepted().len(),
        2,
        "the second violation in a row from the server closes the client"
    );
    let reason = client.close_reason();
    assert!(matches!(reason, Some(ConnectError::Auth(_))), "{reason:?}");
}

pub async fn huge_message_is_refused_whatever_max_payload_the_server_announces(
    rt: Arc<dyn Runtime>,
) {
    const CEILING: u64 = 64 * 1024 * 1024;
    const DECLARED: u64 = 4 * 1024 * 1024 * 1024;
    const FILLER: u64 = 2 * CEILING;
    // Announces a 1 TiB max_payload, then (on the client's flush) a 4 GiB message whose
    // body it streams for as long as the client reads.
    let server = FakeServer::builder()
        .max_payload(1 << 40)
        .script_after_ping(2)
        .after_handshake(format!("MSG big 1 {DECLARED}\r\n").as_bytes())
        .then_filler(FILLER)
        .start();
    let client = connect(&rt, fast_backoff(&server.url())).await;
    let mut events = client.events();
    // Its PONG comes before the message; whether the flush sees it does not matter.
    let _ = client.flush().await;
    let event = wait_for_event(&rt, &mut events, "the connection to be dropped", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    })
    .await;
    let ClientEvent::Disconnected { reason, .. } = event else {
        unreachable!("matched above")
    };
    assert!(
        reason.contains(&DECLARED.to_string()) && reason.contains(&CEILING.to_string()),
        "the reason names the size and the limit: {reason}"
    );
    // The client hung up on the control line: the server could not push more than the
    // sockets' buffers hold, far less than the ceiling, let alone the declared size.
    let written = server.script_bytes_written();
    assert!(
        written < CEILING,
        "the client read {written} bytes of the body"
    );
    client.close().await;
}

pub async fn a_server_that_does_not_speak_nats_is_a_protocol_error(rt: Arc<dyn Runtime>) {
    let server = FakeServer::builder()
        .greeting(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        .start();
    let err = natbus::connect_with(rt.clone(), fast_backoff(&server.url()))
        .await
        .expect_err("not a NATS server");
    assert!(
        matches!(&err, ConnectError::Protocol { source: DecodeError::UnknownOp(op) } if op == "HTTP/1.1"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("a WebSocket or HTTP port"),
        "{err}"
    );
    let cause = std::error::Error::source(&err).map(ToString::to_string);
    assert!(
        cause.is_some_and(|c| c.contains("HTTP/1.1")),
        "the cause is kept as the source"
    );
}
