//! NATS over WebSocket (`ws://`, `wss://`) against a real nats-server's WebSocket listener.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use natbus::{BoxFuture, Client, ConnectError, Dialed, Runtime, WebSocketTarget};
use natbus_tests::NatsServer;

use super::tls::{Pki, assert_client_certificate_required, assert_untrusted_ca_fails};

use super::transport::Transport;
use super::{WAIT, connect, options, within};

/// The part of the suite that runs over WebSocket too: the same test bodies as over TCP.
macro_rules! over_websocket {
    ($($name:ident => $module:ident :: $test:ident),* $(,)?) => {
        $(
            #[doc = concat!("`", stringify!($module), "::", stringify!($test), "` over `ws://`.")]
            pub async fn $name(rt: Arc<dyn Runtime>) {
                super::$module::$test(rt, Transport::WebSocket).await;
            }
        )*
    };
}

over_websocket!(
    ws_pub_sub_delivers_in_order => core::pub_sub_delivers_in_order_over,
    ws_headers_round_trip => core::headers_round_trip_over,
    ws_request_reply_muxes_a_thousand_requests => core::request_reply_muxes_a_thousand_requests_over,
    ws_user_password_auth => core::user_password_auth_over,
    ws_reconnects_after_a_server_restart => reconnect::reconnects_resubscribes_and_sends_buffered_over,
    ws_js_publish_fetch_and_ack => jetstream_consumers::js_fetch_returns_messages_in_order_with_metadata_over,
    ws_kv_put_get_and_cas_conflicts => kv::kv_put_get_and_cas_conflicts_over,
    ws_kv_watch => kv::kv_watch_sees_current_values_then_changes_over,
    ws_interop_with_nats_py_on_tcp => interop_py::core_and_jetstream_interop_with_nats_py_over,
    ws_lame_duck_moves_to_a_discovered_server => cluster::lame_duck_moves_the_client_before_shutdown_over,
);

/// A runtime that opens "WebSockets" itself, as a browser runtime does; here it simply
/// dials the target over TCP, so the test server's plain NATS port stands in for a
/// WebSocket whose frames the runtime already took apart.
struct OwnWebSocket {
    inner: Arc<dyn Runtime>,
    opened: AtomicUsize,
}

impl Runtime for OwnWebSocket {
    fn connect(&self, _host: &str, _port: u16) -> BoxFuture<io::Result<Dialed>> {
        Box::pin(async { panic!("a runtime with its own WebSocket is never asked for TCP") })
    }

