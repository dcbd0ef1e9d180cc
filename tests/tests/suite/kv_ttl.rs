//! Key-value additions of servers 2.11+: per-key TTLs and limit markers (ADR-48, also
//! with nats-py), and `keys`/`history` read by batch direct get (ADR-31). Before 2.11 the
//! TTL calls fail at once with `ServerTooOld` and `keys`/`history` read through a consumer
//! as before.

use std::sync::Arc;
use std::time::Duration;

use natbus::Runtime;
use natbus::jetstream::{
    Feature, JetStream, JetStreamError, KeyValueConfig, Operation, PublishOptions, ServerVersion,
    Store, Watch,
};
use natbus::proto::jetstream::kv::KvError;
use natbus_tests::NatsServer;

use super::js_server_version::{assert_too_old, running_version};
use super::js_support::{api_code, js_for};
use super::python::{nats_py, run_python};
use super::{WAIT, sleep, within};

const V2_11: ServerVersion = ServerVersion::new(2, 11, 0);
const SECOND: Duration = Duration::from_secs(1);

/// 10166: per-message TTLs are disabled on the stream.
const TTL_DISABLED: u16 = 10166;

async fn next(rt: &Arc<dyn Runtime>, watch: &mut Watch, what: &str) -> natbus::jetstream::Entry {
    within(rt, WAIT, what, watch.next())
        .await
        .expect("the watch ended")
        .expect("an entry")
}

pub async fn kv_per_key_ttl_expires_with_a_limit_marker(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let version = running_version(&server);
    let js = js_for(&rt, &server).await;
    let mut config = KeyValueConfig::new("SESSIONS");
    config.limit_marker_ttl = Some(SECOND);
    if version < V2_11 {
        match js.create_key_value(config).await {
            Err(JetStreamError::ServerTooOld { needs, .. }) => assert_eq!(needs, V2_11),
            other => panic!("expected ServerTooOld, got {other:?}"),
        }
        let plain = js
            .create_key_value(KeyValueConfig::new("PLAIN"))
            .await
            .expect("bucket");
        assert_too_old(
            plain.create_with_ttl("k", "v", SECOND).await,
            Feature::MessageTtl,
            Some(version),
        );
        assert_too_old(
            plain.purge_with_ttl("k", SECOND).await,
            Feature::MessageTtl,
            Some(version),
        );
        return;
    }
    let store = js.create_key_value(config).await.expect("bucket");
    assert_eq!(
        store.status().await.expect("status").limit_marker_ttl,
        Some(SECOND)
    );
    let mut watch = store.watch_updates(">").await.expect("watch");
    store
        .create_with_ttl("session.1", "alice", SECOND)
        .await
        .expect("create with a TTL");
    assert!(matches!(
        store.create_with_ttl("session.1", "bob", SECOND).await,
        Err(JetStreamError::KeyExists { .. })
    ));
    let put = next(&rt, &mut watch, "the put").await;
    assert_eq!(
        (put.key.as_str(), put.operation),
        ("session.1", Operation::Put)
    );
    // The key expires, and the watch sees why (a limit marker, read as a purge).
    let expired = next(&rt, &mut watch, "the expiry marker").await;
    assert_eq!(
        (expired.key.as_str(), expired.operation),
        ("session.1", Operation::Purge)
    );
    assert_eq!(store.get("session.1").await.expect("get"), None);
    store
        .create("session.1", "bob")
        .await
        .expect("an expired key can be created again");

    // A purge whose marker goes away after its TTL: nothing of the key is left.
    store.put("cart.7", "3 items").await.expect("put");
    store.purge_with_ttl("cart.7", SECOND).await.expect("purge");
    within(&rt, WAIT, "the purge marker to expire", async {
        while !store.history("cart.7").await.expect("history").is_empty() {
            sleep(&rt, Duration::from_millis(50)).await;
        }
    })
    .await;

    assert!(matches!(
        store
            .create_with_ttl("k", "v", Duration::from_millis(500))
            .await,
        Err(JetStreamError::Kv(KvError::TtlTooShort(_)))
    ));
    let plain = js
        .create_key_value(KeyValueConfig::new("PLAIN"))
        .await
        .expect("bucket without markers");
    assert_eq!(
        api_code(plain.create_with_ttl("k", "v", SECOND).await),
        TTL_DISABLED
    );
}

/// JetStream API calls the account made so far (DIRECT.GET is not one of them).
async fn api_calls(js: &JetStream) -> u64 {
    js.account_info().await.expect("account info").api.total
}

