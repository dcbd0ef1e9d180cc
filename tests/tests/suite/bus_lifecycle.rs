//! The bus's lifecycle: restarts that bind to their durables, queue groups, stopping a
//! subscription, and configuration from a file and from environment variables.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::channel::mpsc::{UnboundedSender, unbounded};
use natbus::Runtime;
use natbus::bus::{Bus, BusConfig, BusError, ConfigError, PullOptions, PushOptions};
use natbus::envelope::BusMessage;
use natbus::jetstream::JetStreamError;
use natbus_tests::{NatsServer, TempDir};

use super::bus::{Seen, acking, config, quiet, start_bus, take, wait_settled};
use super::{WAIT, latch, within};

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
    assert!(
        matches!(&err, ConfigError::Parse { path: named, .. } if *named == path),
        "the error names the file: {err:?}"
    );
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
}

pub async fn bus_stop_lets_the_running_handler_finish(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let bus = start_bus(&rt, config(&server, "STOP", "stop.x")).await;
    let (tx, mut rx) = unbounded();
    let finished = Arc::new(AtomicBool::new(false));
    let (release, released) = latch();
    let done = finished.clone();
    let sub = bus
        .push_subscribe(PushOptions::new("stop.x").durable("stopper"), move |msg| {
            let (tx, released, done) = (tx.clone(), released.clone(), done.clone());
            async move {
                let _ = tx.unbounded_send(Seen::of("push", &msg));
                let _ = released.await;
                done.store(true, Ordering::SeqCst);
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
    let stopping = sub.stop();
    futures::pin_mut!(stopping);
    assert!(
        futures::poll!(stopping.as_mut()).is_pending(),
        "stop waits while the handler runs"
    );
    let _ = release.send(());
    within(&rt, WAIT, "stop", stopping).await.expect("stops");
    assert!(
        finished.load(Ordering::SeqCst),
        "stop returned before the handler finished"
    );
    assert!(sub.is_stopped());
    assert!(bus.subscriptions().is_empty());
    // The handler returned Ok before the stop completed, so the bus acked it (acks are
    // fire and forget: the server may take a moment to apply it).
    wait_settled(&rt, bus.jetstream(), "STOP", "stopper", 1).await;
    bus.drain().await.expect("drain");
}

pub async fn bus_stop_gives_buffered_push_messages_back(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let bus = start_bus(&rt, config(&server, "GIVE", "give.x")).await;
    let (slow_tx, mut slow_rx) = unbounded();
    let (release, released) = latch();
    let slow = bus
        .push_subscribe(PushOptions::new("give.x").durable("giver"), move |msg| {
            let (tx, released) = (slow_tx.clone(), released.clone());
            async move {
                let _ = tx.unbounded_send(Seen::of("slow", &msg));
                let _ = released.await;
                Ok(())
            }
        })
        .await
        .expect("push subscribe");
    for i in 0..5 {
        bus.publish(BusMessage::bytes("give.x", format!("{i}"), ""))
            .await
            .expect("publish");
    }
    // The first message is in the handler; the other four wait in the subscription.
    take(&rt, &mut slow_rx, 1).await;
    let stopping = slow.stop();
    futures::pin_mut!(stopping);
    assert!(futures::poll!(stopping.as_mut()).is_pending());
    let _ = release.send(());
    within(&rt, WAIT, "stop", stopping).await.expect("stops");

    // The same durable, bound again: the four come back within seconds, not after the 30 s
    // ack wait, because the stopping subscription gave them back.
    let (tx, mut rx) = unbounded();
    bus.push_subscribe(
        PushOptions::new("give.x").durable("giver"),
        acking("fast", &tx),
    )
    .await
    .expect("binds again");
    let seen = take(&rt, &mut rx, 4).await;
    let payloads: BTreeSet<Vec<u8>> = seen.iter().map(|s| s.payload.clone()).collect();
    let expected: BTreeSet<Vec<u8>> = (1..5).map(|i| format!("{i}").into_bytes()).collect();
    assert_eq!(payloads, expected, "{seen:?}");
    bus.drain().await.expect("drain");
}

pub async fn bus_connects_with_user_and_password(rt: Arc<dyn Runtime>) {
    let server = NatsServer::builder()
        .user_password("nats-user", "changeme")
        .start();
    let with = |user: &str, password: &str| {
        config(&server, "AUTH", "auth.x").user_password(user, password)
    };
    // The seed's NatsConfig(username=…, password=…) against a server that requires them.
    let bus = start_bus(&rt, with("nats-user", "changeme")).await;
    let (tx, mut rx) = unbounded();
    bus.push_subscribe(PushOptions::new("auth.x"), acking("push", &tx))
        .await
        .expect("subscribe");
    bus.publish(BusMessage::bytes("auth.x", "hi", "text/plain"))
        .await
        .expect("publish");
    assert_eq!(take(&rt, &mut rx, 1).await[0].payload, b"hi");
    bus.drain().await.expect("drain");
    for (what, config) in [
        ("a wrong password", with("nats-user", "wrong")),
        ("no credentials", config(&server, "AUTH", "auth.x")),
    ] {
        let err = Bus::connect(rt.clone(), config).await.expect_err(what);
        assert!(matches!(err, BusError::Connect(_)), "{what}: {err:?}");
        assert!(err.to_string().contains("uthorization"), "{what}: {err}");
    }
}
