//! Publish retries (ADR-22) on one server: a publish that reaches no stream is sent again
//! until the stream exists; a publish with a `Nats-Msg-Id` whose ack was lost (the
//! connection dropped, or the ack timed out) is sent again and stored once; one without an
//! id is not.
//!
//! An ack is lost on purpose with a `no_ack` stream: it stores the first attempt without
//! answering. The test waits until the message is stored, switches `no_ack` off, and then
//! drops the connection (or lets the ack time out): the retry is answered, with
//! `duplicate: true`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use natbus::bus::{Bus, BusConfig};
use natbus::envelope::BusMessage;
use natbus::jetstream::{
    JetStream, JetStreamError, PubAck, PublishOptions, RetryPolicy, StreamConfig,
};
use natbus::{Client, RequestError, Runtime};
use natbus_tests::NatsServer;

use super::{connect, options, sleep, within};

const STREAM: &str = "RETRY";

/// How long anything here may take: these tests run beside cluster tests on 2 shared
/// cores, where a stream create or an update can take seconds. Waits end as soon as their
/// condition holds, so a long deadline costs nothing when all is well.
const PATIENCE: Duration = Duration::from_secs(60);

/// Retries, 50 ms apart, for as long as [`PATIENCE`]: a retry loop must not give up
/// before the test's own deadline does.
fn patient() -> RetryPolicy {
    RetryPolicy::default()
        .attempts(1200)
        .wait(Duration::from_millis(50))
}

/// Polls `done` every 10 ms until it holds, for at most [`PATIENCE`].
async fn wait_until(rt: &Arc<dyn Runtime>, what: &str, mut done: impl FnMut() -> bool) {
    within(rt, PATIENCE, what, async {
        while !done() {
            sleep(rt, Duration::from_millis(10)).await;
        }
    })
    .await;
}

async fn stored(js: &JetStream) -> u64 {
    js.stream_info(STREAM)
        .await
        .expect("stream info")
        .state
        .messages
}

/// Sets the stream's `no_ack`.
async fn set_no_ack(js: &JetStream, no_ack: bool) {
    let mut config = js.stream_info(STREAM).await.expect("stream info").config;
    config.no_ack = no_ack;
    js.update_stream(config).await.expect("update no_ack");
}

/// Runs `publish` (on `publisher`) against the stream with `no_ack` on, so that its first
/// attempt is stored without an answer; once stored, switches `no_ack` off (with `admin`)
/// and drops the publisher's connection. Returns what the publish returned.
async fn with_lost_ack<T>(
    rt: &Arc<dyn Runtime>,
    admin: &JetStream,
    publisher: &Client,
    publish: impl Future<Output = T>,
) -> T {
    set_no_ack(admin, true).await;
    let before = stored(admin).await;
    let drop_connection = async {
        within(rt, PATIENCE, "the first attempt stored", async {
            while stored(admin).await == before {
                sleep(rt, Duration::from_millis(10)).await;
            }
        })
        .await;
        set_no_ack(admin, false).await;
        publisher.force_reconnect().await.expect("force reconnect");
    };
    let (result, ()) = futures::future::join(publish, drop_connection).await;
    result
}

pub async fn js_publish_is_retried_until_the_stream_exists(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let publisher = connect(&rt, options(&server.url())).await;
    let admin = connect(&rt, options(&server.url())).await.jetstream();
    let js = publisher.jetstream().with_publish_retry(patient());

    // The stream is created only once the first attempt has come back with a 503.
    let create = async {
        wait_until(&rt, "the first 503", || {
            publisher.statistics().connection.in_msgs >= 1
        })
        .await;
        admin
            .create_stream(StreamConfig::new(STREAM).subjects(["late.>"]))
            .await
            .expect("create the stream");
    };
    let (ack, ()) = within(
        &rt,
        PATIENCE,
        "the publish",
        futures::future::join(js.publish("late.order", "1"), create),
    )
    .await;
    let ack = ack.expect("stored once the stream exists");
    assert_eq!(
        (ack.stream.as_str(), ack.seq, ack.duplicate),
        (STREAM, 1, false)
    );
    let attempts = publisher.statistics().connection.out_msgs;
    assert!(
        attempts >= 2,
        "the first attempt got a 503, so it was retried: {attempts}"
    );
    assert_eq!(stored(&admin).await, 1);

    // The same for an async publish. The count is read before sending: the 503 may be in
    // before `publish_async` returns.
    let replies = publisher.statistics().connection.in_msgs;
    let pending = js
        .publish_async("later.order", None, &PublishOptions::default(), "2")
        .await
        .expect("sent");
    wait_until(&rt, "the async publish's 503", || {
        publisher.statistics().connection.in_msgs > replies
    })
    .await;
    let mut config = admin.stream_info(STREAM).await.expect("info").config;
    config.subjects.push("later.>".into());
    admin.update_stream(config).await.expect("add a subject");
    let ack = within(&rt, PATIENCE, "the async ack", pending)
        .await
        .expect("stored");
    assert_eq!((ack.seq, ack.duplicate), (2, false));
    publisher.close().await;
}

