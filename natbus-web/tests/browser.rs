//! natbus in a real browser: these run in headless Chromium (wasm-bindgen-test), against a
//! nats-server with WebSocket that a native orchestrator started
//! (`tests/tests/browser.rs` in the natbus-tests crate, which also runs the native
//! responder they talk to, and builds this file with the server's URL in
//! `NATBUS_TEST_WS_URL`). Run alone, without that URL, every test fails saying so.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

use std::future::Future;
use std::time::Duration;

use futures::future::{Either, select};
use natbus_web::jetstream::{AckPolicy, ConsumerConfig, FetchOptions, StreamConfig};
use natbus_web::proto::time::Instant;
use natbus_web::{Client, ClientEvent, ConnectOptions};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Longest wait for anything one step of a test expects.
const WAIT: Duration = Duration::from_secs(10);

fn server_url() -> &'static str {
    match option_env!("NATBUS_TEST_WS_URL") {
        Some(url) => url,
        None => panic!(
            "NATBUS_TEST_WS_URL was not set when this test was built: run it through the \
             natbus-tests `browser` test, which starts the server"
        ),
    }
}

fn options() -> ConnectOptions {
    ConnectOptions::new()
        .server(server_url())
        .reconnect_delay(
            Duration::from_millis(50),
            Duration::from_millis(250),
            Duration::from_millis(10),
        )
        .max_reconnects(None)
}

async fn connect() -> Client {
    natbus_web::connect_with(options())
        .await
        .expect("connect over WebSocket")
}

/// `future`'s output, or a panic naming `what` after [`WAIT`].
async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    let runtime = natbus_web::runtime();
    let timeout = runtime.sleep_until(Instant::now() + WAIT);
    match select(Box::pin(future), timeout).await {
        Either::Left((value, _)) => value,
        Either::Right(((), _)) => panic!("timed out after {WAIT:?} waiting for {what}"),
    }
}

#[wasm_bindgen_test]
async fn pub_sub_round_trip() {
    let client = connect().await;
    let mut sub = client.subscribe("web.pubsub").await.expect("subscribe");
    client
        .publish("web.pubsub", "hello from the browser")
        .await
        .expect("publish");
    let msg = within("the message", sub.next()).await.expect("a message");
    assert_eq!(&msg.payload[..], b"hello from the browser");
    client.drain().await.expect("drain");
}

#[wasm_bindgen_test]
async fn request_answered_by_a_native_responder() {
    let client = connect().await;
    let reply = client
        .request("native.echo", "ping")
        .await
        .expect("the native responder answers");
    assert_eq!(&reply.payload[..], b"native echo: ping");
    client.drain().await.expect("drain");
}

#[wasm_bindgen_test]
async fn jetstream_publish_fetch_and_ack() {
    let client = connect().await;
    let js = client.jetstream();
    js.ensure_stream(StreamConfig::new("WEB_JS").subjects(["web.js.>"]))
        .await
        .expect("stream");
    for i in 0..3 {
        let ack = js
            .publish("web.js.orders", format!("order {i}"))
            .await
            .expect("publish acked");
        assert_eq!(ack.stream, "WEB_JS");
    }
    let mut config = ConsumerConfig::durable("web-worker");
    config.ack_policy = AckPolicy::Explicit;
    let consumer = js
        .get_or_create_pull_consumer("WEB_JS", config)
        .await
        .expect("consumer");
    let batch = consumer
        .fetch(FetchOptions::new(3).expires(Duration::from_secs(2)))
        .await
        .expect("fetch");
    let payloads: Vec<String> = batch
        .iter()
        .map(|m| String::from_utf8_lossy(&m.message.payload).into_owned())
        .collect();
    assert_eq!(payloads, ["order 0", "order 1", "order 2"]);
    for msg in &batch {
        msg.ack().await.expect("ack");
    }
    client.flush().await.expect("flush the acks");
    let info = consumer.info().await.expect("consumer info");
    assert_eq!(info.num_ack_pending, 0, "every message acked: {info:?}");
    assert_eq!(info.ack_floor.stream_seq, 3, "{info:?}");
    client.drain().await.expect("drain");
}

#[wasm_bindgen_test]
async fn key_value_put_read_back_by_a_native_client() {
    let client = connect().await;
    let js = client.jetstream();
    let kv = match js.key_value("web").await {
        Ok(kv) => kv,
        Err(_) => js
            .create_key_value(natbus_web::jetstream::KeyValueConfig::new("web"))
            .await
            .expect("bucket"),
    };
    kv.put("colour", "blue from the browser")
        .await
        .expect("put");
    // The native side reads the key with its own client and answers with the value.
    let reply = client
        .request("native.kv.get", "colour")
        .await
        .expect("the native reader answers");
    assert_eq!(&reply.payload[..], b"blue from the browser");
    client.drain().await.expect("drain");
}

#[wasm_bindgen_test]
async fn reconnects_after_the_server_restarts() {
    let client = connect().await;
    let mut events = client.events();
    let mut sub = client.subscribe("web.after").await.expect("subscribe");
    // The orchestrator restarts the server on the same port when asked.
    client
        .request("native.restart-please", "")
        .await
        .expect("the orchestrator agrees to restart the server");
    within("the reconnect", async {
        loop {
            match events.next().await {
                Some(ClientEvent::Reconnected { .. }) => break,
                Some(_) => {}
                None => panic!("event stream ended before a reconnect"),
            }
        }
    })
    .await;
    client
        .publish("web.after", "still here")
        .await
        .expect("publish after the reconnect");
    let msg = within("the message after the reconnect", sub.next())
        .await
        .expect("the subscription survived the restart");
    assert_eq!(&msg.payload[..], b"still here");
    client.drain().await.expect("drain");
}

#[wasm_bindgen_test]
async fn a_refused_connection_is_an_error() {
    // Nothing listens on port 1; the browser's failure arrives as a connect error.
    let err = natbus_web::connect_with(
        ConnectOptions::new()
            .server("ws://127.0.0.1:1")
            .connect_timeout(Duration::from_secs(3)),
    )
    .await
    .expect_err("nothing listens there");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}

#[wasm_bindgen_test]
async fn a_tcp_url_is_refused_with_the_reason() {
    let err = natbus_web::connect_with(
        ConnectOptions::new()
            .server("nats://127.0.0.1:4222")
            .connect_timeout(Duration::from_secs(3)),
    )
    .await
    .expect_err("a browser has no TCP");
    assert!(err.to_string().contains("ws://"), "{err}");
}
