//! NATS over WebSocket (`ws://`, `wss://`) against a real nats-server's WebSocket listener.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use bytes::Bytes;
use natbus::{BoxFuture, ConnectError, Dialed, Runtime, WebSocketTarget};
use natbus_tests::NatsServer;

use super::{WAIT, connect, options, within};

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