pub async fn js_publish_without_a_stream_reports_it_after_the_retries(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let js = client.jetstream();
    assert_eq!(js.publish_retry(), RetryPolicy::default());
    for (policy, attempts) in [(RetryPolicy::default(), 3), (RetryPolicy::none(), 1)] {
        let js = js.clone().with_publish_retry(policy);
        let sent = client.statistics().connection.out_msgs;
        let err = js
            .publish("nowhere.at.all", "x")
            .await
            .expect_err("no stream");
        assert!(
            matches!(err, JetStreamError::NoStreamForSubject { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("create a stream"), "{err}");
        assert!(!err.is_retryable());
        // The attempts, then one stream look-up.
        let requests = client.statistics().connection.out_msgs - sent;
        assert_eq!(requests, attempts + 1, "{policy:?}");
    }
    client.close().await;
}

pub async fn js_publish_with_an_id_is_retried_after_a_lost_connection_and_stored_once(
    rt: Arc<dyn Runtime>,
) {
    let server = NatsServer::start();
    let admin = connect(&rt, options(&server.url())).await.jetstream();
    admin
        .create_stream(StreamConfig::new(STREAM).subjects(["once.>"]))
        .await
        .expect("create");
    let publisher = connect(&rt, options(&server.url())).await;
    // A long ack timeout: the lost connection, not a timeout, ends the first attempt.
    let js = publisher
        .jetstream()
        .with_timeout(Duration::from_secs(30))
        .with_publish_retry(patient());

    let with_id = PublishOptions {
        msg_id: Some("order-1".into()),
        ..PublishOptions::default()
    };
    let ack = with_lost_ack(
        &rt,
        &admin,
        &publisher,
        js.publish_with("once.a", None, &with_id, "a"),
    )
    .await
    .expect("the retry is acknowledged");
    assert_eq!(
        (ack.seq, ack.duplicate),
        (1, true),
        "the retry found the first attempt stored"
    );
    assert_eq!(stored(&admin).await, 1);

    // Without an id the outcome is unknown, so the error is reported, not retried.
    let err = with_lost_ack(&rt, &admin, &publisher, js.publish("once.b", "b"))
        .await
        .expect_err("not retried");
    assert!(
        matches!(
            err,
            JetStreamError::Request(RequestError::Disconnected { .. })
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(stored(&admin).await, 2);

    // A policy that gives every message an id retries it like the first.
    let generated = js
        .clone()
        .with_publish_retry(patient().generate_msg_id(true));
    let ack = with_lost_ack(&rt, &admin, &publisher, generated.publish("once.c", "c"))
        .await
        .expect("retried with its generated id");
    assert_eq!((ack.seq, ack.duplicate), (3, true));
    let stored_c = admin
        .get_stream(STREAM)
        .await
        .expect("stream")
        .get_message(3)
        .await
        .expect("message 3");
    let id = stored_c.header("Nats-Msg-Id");
    assert!(
        id.is_some_and(|id| id.len() >= 16),
        "a generated id: {id:?}"
    );

    // The bus publishes through the same retries.
    let bus = Bus::with_client(publisher.clone(), BusConfig::new().publish_retry(patient()))
        .await
        .expect("bus");
    let message = BusMessage::bytes("once.d", "d", "text/plain").header("Nats-Msg-Id", "order-4");
    let ack: PubAck = with_lost_ack(&rt, &admin, &publisher, bus.publish(message))
        .await
        .expect("the bus retried");
    assert_eq!((ack.seq, ack.duplicate), (4, true));
    assert_eq!(stored(&admin).await, 4);
    publisher.close().await;
}

pub async fn js_publish_async_with_an_id_is_retried_after_an_ack_timeout(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let admin = connect(&rt, options(&server.url())).await.jetstream();
    let mut config = StreamConfig::new(STREAM).subjects(["async.>"]);
    config.no_ack = true;
    admin.create_stream(config).await.expect("create");
    let publisher = connect(&rt, options(&server.url())).await;
    let js = publisher
        .jetstream()
        .with_timeout(Duration::from_millis(300))
        .with_publish_retry(patient());
    let with_id = PublishOptions {
        msg_id: Some("async-1".into()),
        ..PublishOptions::default()
    };
    let pending = js
        .publish_async("async.a", None, &with_id, "a")
        .await
        .expect("sent");
    within(&rt, PATIENCE, "the first attempt stored", async {
        while stored(&admin).await == 0 {
            sleep(&rt, Duration::from_millis(10)).await;
        }
    })
    .await;
    set_no_ack(&admin, false).await;
    let ack = within(&rt, PATIENCE, "the retried ack", pending)
        .await
        .expect("a retry after the timeout is acknowledged");
    assert_eq!((ack.seq, ack.duplicate), (1, true));
    assert_eq!(stored(&admin).await, 1);

    // Without an id, the timeout is the answer.
    set_no_ack(&admin, true).await;
    let err = js
        .publish_async("async.b", None, &PublishOptions::default(), "b")
        .await
        .expect("sent")
        .await
        .expect_err("no ack, no retry");
    assert!(matches!(err, JetStreamError::Timeout { .. }), "{err:?}");
    assert_eq!(stored(&admin).await, 2);
    publisher.close().await;
}
