//! Feature checks against the server's version: a feature the server is too old for fails
//! at once with `ServerTooOld`, before anything is sent. Each test expects what the server
//! under test (`NATS_SERVER_BIN`, any release from 2.10 on) does, read from its monitoring
//! endpoint rather than from the client being tested.

use std::sync::Arc;
use std::time::Duration;

use natbus::Runtime;
use natbus::jetstream::{Feature, JetStreamError, ServerSupport, ServerVersion, StreamConfig};
use natbus_tests::{FakeServer, NatsServer, TempDir};

use super::js_support::{api_code, js_for};
use super::{connect, options, wait_until, within};

/// The version of the server under test, from `/varz`.
pub fn running_version(server: &NatsServer) -> ServerVersion {
    let varz = server.monitor("/varz");
    let text = varz["version"].as_str().expect("/varz has a version");
    text.parse().expect("/varz version parses")
}

/// Asserts that `result` is the `ServerTooOld` error for `feature` on `server`.
pub fn assert_too_old<T: std::fmt::Debug>(
    result: Result<T, JetStreamError>,
    feature: Feature,
    server: Option<ServerVersion>,
) {
    match result {
        Err(JetStreamError::ServerTooOld {
            feature: f,
            needs,
            server: s,
            ..
        }) => {
            assert_eq!(f, feature);
            assert_eq!(needs, feature.min_version());
            assert_eq!(s, server);
        }
        other => panic!("expected ServerTooOld for {feature}, got {other:?}"),
    }
}

pub async fn js_features_need_their_server_version(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let version = running_version(&server);
    let js = js_for(&rt, &server).await;
    let support = js.client().server_support().expect("connected");
    assert_eq!(support.version, Some(version), "INFO and /varz agree");

    let ttl = js.require(Feature::MessageTtl).await;
    if version >= ServerVersion::new(2, 11, 0) {
        ttl.expect("2.11+ has per-message TTLs");
    } else {
        assert_too_old(ttl, Feature::MessageTtl, Some(version));
    }

    let mut counters = StreamConfig::new("COUNTS").subjects(["counts.>"]);
    counters.allow_msg_counter = true;
    let created = js.create_stream(counters).await;
    if version >= ServerVersion::new(2, 12, 0) {
        let stream = created.expect("2.12+ creates counter streams");
        assert!(stream.cached_info().config.allow_msg_counter);
        return;
    }
    let err = created.expect_err("too old");
    assert!(
        err.to_string()
            .contains(&format!("message counters need nats-server 2.12.0 or newer (JetStream API level 2); the connected server is {version}")),
        "{err}"
    );
    assert_too_old(Err::<(), _>(err), Feature::MessageCounters, Some(version));
    // Nothing was sent: the stream does not exist.
    assert_eq!(api_code(js.stream_info("COUNTS").await), 10059);
    // What the check prevents: the old server takes the same request and silently makes a
    // stream that is no counter.
    let raw = br#"{"name":"COUNTS","subjects":["counts.>"],"allow_msg_counter":true}"#;
    js.client()
        .request("$JS.API.STREAM.CREATE.COUNTS", &raw[..])
        .await
        .expect("the old server answers");
    let info = js.stream_info("COUNTS").await.expect("it made a stream");
    assert!(!info.config.allow_msg_counter, "{:?}", info.config);
}

pub async fn js_feature_check_follows_a_reconnect_to_an_older_server(rt: Arc<dyn Runtime>) {
    let mut real = NatsServer::start();
    let version = running_version(&real);
    let old = ServerVersion::new(2, 10, 26);
    let fake = FakeServer::builder()
        .version(&old.to_string())
        .jetstream(true)
        .start();
    let client = connect(
        &rt,
        options(&real.url())
            .server(&fake.url())
            .retain_server_order(true)
            .ignore_discovered_servers(true),
    )
    .await;
    let js = client.jetstream();
    assert_eq!(
        client.server_support().and_then(|s| s.version),
        Some(version)
    );

    real.stop();
    wait_until(&rt, "the client to reconnect to the fake 2.10.26", || {
        client.server_support().and_then(|s| s.version) == Some(old)
    })
    .await;
    assert_too_old(
        js.require(Feature::MessageSchedules).await,
        Feature::MessageSchedules,
        Some(old),
    );
    // The check sends nothing: the fake never answers a request, so a create that went
    // out would wait for the 5 s request timeout.
    let mut schedules = StreamConfig::new("SCHED").subjects(["sched.>"]);
    schedules.allow_msg_schedules = true;
    let created = within(
        &rt,
        Duration::from_secs(2),
        "the check to refuse without a request",
        js.create_stream(schedules),
    )
    .await;
    assert_too_old(created, Feature::MessageSchedules, Some(old));
}

pub async fn js_feature_check_asks_the_jetstream_of_a_domain(rt: Arc<dyn Runtime>) {
    let store = TempDir::new("natbus-domain").expect("temp dir");
    let dir = store.path().to_string_lossy().replace('\\', "/");
    let server = NatsServer::builder()
        .jetstream(false)
        .config(&format!(
            "jetstream {{\n  store_dir: \"{dir}\"\n  domain: hub\n}}"
        ))
        .start();
    let version = running_version(&server);
    let js = js_for(&rt, &server).await.with_domain("hub");

    // Through a domain the answering server is not known from INFO: its API level is asked.
    let first = js.server_support().await.expect("$JS.hub.API.INFO answers");
    let before = js.account_info().await.expect("account info").api;
    assert_eq!(first, ServerSupport::from_api_level(before.level));
    for _ in 0..3 {
        assert_eq!(js.server_support().await.expect("cached"), first);
    }
    let after = js.account_info().await.expect("account info").api;
    assert_eq!(
        after.total,
        before.total + 1,
        "the level is asked once per connection"
    );

    let ttl = js.require(Feature::MessageTtl).await;
    if version >= ServerVersion::new(2, 11, 0) {
        ttl.expect("2.11+ reports API level 1 or more");
    } else {
        assert_too_old(ttl, Feature::MessageTtl, None);
    }
}
