//! The bus (the Python NATBus's API): the seed's scenario of one stream with a durable push
//! and a durable pull consumer, automatic and manual acks, restarts that bind to their
//! durables, queue groups, and configuration from a file and from environment variables.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use natbus::Runtime;
use natbus::bus::{
    Bus, BusConfig, BusError, ConfigError, HandlerError, PullOptions, PushOptions, StreamSettings,
};
use natbus::envelope::{BusMessage, ReceivedMessage};
use natbus::jetstream::JetStreamError;
use natbus_tests::{NatsServer, TempDir};

use super::{WAIT, sleep, within};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0binary";

/// What a handler saw, owned so it can be sent out of the handler.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Seen {
    via: &'static str,
    payload: Vec<u8>,
    delivered: u64,
    stream_seq: u64,
    content_type: Option<String>,
    sender: Option<String>,
    trace_id: Option<String>,
    correlation_id: Option<String>,
}

impl Seen {
    fn of(via: &'static str, msg: &ReceivedMessage) -> Self {
        Seen {
            via,
            payload: msg.payload().to_vec(),
            delivered: msg.metadata().delivered,
            stream_seq: msg.metadata().stream_sequence,
            content_type: msg.content_type().map(str::to_owned),
            sender: msg.sender().map(str::to_owned),
            trace_id: msg.trace_id().map(str::to_owned),
            correlation_id: msg.correlation_id().map(str::to_owned),
        }
    }
}

fn config(server: &NatsServer, stream: &str, subject: &str) -> BusConfig {
    BusConfig::new()
        .server(&server.url())
        .name("orders-svc")
        .stream(StreamSettings::new(stream, [subject]))
        .request_timeout(Duration::from_secs(5))
}

async fn start_bus(rt: &Arc<dyn Runtime>, config: BusConfig) -> Bus {
    Bus::connect(rt.clone(), config)
        .await
        .expect("bus connects")
}

