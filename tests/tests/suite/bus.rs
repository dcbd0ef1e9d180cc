//! The bus (the Python NATBus's API): the seed's scenario of one stream with a durable push
//! and a durable pull consumer, and automatic and manual acks. Restarts, queue groups,
//! stopping and configuration are in `bus_lifecycle.rs`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use natbus::Runtime;
use natbus::bus::{
    Bus, BusConfig, BusError, HandlerError, PullOptions, PushOptions, StreamSettings,
};
use natbus::envelope::{BusMessage, ReceivedMessage};
use natbus_tests::NatsServer;

use super::{WAIT, sleep, within};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0binary";

/// What a handler saw, owned so it can be sent out of the handler.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Seen {
    pub(super) via: &'static str,
    pub(super) payload: Vec<u8>,
    pub(super) delivered: u64,
    pub(super) stream_seq: u64,
    content_type: Option<String>,
    sender: Option<String>,
    trace_id: Option<String>,
    correlation_id: Option<String>,
}

impl Seen {
    pub(super) fn of(via: &'static str, msg: &ReceivedMessage) -> Self {
        Seen {
            via,
            payload: msg.payload().to_vec(),
            delivered: msg.metadata().expect("metadata").delivered,
            stream_seq: msg.metadata().expect("metadata").stream_sequence,
            content_type: msg.content_type().map(str::to_owned),
            sender: msg.sender().map(str::to_owned),
            trace_id: msg.trace_id().map(str::to_owned),
            correlation_id: msg.correlation_id().map(str::to_owned),
        }
    }
}

pub(super) fn config(server: &NatsServer, stream: &str, subject: &str) -> BusConfig {
    BusConfig::new()
        .server(&server.url())
        .name("orders-svc")
        .stream(StreamSettings::new(stream, [subject]))
        .request_timeout(Duration::from_secs(5))
}

pub(super) async fn start_bus(rt: &Arc<dyn Runtime>, config: BusConfig) -> Bus {
    Bus::connect(rt.clone(), config)
        .await
        .expect("bus connects")
}

/// A handler that reports what it saw and then acks.
pub(super) fn acking(
    via: &'static str,
    tx: &UnboundedSender<Seen>,
) -> impl Fn(ReceivedMessage) -> futures::future::BoxFuture<'static, Result<(), HandlerError>>
+ Send
+ Sync
+ 'static {
    let tx = tx.clone();
    move |msg: ReceivedMessage| {
        let tx = tx.clone();
        Box::pin(async move {
            let _ = tx.unbounded_send(Seen::of(via, &msg));
            msg.ack().await?;
            Ok(())
        })
    }
}

pub(super) async fn take(
    rt: &Arc<dyn Runtime>,
    rx: &mut UnboundedReceiver<Seen>,
    n: usize,
) -> Vec<Seen> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let what = format!("message {} of {n} (have {out:?})", out.len() + 1);
        out.push(
            within(rt, WAIT, &what, rx.next())
                .await
                .expect("handler alive"),
        );
    }
    out.sort();
    out
}

/// Asserts that nothing more arrives within `d`.
pub(super) async fn quiet(rt: &Arc<dyn Runtime>, rx: &mut UnboundedReceiver<Seen>, d: Duration) {
    let sleep = rt.sleep_until(Instant::now() + d);
    if let futures::future::Either::Left((Some(seen), _)) =
        futures::future::select(rx.next(), sleep).await
    {
        panic!("nothing more was expected, got {seen:?}");
    }
}

/// Waits until `consumer` has nothing pending and its ack floor is `floor` (acks are fire
/// and forget, so the server may apply them a moment after the handler returned).
pub(super) async fn wait_settled(
    rt: &Arc<dyn Runtime>,
    js: &natbus::jetstream::JetStream,
    stream: &str,
    consumer: &str,
    floor: u64,
) {
    let mut last = None;
    for _ in 0..100 {
        let info = js.consumer_info(stream, consumer).await.expect("info");
        let now = (
            info.num_ack_pending,
            info.num_pending,
            info.ack_floor.stream_seq,
        );
        if now == (0, 0, floor) {
            return;
        }
        last = Some(now);
        sleep(rt, Duration::from_millis(20)).await;
    }
    panic!("{consumer}: (ack pending, pending, ack floor) stayed {last:?}, not (0, 0, {floor})");
}

