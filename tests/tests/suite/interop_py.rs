//! Interop with nats-py on one server: core request/reply in both directions with headers,
//! publish/subscribe with headers and the natbus envelope, and JetStream messages published
//! by one client and consumed (ack, nak, term, double ack) by the other. Each side checks
//! what the other wrote, and the server's consumer state shows whose acks it took.

use std::sync::Arc;

use natbus::envelope::BusMessage;
use natbus::jetstream::{ConsumerConfig, FetchOptions, JetStream, PublishOptions, StreamConfig};
use natbus::{Client, HeaderMap, RequestOptions, Runtime};
use natbus_tests::NatsServer;

use super::python::{Script, converse, nats_py};
use super::transport::Transport;
use super::{WAIT, connect, options, within};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

const SCRIPT: &str = r#"
import asyncio, json, sys
import nats

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"

async def main(url):
    nc = await nats.connect(url)

    # Request/reply to a natbus responder, headers both ways.
    rep = await nc.request("interop.echo", b"ping", timeout=5,
                           headers={"X-From": "nats-py", "X-Trace-Id": "t-1"})
    assert rep.data == b"ping", rep.data
    assert rep.headers["Echoed-By"] == "natbus", rep.headers
    assert rep.headers["X-From"] == "nats-py" and rep.headers["X-Trace-Id"] == "t-1", rep.headers

    # A message for a natbus subscriber (checked on the natbus side).
    await nc.publish("interop.from_py", b"hello natbus",
                     headers={"Content-Type": "text/plain", "X-Sender": "nats-py"})

    # A responder and a subscriber for natbus, then the signal that they are up.
    async def double(msg):
        await nc.publish(msg.reply, str(int(msg.data) * 2).encode(),
                         headers={"X-Answered-By": "nats-py"})
    await nc.subscribe("interop.py.double", cb=double)
    envelope = asyncio.get_running_loop().create_future()
    async def to_py(msg):
        if not envelope.done():
            envelope.set_result(msg)
    await nc.subscribe("interop.to_py", cb=to_py)
    await nc.flush()
    await nc.publish("interop.py.ready", b"")

    msg = await asyncio.wait_for(envelope, 10)
    h = msg.headers
    assert h["content-type"] == "application/json", h
    assert h["X-Sender"] == "orders-svc" and h["X-Trace-Id"] == TRACE_ID, h
    assert h["X-Correlation-Id"] == "order-7", h
    assert h["traceparent"].startswith("00-" + TRACE_ID + "-"), h
    assert json.loads(msg.data) == {"id": "7", "customer": "Ada"}, msg.data

    # JetStream: the three envelopes natbus stored before the script started.
    js = nc.jetstream()
    sub = await js.pull_subscribe("interop.js.natbus", durable="py-reader", stream="INTEROP")
    msgs = await sub.fetch(3, timeout=5)
    assert [json.loads(m.data) for m in msgs] == [{"n": 0}, {"n": 1}, {"n": 2}], msgs
    assert all(m.headers["X-Sender"] == "natbus-test" for m in msgs), msgs[0].headers
    assert [m.metadata.sequence.stream for m in msgs] == [1, 2, 3], msgs
    await msgs[0].ack()
    await msgs[1].ack_sync()
    await msgs[2].nak()
    again = await sub.fetch(1, timeout=5)
    assert again[0].data == msgs[2].data and again[0].metadata.num_delivered == 2, again[0]
    await again[0].term()

    # nats-py stores one message for natbus, deduplicated by its id.
    ack = await js.publish("interop.js.py", b"from nats-py",
                           headers={"Nats-Msg-Id": "py-1", "X-Sender": "nats-py"})
    dup = await js.publish("interop.js.py", b"from nats-py", headers={"Nats-Msg-Id": "py-1"})
    assert dup.duplicate and dup.seq == ack.seq == 4, (ack, dup)

    await nc.drain()
    print("nats-py core and JetStream interop OK")

asyncio.run(main(sys.argv[1]))
"#;

pub async fn core_and_jetstream_interop_with_nats_py(rt: Arc<dyn Runtime>) {
    core_and_jetstream_interop_with_nats_py_over(rt, Transport::Tcp).await;
}

