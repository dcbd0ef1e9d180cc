//! Extreme user durations (issue 13, defect 3): a timeout of `Duration::MAX` (or
//! `u64::MAX` seconds) means "no timeout" everywhere and never panics; a zero timeout
//! ends the wait at once.

use std::sync::Arc;
use std::time::Duration;

use natbus::jetstream::{
    ConsumeOptions, ConsumerConfig, FetchOptions, KeyValueConfig, ObjectStoreConfig,
    OrderedOptions, PublishOptions, StreamConfig,
};
use natbus::{
    ConnectOptions, FlushError, RequestError, RequestManyOptions, RequestOptions, Runtime,
};
use natbus_tests::NatsServer;

use super::{WAIT, connect, options, within};

/// The extremes every duration option is tried with.
const EXTREMES: [Duration; 4] = [
    Duration::ZERO,
    Duration::from_nanos(1),
    Duration::from_secs(u64::MAX),
    Duration::MAX,
];

/// What "no timeout" is written as.
const NO_TIMEOUT: [Duration; 2] = [Duration::MAX, Duration::from_secs(u64::MAX)];

/// Every duration option of a client set to `d`.
fn all_durations(url: &str, d: Duration) -> ConnectOptions {
    options(url)
        .request_timeout(d)
        .connect_timeout(d)
        .drain_timeout(d)
        .ping_interval(d)
        .reconnect_delay(d, d, d)
}

/// Requests, flushes, scatter-gather, a service stop and a drain with "no timeout" all
/// succeed.
pub async fn core_waits_without_timeout_succeed(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    for d in NO_TIMEOUT {
        let client = connect(&rt, all_durations(&server.url(), d)).await;
        let mut requests = client.subscribe("echo").await.expect("subscribe");
        client.flush().await.expect("a flush without timeout");
        let responder = {
            let client = client.clone();
            async move {
                for _ in 0..3 {
                    let request = requests.next().await.expect("a request");
                    let reply = request.reply.expect("a reply subject");
                    client.publish(reply.as_str(), "pong").await.expect("reply");
                }
            }
        };
        let asking = async {
            let plain = client.request("echo", "ping").await.expect("request");
            let with = client
                .request_with(
                    "echo",
                    "ping",
                    RequestOptions {
                        headers: None,
                        timeout: Some(d),
                    },
                )
                .await
                .expect("request without timeout");
            let mut replies = client
                .request_many(
                    "echo",
                    "ping",
                    RequestManyOptions::default()
                        .timeout(d)
                        .stall(d)
                        .max_replies(1),
                )
                .await
                .expect("request_many");
            let gathered = replies.next().await.expect("a reply").expect("no error");
            (plain, with, gathered)
        };
        let (_, (plain, with, gathered)) = within(
            &rt,
            WAIT,
            "three requests without timeout",
            futures::future::join(responder, asking),
        )
        .await;
        for reply in [plain, with, gathered] {
            assert_eq!(&reply.payload[..], b"pong");
        }

        let service = client
            .service_builder()
            .name("forever")
            .version("1.0.0")
            .stop_timeout(d)
            .start()
            .await
            .expect("start a service");
        within(&rt, WAIT, "a service stop", service.stop())
            .await
            .expect("a stop without timeout");
        within(&rt, WAIT, "a drain", client.drain())
            .await
            .expect("a drain without timeout");
    }
}

/// A zero timeout ends a request and a flush at once (or they win the race), and a
/// stop of a service with nothing in flight still succeeds.
pub async fn core_waits_with_zero_timeout_end_at_once(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url()).request_timeout(Duration::ZERO)).await;
    let _silent = client.subscribe("silent").await.expect("subscribe");
    let asked = within(
        &rt,
        WAIT,
        "a zero-timeout request",
        client.request("silent", ""),
    )
    .await;
    assert!(
        matches!(asked, Err(RequestError::TimedOut { .. })),
        "{asked:?}"
    );
    let flushed = within(&rt, WAIT, "a zero-timeout flush", client.flush()).await;
    assert!(
        matches!(flushed, Ok(()) | Err(FlushError::TimedOut(_))),
        "{flushed:?}"
    );
}