fn json_message() -> BusMessage {
    BusMessage::json("test.stream", &serde_json::json!({"hello": "world"}))
        .expect("JSON encodes")
        .sender("orders-svc")
        .trace_id(TRACE_ID)
        .correlation_id("order-1")
}

fn binary_message() -> BusMessage {
    BusMessage::bytes("test.stream", JPEG, "image/jpeg")
        .sender("orders-svc")
        .correlation_id("order-2")
}

pub async fn bus_push_and_pull_receive_json_and_binary(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let bus = start_bus(
        &rt,
        config(&server, "TEST_STREAM", "test.stream").manual_ack(true),
    )
    .await;
    let (tx, mut rx) = unbounded();
    let push = bus
        .push_subscribe(
            PushOptions::new("test.stream").durable("orders_push"),
            acking("push", &tx),
        )
        .await
        .expect("push subscribe");
    assert_eq!(
        (push.kind(), push.stream(), push.consumer()),
        ("push", "TEST_STREAM", "orders_push")
    );
    let pull = bus
        .pull_subscribe(
            PullOptions::new("test.stream")
                .stream("TEST_STREAM")
                .durable("orders_pull")
                .batch(10)
                .expires(Duration::from_secs_f64(1.5)),
            acking("pull", &tx),
        )
        .await
        .expect("pull subscribe");
    assert_eq!(pull.consumer(), "orders_pull");
    let ack = bus.publish(json_message()).await.expect("publish JSON");
    assert_eq!((ack.stream.as_str(), ack.seq), ("TEST_STREAM", 1));
    assert_eq!(
        bus.publish(binary_message())
            .await
            .expect("publish binary")
            .seq,
        2
    );

    let seen = take(&rt, &mut rx, 4).await;
    for via in ["pull", "push"] {
        let mine: Vec<&Seen> = seen.iter().filter(|s| s.via == via).collect();
        assert_eq!(mine.len(), 2, "{via}: {seen:?}");
        let json = mine
            .iter()
            .find(|s| s.stream_seq == 1)
            .expect("the JSON message");
        assert_eq!(json.payload, br#"{"hello":"world"}"#);
        assert_eq!(json.content_type.as_deref(), Some("application/json"));
        assert_eq!(json.sender.as_deref(), Some("orders-svc"));
        assert_eq!(json.trace_id.as_deref(), Some(TRACE_ID));
        assert_eq!(json.correlation_id.as_deref(), Some("order-1"));
        let bin = mine
            .iter()
            .find(|s| s.stream_seq == 2)
            .expect("the binary message");
        assert_eq!(bin.payload, JPEG);
        assert_eq!(bin.content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(bin.correlation_id.as_deref(), Some("order-2"));
        assert_eq!(bin.trace_id, None);
    }
    bus.drain().await.expect("drain");
    assert!(push.is_stopped() && pull.is_stopped());
    // Every message was acked: nothing pending for either durable.
    let js = super::connect(&rt, super::options(&server.url()))
        .await
        .jetstream();
    for consumer in ["orders_push", "orders_pull"] {
        wait_settled(&rt, &js, "TEST_STREAM", consumer, 2).await;
    }
    let err = bus.publish(json_message()).await.expect_err("drained");
    assert!(matches!(err, BusError::Closed), "{err:?}");
}

pub async fn bus_auto_ack_acks_on_ok_and_naks_on_err(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let bus = start_bus(&rt, config(&server, "AUTO", "auto.*")).await;
    let (tx, mut rx) = unbounded();
    let report = tx.clone();
    // Push: "fail" fails its first delivery; "term" is terminated by the handler, which
    // then fails (the bus must not nak it after the handler settled it).
    bus.push_subscribe(
        PushOptions::new("auto.*").durable("auto_push"),
        move |msg| {
            let tx = report.clone();
            async move {
                let seen = Seen::of("push", &msg);
                let _ = tx.unbounded_send(seen.clone());
                match (&seen.payload[..], seen.delivered) {
                    (b"fail", 1) => Err("first delivery fails".into()),
                    (b"term", _) => {
                        msg.term().await?;
                        Err::<(), HandlerError>("terminated".into())
                    }
                    _ => Ok(()),
                }
            }
        },
    )
    .await
    .expect("push subscribe");
    // Pull: "fail" panics on its first delivery; a panic counts as an error.
    let report = tx.clone();
    bus.pull_subscribe(
        PullOptions::new("auto.*").durable("auto_pull"),
        move |msg| {
            let tx = report.clone();
            async move {
                let seen = Seen::of("pull", &msg);
                let _ = tx.unbounded_send(seen.clone());
                if seen.payload == b"fail" && seen.delivered == 1 {
                    panic!("a handler bug");
                }
                if seen.payload == b"term" {
                    msg.term().await?;
                }
                Ok(())
            }
        },
    )
    .await
    .expect("pull subscribe");
    for payload in ["ok", "fail", "term"] {
        bus.publish(BusMessage::bytes(
            format!("auto.{payload}"),
            payload,
            "text/plain",
        ))
        .await
        .expect("publish");
    }
    let seen = take(&rt, &mut rx, 8).await;
    quiet(&rt, &mut rx, Duration::from_secs(1)).await;
    let deliveries: BTreeSet<(&str, String, u64)> = seen
        .iter()
        .map(|s| {
            (
                s.via,
                String::from_utf8_lossy(&s.payload).into_owned(),
                s.delivered,
            )
        })
        .collect();
    let mut expected = BTreeSet::new();
    for via in ["push", "pull"] {
        expected.insert((via, "ok".to_owned(), 1));
        expected.insert((via, "fail".to_owned(), 1));
        expected.insert((via, "fail".to_owned(), 2));
        expected.insert((via, "term".to_owned(), 1));
    }
    assert_eq!(deliveries, expected);
    let js = bus.jetstream();
    for consumer in ["auto_push", "auto_pull"] {
        let info = js.consumer_info("AUTO", consumer).await.expect("info");
        assert_eq!(info.num_ack_pending, 0, "{consumer}: all settled");
    }
    bus.drain().await.expect("drain");
}

pub async fn bus_manual_ack_leaves_it_to_the_handler(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let bus = start_bus(&rt, config(&server, "MANUAL", "manual.*").manual_ack(true)).await;
    let (tx, mut rx) = unbounded();
    let report = tx.clone();
    // Acks "ack" at once and everything on its second delivery; "skip" is left alone and
    // "err" fails without an ack: both come back only after ack_wait.
    bus.push_subscribe(
        PushOptions::new("manual.*")
            .durable("manual")
            .ack_wait(Duration::from_secs(1)),
        move |msg| {
            let tx = report.clone();
            async move {
                let seen = Seen::of("push", &msg);
                let _ = tx.unbounded_send(seen.clone());
                if seen.payload == b"ack" || seen.delivered > 1 {
                    msg.ack().await?;
                    return Ok(());
                }
                if seen.payload == b"err" {
                    return Err("not acked, not nak'd".into());
                }
                Ok(())
            }
        },
    )
    .await
    .expect("push subscribe");
    let started = Instant::now();
    for payload in ["ack", "skip", "err"] {
        bus.publish(BusMessage::bytes(
            format!("manual.{payload}"),
            payload,
            "text/plain",
        ))
        .await
        .expect("publish");
    }
    let first = take(&rt, &mut rx, 3).await;
    assert!(first.iter().all(|s| s.delivered == 1), "{first:?}");
    let again = take(&rt, &mut rx, 2).await;
    let redelivered: Vec<&[u8]> = again.iter().map(|s| &s.payload[..]).collect();
    assert_eq!(
        redelivered,
        [&b"err"[..], b"skip"],
        "only the unacked come back"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "redelivered after ack_wait, not nak'd at once: {:?}",
        started.elapsed()
    );
    quiet(&rt, &mut rx, Duration::from_millis(1500)).await;
    bus.drain().await.expect("drain");
}