/// nats-py always connects over TCP; natbus over `transport`.
pub async fn core_and_jetstream_interop_with_nats_py_over(
    rt: Arc<dyn Runtime>,
    transport: Transport,
) {
    let Some(python) = nats_py("core_and_jetstream_interop_with_nats_py") else {
        return;
    };
    let server = transport.start(NatsServer::builder());
    let client = connect(&rt, options(&transport.url(&server))).await;
    let js = client.jetstream();
    store_three_envelopes(&js).await;
    echo_responder(&rt, &client).await;
    let mut from_py = client
        .subscribe("interop.from_py")
        .await
        .expect("subscribe");
    client.flush().await.expect("flush");
    let script = Script {
        python,
        name: "core-js",
        source: SCRIPT,
        ok_line: "nats-py core and JetStream interop OK",
    };
    let asker = client.clone();
    let side = Box::pin(async move { ask_nats_py(&asker).await });
    converse(&rt, &client, server.url(), script, side).await;

    let msg = within(&rt, WAIT, "nats-py's message", from_py.next())
        .await
        .expect("open");
    assert_eq!(&msg.payload[..], b"hello natbus");
    let headers = msg.headers.expect("nats-py's headers");
    assert_eq!(headers.get("Content-Type"), Some("text/plain"));
    assert_eq!(headers.get("X-Sender"), Some("nats-py"));

    // The server took nats-py's acks, nak and term of natbus's messages.
    let info = js
        .consumer_info("INTEROP", "py-reader")
        .await
        .expect("py-reader");
    assert_eq!(info.num_ack_pending, 0, "{info:?}");
    assert_eq!(info.delivered.consumer_seq, 4, "three and one redelivery");
    assert_eq!(info.ack_floor.stream_seq, 3, "{info:?}");

    read_what_nats_py_stored(&js).await;
}

/// Three JSON envelopes on `interop.js.natbus`, stored before nats-py reads them.
async fn store_three_envelopes(js: &JetStream) {
    js.create_stream(StreamConfig::new("INTEROP").subjects(["interop.js.>"]))
        .await
        .expect("create");
    for n in 0..3 {
        let message = BusMessage::json("interop.js.natbus", &serde_json::json!({ "n": n }))
            .expect("JSON")
            .sender("natbus-test")
            .into_message()
            .expect("a valid message");
        js.publish_with(
            message.subject.as_str(),
            message.headers,
            &PublishOptions::default(),
            message.payload,
        )
        .await
        .expect("stored");
    }
}

/// Answers `interop.echo` with the request's payload and headers, plus `Echoed-By`.
async fn echo_responder(rt: &Arc<dyn Runtime>, client: &Client) {
    let mut requests = client.subscribe("interop.echo").await.expect("subscribe");
    let responder = client.clone();
    rt.spawn(Box::pin(async move {
        while let Some(msg) = requests.next().await {
            let mut headers = msg.headers.clone().unwrap_or_default();
            headers.insert("Echoed-By", "natbus");
            if let Some(reply) = &msg.reply {
                let _ = responder
                    .publish_full(reply.as_str(), None, Some(&headers), msg.payload.clone())
                    .await;
            }
        }
    }));
}

/// Asks nats-py's responder, then sends its subscriber an envelope.
async fn ask_nats_py(client: &Client) -> Result<(), String> {
    let mut headers = HeaderMap::new();
    headers.insert("X-From", "natbus");
    let options = RequestOptions {
        headers: Some(headers),
        timeout: None,
    };
    let reply = client
        .request_with("interop.py.double", "21", options)
        .await
        .map_err(|e| format!("request to nats-py: {e}"))?;
    let answered_by = reply.headers.as_ref().and_then(|h| h.get("X-Answered-By"));
    if (&reply.payload[..], answered_by) != (&b"42"[..], Some("nats-py")) {
        return Err(format!("nats-py answered {reply:?}"));
    }
    let order = serde_json::json!({ "id": "7", "customer": "Ada" });
    BusMessage::json("interop.to_py", &order)
        .map_err(|e| e.to_string())?
        .sender("orders-svc")
        .trace_id(TRACE_ID)
        .correlation_id("order-7")
        .publish(client)
        .await
        .map_err(|e| format!("publish to nats-py: {e}"))
}

/// natbus reads and double-acks the message nats-py stored (once, despite the duplicate).
async fn read_what_nats_py_stored(js: &JetStream) {
    let mut config = ConsumerConfig::durable("natbus-reader");
    config.filter_subject = Some("interop.js.py".to_owned());
    let consumer = js
        .get_or_create_pull_consumer("INTEROP", config)
        .await
        .expect("consumer");
    let batch = consumer
        .fetch(FetchOptions::new(2).no_wait())
        .await
        .expect("fetch");
    assert_eq!(batch.len(), 1, "the duplicate was not stored");
    let msg = &batch[0];
    assert_eq!(msg.payload(), b"from nats-py");
    assert_eq!(msg.header("X-Sender"), Some("nats-py"));
    assert_eq!(msg.header("Nats-Msg-Id"), Some("py-1"));
    msg.double_ack().await.expect("the server confirms the ack");
    let info = consumer.info().await.expect("info");
    assert_eq!(
        (info.num_ack_pending, info.ack_floor.stream_seq),
        (0, 4),
        "{info:?}"
    );
}
