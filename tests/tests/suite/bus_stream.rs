//! Starting a service must never reset a stream that exists: `JetStream::ensure_stream`
//! (what a `Bus` uses) only adds subjects and reports other differences, while
//! `create_or_update_stream` replaces the config. The streams are made the way an operator
//! or another client would: with a raw JetStream API request.

use std::sync::Arc;
use std::time::Duration;

use natbus::bus::{BusConfig, StorageType, StreamSettings};
use natbus::jetstream::{JetStream, StreamConfig};
use natbus::{Client, Runtime};
use natbus_tests::NatsServer;

use super::bus::start_bus;
use super::logs::{capture, wait_for_line};
use super::{connect, options};

const HOUR_NANOS: u64 = 3_600_000_000_000;

/// Creates `name` with subjects `test.stream` and `audit.>`, an hour's max age, 1000
/// messages and 1 MiB, on file: a raw `STREAM.CREATE` request, not natbus's API.
async fn operator_stream(client: &Client, name: &str) {
    let body = serde_json::json!({
        "name": name,
        "subjects": ["test.stream", "audit.>"],
        "retention": "limits",
        "storage": "file",
        "max_age": HOUR_NANOS,
        "max_msgs": 1000,
        "max_bytes": 1_048_576,
        "num_replicas": 1,
    });
    let reply = client
        .request(format!("$JS.API.STREAM.CREATE.{name}"), body.to_string())
        .await
        .expect("the server answers STREAM.CREATE");
    let answer: serde_json::Value = serde_json::from_slice(&reply.payload).expect("JSON");
    assert!(answer.get("error").is_none(), "{answer}");
}

async fn config_of(js: &JetStream, name: &str) -> StreamConfig {
    js.stream_info(name).await.expect("stream info").config
}

fn bus_config(server: &NatsServer, stream: StreamSettings) -> BusConfig {
    BusConfig::new()
        .server(&server.url())
        .stream(stream)
        .request_timeout(Duration::from_secs(5))
}

pub async fn bus_never_resets_an_existing_stream(rt: Arc<dyn Runtime>) {
    capture();
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let js = client.jetstream();
    operator_stream(&client, "SHARED").await;
    let before = config_of(&js, "SHARED").await;

    // The seed's settings: one subject, file storage. Nothing of the stream changes.
    let bus = start_bus(
        &rt,
        bus_config(&server, StreamSettings::new("SHARED", ["test.stream"])),
    )
    .await;
    assert_eq!(
        config_of(&js, "SHARED").await,
        before,
        "the stream was changed"
    );
    js.publish("audit.login", "still captured")
        .await
        .expect("publishers on audit.> keep working");
    bus.drain().await.expect("drain");

    // A subject the stream does not capture is added; one it captures is not; nothing else
    // changes, and the storage it asks for is reported, not applied.
    let bus = start_bus(
        &rt,
        bus_config(
            &server,
            StreamSettings::new("SHARED", ["test.stream", "orders.new", "audit.login"])
                .storage(StorageType::Memory),
        ),
    )
    .await;
    let after = config_of(&js, "SHARED").await;
    assert_eq!(after.subjects, ["test.stream", "audit.>", "orders.new"]);
    let limits = |c: &StreamConfig| (c.max_age, c.max_msgs, c.max_bytes, c.storage, c.retention);
    assert_eq!(limits(&after), limits(&before));
    assert_eq!(after.max_age, Duration::from_nanos(HOUR_NANOS));
    let line = wait_for_line(&rt, &["INFO", "SHARED", "adding subjects"]).await;
    assert!(
        line.contains("orders.new") && !line.contains("added=[\"audit.login"),
        "{line}"
    );
    let line = wait_for_line(&rt, &["WARN", "SHARED", "storage: stream has the default"]).await;
    assert!(
        line.contains("wanted \"memory\"") && line.contains("left unchanged"),
        "{line}"
    );
    bus.drain().await.expect("drain");

    // A missing stream is created as asked.
    let created = js
        .ensure_stream(StreamConfig::new("FRESH").subjects(["fresh.>"]))
        .await
        .expect("ensure creates");
    assert_eq!(created.cached_info().config.subjects, ["fresh.>"]);
}

pub async fn create_or_update_stream_replaces_the_config(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let js = client.jetstream();
    operator_stream(&client, "OWNED").await;
    let replaced = js
        .create_or_update_stream(StreamConfig::new("OWNED").subjects(["test.stream"]))
        .await
        .expect("replace");
    let config = &replaced.cached_info().config;
    assert_eq!(
        config.subjects,
        ["test.stream"],
        "what it does not list goes"
    );
    assert_eq!(
        (config.max_msgs, config.max_bytes),
        (-1, -1),
        "limits reset"
    );
    assert_eq!(config.max_age, Duration::ZERO);
    assert_eq!(config_of(&js, "OWNED").await.subjects, ["test.stream"]);
}