pub async fn kv_keys_and_history_read_by_batch_direct_get(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let version = running_version(&server);
    let js = js_for(&rt, &server).await;
    let mut config = KeyValueConfig::new("CFG");
    config.history = 5;
    let store = js.create_key_value(config).await.expect("bucket");
    for (key, value) in [("a", "1"), ("a", "2"), ("b", "1"), ("c", "1")] {
        store.put(key, value).await.expect("put");
    }
    store.delete("b").await.expect("delete");
    store.purge("c").await.expect("purge");

    // What asking for the count costs, to tell it apart from the reads' own calls.
    let first = api_calls(&js).await;
    let own = api_calls(&js).await - first;
    let before = api_calls(&js).await;
    assert_eq!(store.keys().await.expect("keys"), ["a"]);
    let history = store.history("a").await.expect("history");
    let values: Vec<&[u8]> = history.iter().map(|e| &e.value[..]).collect();
    assert_eq!(values, [b"1", b"2"]);
    let ops: Vec<Operation> = store
        .history("b")
        .await
        .expect("history")
        .iter()
        .map(|e| e.operation)
        .collect();
    assert_eq!(ops, [Operation::Put, Operation::Delete]);
    assert!(store.history("none").await.expect("history").is_empty());
    // Direct gets are not JetStream API calls; a read through a consumer makes at least
    // one (its creation).
    let calls = api_calls(&js).await - before;
    if version >= V2_11 {
        assert_eq!(calls, own, "keys/history made JetStream API calls");
    } else {
        assert!(calls > own, "2.10 reads through consumers");
    }
    many_keys_fall_back_to_a_consumer(&js, &store).await;
}

/// Past the 1024 subjects a multi-subject get may return, `keys` still lists them all.
async fn many_keys_fall_back_to_a_consumer(js: &JetStream, store: &Store) {
    const KEYS: usize = 1030;
    let mut acks = Vec::with_capacity(KEYS);
    for i in 0..KEYS {
        let subject = format!("$KV.CFG.many.{i}");
        acks.push(
            js.publish_async(&subject, None, &PublishOptions::default(), "x")
                .await
                .expect("publish"),
        );
    }
    for ack in acks {
        ack.await.expect("stored");
    }
    let keys = store.keys().await.expect("keys");
    assert_eq!(keys.len(), KEYS + 1);
}

const PY_SCRIPT: &str = r#"
import asyncio, sys
import nats

async def main(url):
    nc = await nats.connect(url)
    js = nc.jetstream()
    kv = await js.key_value("SESSIONS_PY")
    entry = await kv.get("rs.session")
    assert entry.value == b"from natbus", entry.value
    await kv.create("py.session", b"from nats-py", msg_ttl=1)
    await nc.close()
    print("nats-py kv ttl interop OK")

asyncio.run(main(sys.argv[1]))
"#;

/// natbus makes a bucket with limit markers and a key with a TTL; nats-py reads it and
/// creates its own key with a TTL, which natbus sees stored and then expire.
pub async fn kv_ttl_interop_with_nats_py(rt: Arc<dyn Runtime>) {
    let Some(python) = nats_py("kv_ttl_interop_with_nats_py") else {
        return;
    };
    let server = NatsServer::start();
    let version = running_version(&server);
    if version < V2_11 {
        println!("SKIPPED kv_ttl_interop_with_nats_py: limit markers need 2.11; this is {version}");
        return;
    }
    let js = js_for(&rt, &server).await;
    let mut config = KeyValueConfig::new("SESSIONS_PY");
    config.limit_marker_ttl = Some(SECOND);
    let store = js.create_key_value(config).await.expect("bucket");
    let mut watch = store.watch_updates("py.>").await.expect("watch");
    store
        .create_with_ttl("rs.session", "from natbus", Duration::from_secs(60))
        .await
        .expect("create with a TTL");
    let ok = "nats-py kv ttl interop OK";
    run_python(&rt, python, "kvttl", PY_SCRIPT, server.url(), ok).await;
    let put = next(&rt, &mut watch, "nats-py's key").await;
    assert_eq!(
        (put.key.as_str(), &put.value[..], put.operation),
        ("py.session", &b"from nats-py"[..], Operation::Put)
    );
    let expired = next(&rt, &mut watch, "nats-py's key to expire").await;
    assert_eq!(
        (expired.key.as_str(), expired.operation),
        ("py.session", Operation::Purge)
    );
}
