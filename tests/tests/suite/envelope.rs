//! The message envelope over a real server: JSON and binary payloads, sender, trace id
//! (with W3C traceparent) and correlation id.

use std::sync::Arc;

use natbus::envelope::{BusEnvelope, BusMessage};
use natbus::{HeaderMap, Runtime};
use natbus_tests::NatsServer;
use serde::{Deserialize, Serialize};

use super::{WAIT, connect, options, within};

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Order {
    id: String,
    customer: String,
}

pub async fn envelope_round_trips_json_and_bytes(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let mut sub = client.subscribe("test.stream").await.expect("subscribe");
    client.flush().await.expect("flush");
    let order = Order {
        id: "123".into(),
        customer: "Ada".into(),
    };
    let trace_id = "0af7651916cd43dd8448eb211c80319c";
    BusMessage::json("test.stream", &order)
        .expect("JSON")
        .sender("orders-svc")
        .trace_id(trace_id)
        .correlation_id("order-123")
        .publish(&client)
        .await
        .expect("publish");
    client
        .publish_bus(
            BusMessage::bytes("test.stream", &b"\xff\xd8\xff binary"[..], "image/jpeg")
                .sender("orders-svc"),
        )
        .await
        .expect("publish");

    let msg = within(&rt, WAIT, "the JSON message", sub.next())
        .await
        .expect("open");
    let envelope = BusEnvelope::from(&msg);
    assert_eq!(envelope.content_type(), Some("application/json"));
    assert_eq!(envelope.sender(), Some("orders-svc"));
    assert_eq!(envelope.trace_id(), Some(trace_id));
    assert_eq!(envelope.correlation_id(), Some("order-123"));
    let traceparent = envelope.traceparent().expect("a W3C traceparent");
    let fields: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(fields.len(), 4, "{traceparent}");
    assert_eq!((fields[0], fields[1], fields[3]), ("00", trace_id, "01"));
    assert_eq!(fields[2].len(), 16);
    assert_eq!(envelope.json::<Order>().expect("an order"), order);
    assert_eq!(envelope.text(), Ok(r#"{"id":"123","customer":"Ada"}"#));

    let msg = within(&rt, WAIT, "the binary message", sub.next())
        .await
        .expect("open");
    let envelope = BusEnvelope::from(&msg);
    assert_eq!(envelope.content_type(), Some("image/jpeg"));
    assert_eq!(&msg.payload[..], b"\xff\xd8\xff binary");
    assert!(envelope.text().is_err(), "not UTF-8");
    assert_eq!(envelope.trace_id(), None);
}

pub async fn envelope_reads_foreign_traceparent(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let mut sub = client.subscribe("traced").await.expect("subscribe");
    client.flush().await.expect("flush");
    // As an OpenTelemetry-instrumented publisher would send it: only traceparent.
    let mut headers = HeaderMap::new();
    headers.insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    );
    client
        .publish_with_headers("traced", headers, "hi")
        .await
        .expect("publish");
    // A non-W3C trace id travels as X-Trace-Id only.
    BusMessage::bytes("traced", "hi", "text/plain")
        .trace_id("job-42")
        .publish(&client)
        .await
        .expect("publish");
    let msg = within(&rt, WAIT, "the message", sub.next())
        .await
        .expect("open");
    let envelope = BusEnvelope::from(&msg);
    assert_eq!(
        envelope.trace_id(),
        Some("4bf92f3577b34da6a3ce929d0e0e4736")
    );
    assert_eq!(envelope.content_type(), None);
    let msg = within(&rt, WAIT, "the message", sub.next())
        .await
        .expect("open");
    let envelope = BusEnvelope::from(&msg);
    assert_eq!(envelope.trace_id(), Some("job-42"));
    assert_eq!(envelope.traceparent(), None);
    assert_eq!(envelope.text(), Ok("hi"));
}