/// A handler that reports what it saw and then acks.
fn acking(
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

async fn take(rt: &Arc<dyn Runtime>, rx: &mut UnboundedReceiver<Seen>, n: usize) -> Vec<Seen> {
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
async fn quiet(rt: &Arc<dyn Runtime>, rx: &mut UnboundedReceiver<Seen>, d: Duration) {
    let sleep = rt.sleep_until(Instant::now() + d);
    if let futures::future::Either::Left((Some(seen), _)) =
        futures::future::select(rx.next(), sleep).await
    {
        panic!("nothing more was expected, got {seen:?}");
    }
}

/// Waits until `consumer` has nothing pending and its ack floor is `floor` (acks are fire
/// and forget, so the server may apply them a moment after the handler returned).
async fn wait_settled(
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

pub async fn bus_restart_binds_durables_without_redelivery(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let cfg = config(&server, "RESTART", "restart.>");
    let (tx, mut rx) = unbounded();
    let start = |bus: Bus, tx: UnboundedSender<Seen>| async move {
        bus.push_subscribe(
            PushOptions::new("restart.>").durable("r_push"),
            acking("push", &tx),
        )
        .await
        .expect("push subscribe (binds on restart)");
        bus.pull_subscribe(
            PullOptions::new("restart.>").durable("r_pull"),
            acking("pull", &tx),
        )
        .await
        .expect("pull subscribe (resumes on restart)");
        bus
    };
    let first = start(start_bus(&rt, cfg.clone()).await, tx.clone()).await;
    for i in 0..3 {
        first
            .publish(BusMessage::bytes(format!("restart.{i}"), "x", ""))
            .await
            .expect("publish");
    }
    let seen = take(&rt, &mut rx, 6).await;
    assert!(
        seen.iter().all(|s| s.stream_seq <= 3 && s.delivered == 1),
        "{seen:?}"
    );
    first.drain().await.expect("drain");

    let second = start(start_bus(&rt, cfg.clone()).await, tx.clone()).await;
    for i in 3..5 {
        second
            .publish(BusMessage::bytes(format!("restart.{i}"), "x", ""))
            .await
            .expect("publish");
    }
    let seen = take(&rt, &mut rx, 4).await;
    let seqs: BTreeSet<(&str, u64, u64)> = seen
        .iter()
        .map(|s| (s.via, s.stream_seq, s.delivered))
        .collect();
    assert_eq!(
        seqs,
        BTreeSet::from([
            ("pull", 4, 1),
            ("pull", 5, 1),
            ("push", 4, 1),
            ("push", 5, 1)
        ]),
        "only the new messages, once each"
    );
    quiet(&rt, &mut rx, Duration::from_secs(1)).await;
    // bind=false refuses an existing durable instead of resuming it.
    let err = second
        .push_subscribe(
            PushOptions::new("restart.>").durable("r_push").bind(false),
            acking("push", &tx),
        )
        .await
        .expect_err("exists");
    assert!(matches!(err, BusError::ConsumerExists { .. }), "{err:?}");
    // A push durable cannot be pulled.
    let err = second
        .pull_subscribe(
            PullOptions::new("restart.>").durable("r_push"),
            acking("pull", &tx),
        )
        .await
        .expect_err("wrong kind");
    assert!(
        matches!(
            err,
            BusError::JetStream(JetStreamError::WrongConsumerKind { .. })
        ),
        "{err:?}"
    );
    second.drain().await.expect("drain");
}

pub async fn bus_queue_group_splits_push_messages(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let cfg = config(&server, "WORK", "work.items").queue_group("workers");
    let (tx, mut rx) = unbounded();
    let mut buses = Vec::new();
    for via in ["a", "b"] {
        let bus = start_bus(&rt, cfg.clone()).await;
        bus.push_subscribe(
            PushOptions::new("work.items").durable("workers"),
            acking(via, &tx),
        )
        .await
        .expect("push subscribe in the group");
        buses.push(bus);
    }
    let info = buses[0]
        .jetstream()
        .consumer_info("WORK", "workers")
        .await
        .expect("info");
    assert_eq!(info.config.deliver_group.as_deref(), Some("workers"));
    for i in 0..40 {
        buses[0]
            .publish(BusMessage::bytes(
                "work.items",
                format!("{i}"),
                "text/plain",
            ))
            .await
            .expect("publish");
    }
    let seen = take(&rt, &mut rx, 40).await;
    quiet(&rt, &mut rx, Duration::from_millis(500)).await;
    let seqs: BTreeSet<u64> = seen.iter().map(|s| s.stream_seq).collect();
    assert_eq!(seqs.len(), 40, "each message once");
    let a = seen.iter().filter(|s| s.via == "a").count();
    assert!(a > 0 && a < 40, "both members got work: a={a} b={}", 40 - a);
    for bus in buses {
        bus.drain().await.expect("drain");
    }
}

pub async fn bus_config_from_file_and_env_vars(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let dir = TempDir::new("natbus-bus-config").expect("temp dir");
    let path = dir.path().join("bus.json");
    let json = serde_json::json!({
        "server": server.url(), "name": "from-file", "stream_create": true,
        "stream_name": "FILE_STREAM", "stream_subjects": ["file.>"], "ack_timeout": 2,
    });
    std::fs::write(&path, json.to_string()).expect("write config");
    let from_file = BusConfig::from_file(&path).expect("config file");
    assert_eq!(from_file.ack_timeout, Duration::from_secs(2));
    let bus = start_bus(&rt, from_file).await;
    let ack = bus
        .publish(BusMessage::bytes("file.a", "x", ""))
        .await
        .expect("publish");
    assert_eq!(ack.stream, "FILE_STREAM", "the file's stream was created");
    bus.close().await;

    // Environment variables, read through a lookup so the process environment is untouched.
    let url = server.url();
    let vars = move |name: &str| -> Option<String> {
        let value = match name {
            "NATBUS_SERVER" => url.as_str(),
            "NATBUS_NAME" => "from-env",
            "NATBUS_STREAM" => "ENV_STREAM",
            "NATBUS_STREAM_SUBJECTS" => "env.a, env.b",
            "NATBUS_STREAM_STORAGE" => "memory",
            "NATBUS_MANUAL_ACK" => "true",
            _ => return None,
        };
        Some(value.to_owned())
    };
    let from_env = BusConfig::from_lookup(vars).expect("env config");
    assert!(from_env.manual_ack);
    let bus = start_bus(&rt, from_env).await;
    let info = bus
        .jetstream()
        .stream_info("ENV_STREAM")
        .await
        .expect("stream ensured");
    assert_eq!(info.config.subjects, ["env.a", "env.b"]);
    let err = bus
        .publish(BusMessage::bytes("nostream.x", "x", ""))
        .await
        .expect_err("no stream");
    assert!(
        matches!(
            err,
            BusError::JetStream(JetStreamError::NoStreamForSubject { .. })
        ),
        "{err:?}"
    );
    bus.publish_core(BusMessage::bytes("nostream.x", "x", ""))
        .await
        .expect("plain NATS");
    let err = bus
        .push_subscribe(
            PushOptions::new("nostream.x"),
            acking("push", &unbounded().0),
        )
        .await
        .expect_err("no stream to consume");
    assert!(matches!(err, BusError::NoStream { .. }), "{err:?}");
    bus.drain().await.expect("drain");

    // Bad config: a clear error before any connection is made.
    std::fs::write(&path, r#"{"servers": ["x"], "manual_ack": "sometimes"}"#).expect("write");
    let err = BusConfig::from_file(&path).expect_err("bad value");
    assert!(matches!(err, ConfigError::Parse { .. }), "{err:?}");
    assert!(err.to_string().contains("bus.json"), "{err}");
    let mut bad = BusConfig::new().server(&server.url());
    bad.user = Some("someone".into());
    let err = Bus::connect(rt.clone(), bad)
        .await
        .expect_err("no password");
    assert!(
        matches!(err, BusError::Config(ConfigError::Invalid(_))),
        "{err}"
    );
    let err = Bus::connect(rt.clone(), BusConfig::new().server("nats://127.0.0.1:1"))
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, BusError::Connect(_)), "{err}");
    sleep(&rt, Duration::from_millis(10)).await;
}

pub async fn bus_stop_lets_the_running_handler_finish(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let bus = start_bus(&rt, config(&server, "STOP", "stop.x")).await;
    let (tx, mut rx) = unbounded();
    let sleeper = rt.clone();
    let sub = bus
        .push_subscribe(PushOptions::new("stop.x").durable("stopper"), move |msg| {
            let (tx, rt) = (tx.clone(), sleeper.clone());
            async move {
                let _ = tx.unbounded_send(Seen::of("push", &msg));
                sleep(&rt, Duration::from_millis(700)).await;
                Ok(())
            }
        })
        .await
        .expect("push subscribe");
    assert_eq!(bus.subscriptions().len(), 1);
    bus.publish(BusMessage::bytes("stop.x", "slow", ""))
        .await
        .expect("publish");
    take(&rt, &mut rx, 1).await;
    let started = Instant::now();
    within(&rt, WAIT, "stop", sub.stop()).await.expect("stops");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "stop waited for the handler: {:?}",
        started.elapsed()
    );
    assert!(sub.is_stopped());
    assert!(bus.subscriptions().is_empty());
    // The handler returned Ok before the stop completed, so the bus acked it (acks are
    // fire and forget: the server may take a moment to apply it).
    wait_settled(&rt, bus.jetstream(), "STOP", "stopper", 1).await;
    bus.drain().await.expect("drain");
}