/// JetStream with "no timeout": API calls, publishes, acks, a fetch, a continuous pull,
/// key-value and object store reads all work.
pub async fn jetstream_waits_without_timeout_work(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    for d in NO_TIMEOUT {
        let client = connect(&rt, all_durations(&server.url(), d)).await;
        let js = client.jetstream().with_timeout(d);
        within(&rt, WAIT, "JetStream without timeout", async {
            js.create_stream(StreamConfig::new("FOREVER").subjects(["forever.>"]))
                .await
                .expect("create a stream");
            js.publish("forever.a", "1").await.expect("publish");
            let ack = js
                .publish_async("forever.b", None, &PublishOptions::default(), "2")
                .await
                .expect("publish_async");
            ack.await.expect("an async ack");

            let consumer = js
                .get_or_create_pull_consumer("FOREVER", ConsumerConfig::durable("f"))
                .await
                .expect("consumer");
            let batch = consumer
                .fetch(FetchOptions::new(1).expires(d))
                .await
                .expect("a fetch without expiry");
            assert_eq!(batch.len(), 1);
            batch[0].ack().await.expect("ack");
            let mut messages = consumer
                .messages(ConsumeOptions::messages(10).expires(d))
                .await
                .expect("messages");
            let next = messages.next().await.expect("a message").expect("no error");
            assert_eq!(next.payload(), b"2");

            let mut ordered = js
                .ordered_consumer("FOREVER", OrderedOptions::default().idle_heartbeat(d))
                .await
                .expect("an ordered consumer without heartbeat");
            let first = ordered.next().await.expect("a message").expect("no error");
            assert_eq!(first.payload(), b"1");
            let mut push_config = ConsumerConfig::default();
            push_config.idle_heartbeat = Some(d);
            push_config.ack_wait = Some(d);
            let mut push = js
                .push_subscribe("FOREVER", push_config)
                .await
                .expect("a push consumer without heartbeat");
            let first = push.next().await.expect("a message").expect("no error");
            assert_eq!(first.payload(), b"1");

            let kv = js
                .create_key_value(KeyValueConfig::new("forever"))
                .await
                .expect("a bucket");
            kv.put("k", "v").await.expect("put");
            assert_eq!(kv.get("k").await.expect("get").as_deref(), Some(&b"v"[..]));
            assert_eq!(kv.keys().await.expect("keys"), vec!["k".to_owned()]);

            let obs = js
                .create_object_store(ObjectStoreConfig::new("forever"))
                .await
                .expect("an object store");
            obs.put_bytes("o", vec![7u8; 300_000])
                .await
                .expect("put an object");
            let object = obs.get("o").await.expect("get an object");
            let bytes = object.bytes().await.expect("the object's bytes");
            assert_eq!(bytes.len(), 300_000);

            js.delete_stream("FOREVER")
                .await
                .expect("delete the stream");
            js.delete_key_value("forever")
                .await
                .expect("delete the bucket");
            js.delete_object_store("forever")
                .await
                .expect("delete the object store");
        })
        .await;
    }
}

/// Sets one duration option.
type SetDuration = fn(ConnectOptions, Duration) -> ConnectOptions;

/// Each duration option of a client, alone, at each extreme: connecting, a request, a
/// flush, a JetStream call and a fetch, a service stop and a drain each end (well within
/// the test's deadline) with a result or a clear error, and nothing panics.
pub async fn every_duration_option_takes_the_extremes(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let url = server.url();
    let setters: [(&str, SetDuration); 5] = [
        ("connect_timeout", |o, d| o.connect_timeout(d)),
        ("request_timeout", |o, d| o.request_timeout(d)),
        ("drain_timeout", |o, d| o.drain_timeout(d)),
        ("ping_interval", |o, d| o.ping_interval(d)),
        ("reconnect_delay", |o, d| o.reconnect_delay(d, d, d)),
    ];
    let responder = connect(&rt, options(&url)).await;
    let mut requests = responder.subscribe("extreme").await.expect("subscribe");
    responder.flush().await.expect("flush");
    let js = responder.jetstream();
    js.create_stream(StreamConfig::new("EXTREME").subjects(["extreme.js"]))
        .await
        .expect("create a stream");
    js.create_consumer("EXTREME", ConsumerConfig::durable("c"))
        .await
        .expect("create a consumer");
    let answering = async {
        while let Some(request) = requests.next().await {
            if let Some(reply) = request.reply {
                let _ = responder.publish(reply.as_str(), "ok").await;
            }
        }
    };
    let trying = async {
        let mut connected = 0;
        for (name, set) in setters {
            for d in EXTREMES {
                let what = format!("{name} = {d:?}");
                let options = set(options(&url), d);
                let client = match natbus::connect_with(rt.clone(), options).await {
                    Ok(client) => client,
                    // A zero or 1 ns connect timeout may end the dial before it is made.
                    Err(e) => {
                        assert!(
                            name == "connect_timeout" && d <= Duration::from_nanos(1),
                            "{what}: {e}"
                        );
                        continue;
                    }
                };
                connected += 1;
                let _ = client.request("extreme", "").await;
                let _ = client.flush().await;
                let js = client.jetstream().with_timeout(d);
                let _ = js.account_info().await;
                if let Ok(consumer) = client.jetstream().pull_consumer("EXTREME", "c").await {
                    // A message waits, so even a fetch that may wait forever returns.
                    let _ = responder.jetstream().publish("extreme.js", "m").await;
                    let _ = consumer.fetch(FetchOptions::new(1).expires(d)).await;
                }
                let service = client
                    .service_builder()
                    .name("extreme")
                    .version("1.0.0")
                    .stop_timeout(d)
                    .start()
                    .await;
                if let Ok(service) = service {
                    let _ = service.stop().await;
                }
                let _ = client.drain().await;
                client.close().await;
            }
        }
        connected
    };
    let outcome = within(
        &rt,
        WAIT,
        "every option at every extreme",
        futures::future::select(Box::pin(answering), Box::pin(trying)),
    )
    .await;
    let futures::future::Either::Right((connected, _)) = outcome else {
        panic!("the responder stopped before the clients were done");
    };
    assert!(connected >= 18, "only {connected} of 20 clients connected");
}