    fn connect_websocket(&self, target: &WebSocketTarget) -> Option<BoxFuture<io::Result<Dialed>>> {
        self.opened.fetch_add(1, Ordering::SeqCst);
        Some(self.inner.connect(target.host(), target.port()))
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<()> {
        self.inner.sleep_until(deadline)
    }

    fn spawn(&self, future: BoxFuture<()>) {
        self.inner.spawn(future);
    }
}

/// The extension point a browser runtime uses: natbus hands it the target and runs NATS
/// over the socket it returns, with no TCP dial, TLS or framing of its own.
pub async fn websocket_opened_by_the_runtime_is_used(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let own = Arc::new(OwnWebSocket {
        inner: rt.clone(),
        opened: AtomicUsize::new(0),
    });
    let own_rt: Arc<dyn Runtime> = own.clone();
    let url = format!("ws://127.0.0.1:{}/nats", server.port());
    let client = connect(&own_rt, options(&url)).await;
    assert_eq!(own.opened.load(Ordering::SeqCst), 1);
    let mut sub = client.subscribe("ws.own").await.expect("subscribe");
    client.publish("ws.own", "hello").await.expect("publish");
    let msg = within(&rt, WAIT, "the message", sub.next())
        .await
        .expect("subscription open");
    assert_eq!(msg.payload, Bytes::from("hello"));
    let reply = client.request("nobody.home", "x").await;
    assert!(reply.is_err(), "no responders");
}

/// One transport per client: a pool mixing WebSocket and TCP is refused before dialing.
pub async fn mixing_websocket_and_tcp_urls_is_refused(rt: Arc<dyn Runtime>) {
    let err = natbus::connect_with(rt, options("ws://127.0.0.1:1,nats://127.0.0.1:2"))
        .await
        .expect_err("mixed transports");
    assert!(matches!(err, ConnectError::InvalidUrl(_)), "{err:?}");
    assert!(err.to_string().contains("mix WebSocket and TCP"), "{err}");
}

/// Publishes `payload` to itself and checks it comes back whole.
async fn echo(rt: &Arc<dyn Runtime>, client: &Client, payload: Vec<u8>) {
    let mut sub = client.subscribe("ws.echo").await.expect("subscribe");
    client
        .publish("ws.echo", payload.clone())
        .await
        .expect("publish");
    let msg = within(rt, WAIT, "the echo", sub.next())
        .await
        .expect("subscription open");
    assert_eq!(msg.payload.len(), payload.len());
    assert!(msg.payload == payload, "the payload came back changed");
}

/// The server sees the client as a WebSocket client (over TLS for `wss://`).
fn assert_websocket_client(server: &NatsServer, tls: bool) {
    let connz = server.connz();
    let conn = &connz["connections"][0];
    assert_eq!(conn["type"], "websocket", "{connz}");
    let version = conn["tls_version"].as_str().unwrap_or("");
    assert_eq!(version.starts_with("1."), tls, "{connz}");
}

/// `wss://` with the same TLS settings as `tls://`: the test CA, a client certificate;
/// and a message of 3 MiB, many frames each way.
pub async fn wss_with_a_ca_and_a_client_certificate(rt: Arc<dyn Runtime>) {
    let pki = Pki::new();
    let server = NatsServer::builder()
        .jetstream(false)
        .config("max_payload: 8MB")
        .websocket_tls(
            &pki.file("server.pem"),
            &pki.file("server-key.pem"),
            Some(&pki.file("ca.pem")),
        )
        .start();
    let url = server.websocket_url();
    assert!(url.starts_with("wss://"), "{url}");
    let opts = options(&url)
        .add_root_certificates(pki.file("ca.pem"))
        .add_client_certificate(pki.file("client.pem"), pki.file("client-key.pem"));
    let client = connect(&rt, opts).await;
    assert_websocket_client(&server, true);
    let big: Vec<u8> = (0..3 << 20).map(|i: u32| (i % 251) as u8).collect();
    echo(&rt, &client, big).await;
    client.close().await;
    assert_client_certificate_required(&rt, &pki, &url).await;
    assert_untrusted_ca_fails(&rt, &url).await;
}

/// A plain `ws://` client is seen by the server as a WebSocket client, and large messages
/// cross in many frames.
pub async fn ws_carries_large_messages_in_many_frames(rt: Arc<dyn Runtime>) {
    let server = NatsServer::builder()
        .jetstream(false)
        .config("max_payload: 8MB")
        .websocket()
        .start();
    let client = connect(&rt, options(&server.websocket_url())).await;
    assert_websocket_client(&server, false);
    for size in [0, 1, 125, 126, 65_535, 65_536, 5 << 20] {
        let payload: Vec<u8> = (0..size).map(|i: u32| (i % 253) as u8).collect();
        echo(&rt, &client, payload).await;
    }
}

/// Pointing a URL at the other kind of port fails within the connect timeout, with an
/// error that names the mistake.
pub async fn a_url_for_the_wrong_kind_of_port_says_so(rt: Arc<dyn Runtime>) {
    let pki = Pki::new();
    let plain = NatsServer::builder().jetstream(false).websocket().start();
    let secure = NatsServer::builder()
        .jetstream(false)
        .websocket_tls(&pki.file("server.pem"), &pki.file("server-key.pem"), None)
        .start();
    let nats_port = plain.port();
    let ws_port = plain
        .websocket_url()
        .rsplit_once(':')
        .map(|(_, p)| p.to_owned());
    let ws_port = ws_port.expect("a port in the URL");
    let cases = [
        (format!("ws://127.0.0.1:{nats_port}"), "NATS port"),
        (
            format!("wss://127.0.0.1:{nats_port}"),
            "plain NATS (INFO), not TLS",
        ),
        (
            format!("nats://127.0.0.1:{ws_port}"),
            "is this a WebSocket port?",
        ),
        (
            format!("tls://127.0.0.1:{ws_port}"),
            "is this a WebSocket port?",
        ),
        (format!("wss://127.0.0.1:{ws_port}"), "plain HTTP, not TLS"),
        (
            secure.websocket_url().replace("wss://", "ws://"),
            "HTTP 400",
        ),
    ];
    let timeout = Duration::from_millis(500);
    for (url, says) in cases {
        let opts = options(&url)
            .add_root_certificates(pki.file("ca.pem"))
            .connect_timeout(timeout)
            .max_reconnects(Some(1));
        let started = Instant::now();
        let err = within(
            &rt,
            WAIT,
            "the connect error",
            natbus::connect_with(rt.clone(), opts),
        )
        .await
        .expect_err("the wrong kind of port");
        let elapsed = started.elapsed();
        assert!(err.to_string().contains(says), "{url}: {err}");
        // One attempt, bounded by the connect timeout; generous slack for a loaded machine.
        assert!(
            elapsed < timeout + Duration::from_secs(3),
            "{url}: took {elapsed:?}"
        );
    }
}
