//! The envelope with a Python NATBus peer: a nats-py program publishes as the seed's
//! `BusMessage.from_json` does (lowercase `content-type`) and natbus reads every field; it
//! reads what natbus publishes with nats-py's case-sensitive header dictionary. The trace id
//! a sender set is the one the receiver gets, even beside a `traceparent` of another trace.

use std::sync::Arc;

use natbus::Runtime;
use natbus::envelope::{BusEnvelope, BusMessage};
use natbus_tests::NatsServer;

use super::python::{Script, converse, nats_py};
use super::{WAIT, connect, options, within};

/// A trace id as a Python service writes it: a UUID, in uppercase.
const UUID_TRACE_ID: &str = "4BF92F35-77B3-4DA6-A3CE-929D0E0E4736";
/// Another trace, in the `traceparent` an instrumented Python process adds on its own.
const OTHER_TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";

const SCRIPT: &str = r#"
import asyncio, json, sys
import nats

async def main(url):
    nc = await nats.connect(url)
    # As the Python NATBus publishes BusMessage.from_json(subject, obj, sender=...).
    await nc.publish("seed.from_py", json.dumps({"hello": "world"}).encode(), headers={
        "content-type": "application/json",
        "X-Sender": "orders-svc-py",
        "X-Trace-Id": "order-42",
        "X-Correlation-Id": "corr-py",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    })
    got = asyncio.get_running_loop().create_future()
    async def on_msg(msg):
        if not got.done():
            got.set_result(msg)
    await nc.subscribe("seed.to_py", cb=on_msg)
    await nc.flush()
    await nc.publish("interop.py.ready", b"")
    msg = await asyncio.wait_for(got, 10)
    h = msg.headers
    # A Python NATBus reads these exact (case-sensitive) keys.
    assert h.get("content-type") == "application/json", h
    assert h.get("X-Sender") == "orders-svc", h
    assert h.get("X-Trace-Id") == "4BF92F35-77B3-4DA6-A3CE-929D0E0E4736", h
    assert h.get("X-Correlation-Id") == "order-7", h
    assert h.get("traceparent", "").startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-"), h
    assert json.loads(msg.data) == {"id": "7"}, msg.data
    await nc.drain()
    print("nats-py envelope interop OK")

asyncio.run(main(sys.argv[1]))
"#;

pub async fn envelope_interop_with_a_python_natbus_peer(rt: Arc<dyn Runtime>) {
    let Some(python) = nats_py("envelope_interop_with_a_python_natbus_peer") else {
        return;
    };
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let mut from_py = client.subscribe("seed.from_py").await.expect("subscribe");
    client.flush().await.expect("flush");
    let publisher = client.clone();
    let side = Box::pin(async move {
        BusMessage::json("seed.to_py", &serde_json::json!({"id": "7"}))
            .map_err(|e| e.to_string())?
            .sender("orders-svc")
            .trace_id(UUID_TRACE_ID)
            .correlation_id("order-7")
            .publish(&publisher)
            .await
            .map_err(|e| format!("publish to nats-py: {e}"))
    });
    let script = Script {
        python,
        name: "envelope",
        source: SCRIPT,
        ok_line: "nats-py envelope interop OK",
    };
    converse(&rt, &client, server.url(), script, side).await;

    let msg = within(&rt, WAIT, "nats-py's message", from_py.next())
        .await
        .expect("open");
    let envelope = BusEnvelope::from(&msg);
    assert_eq!(envelope.content_type(), Some("application/json"));
    assert!(envelope.is_json());
    assert_eq!(envelope.sender(), Some("orders-svc-py"));
    assert_eq!(envelope.correlation_id(), Some("corr-py"));
    assert_eq!(
        envelope.trace_id(),
        Some("order-42"),
        "the sender's trace id"
    );
    let parent = envelope.traceparent().expect("kept for tracing libraries");
    assert!(parent.contains(OTHER_TRACE_ID), "{parent}");
    let body: serde_json::Value = envelope.json().expect("JSON");
    assert_eq!(body["hello"], "world");
}
