//! Key-value buckets: puts, gets, CAS, deletes, history, keys, watch.

use std::sync::Arc;

use natbus::Runtime;
use natbus::jetstream::{JetStreamError, KeyValueConfig, Operation};
use natbus_tests::NatsServer;

use super::transport::Transport;
use super::{WAIT, connect, options, within};

pub async fn kv_put_get_and_cas_conflicts(rt: Arc<dyn Runtime>) {
    kv_put_get_and_cas_conflicts_over(rt, Transport::Tcp).await;
}

pub async fn kv_put_get_and_cas_conflicts_over(rt: Arc<dyn Runtime>, transport: Transport) {
    let server = transport.start(NatsServer::builder());
    let js = transport.jetstream(&rt, &server).await;
    let mut config = KeyValueConfig::new("cfg");
    config.history = 5;
    let kv = js.create_key_value(config).await.expect("bucket");
    assert_eq!(kv.get("a").await.expect("get"), None);
    let r1 = kv.put("a", "1").await.expect("put");
    let r2 = kv
        .update("a", "2", r1)
        .await
        .expect("cas at the right revision");
    assert!(r2 > r1);
    let stale = kv.update("a", "3", r1).await.expect_err("stale revision");
    assert!(
        stale
            .api_error()
            .is_some_and(|e| e.is_wrong_last_sequence()),
        "{stale:?}"
    );
    assert_eq!(kv.get("a").await.expect("get").as_deref(), Some(&b"2"[..]));
    let entry = kv.entry("a").await.expect("entry").expect("present");
    assert_eq!((entry.revision, entry.operation), (r2, Operation::Put));
    let old = kv
        .entry_at("a", r1)
        .await
        .expect("at revision")
        .expect("kept");
    assert_eq!(&old.value[..], b"1");

    let exists = kv.create("a", "x").await.expect_err("a exists");
    assert!(
        matches!(exists, JetStreamError::KeyExists { .. }),
        "{exists:?}"
    );
    kv.create("b", "new").await.expect("create absent key");
    kv.delete("a").await.expect("delete");
    assert_eq!(kv.get("a").await.expect("get"), None);
    kv.create("a", "again")
        .await
        .expect("create over a delete marker");
    assert_eq!(
        kv.get("a").await.expect("get").as_deref(),
        Some(&b"again"[..])
    );

    let history: Vec<(Operation, Vec<u8>)> = kv
        .history("a")
        .await
        .expect("history")
        .into_iter()
        .map(|e| (e.operation, e.value.to_vec()))
        .collect();
    assert_eq!(
        history,
        vec![
            (Operation::Put, b"1".to_vec()),
            (Operation::Put, b"2".to_vec()),
            (Operation::Delete, vec![]),
            (Operation::Put, b"again".to_vec()),
        ]
    );
    kv.purge("b").await.expect("purge");
    assert_eq!(kv.get("b").await.expect("get"), None);
    let mut keys = kv.keys().await.expect("keys");
    keys.sort();
    assert_eq!(keys, vec!["a".to_owned()]);
    let invalid = kv.put(".bad", "x").await.expect_err("invalid key");
    assert!(matches!(invalid, JetStreamError::Kv(_)), "{invalid:?}");

    assert!(js.delete_key_value("cfg").await.expect("delete bucket"));
    let gone = js.key_value("cfg").await.expect_err("deleted");
    assert!(
        matches!(gone, JetStreamError::BucketNotFound(_)),
        "{gone:?}"
    );
}

pub async fn kv_watch_sees_current_values_then_changes(rt: Arc<dyn Runtime>) {
    kv_watch_sees_current_values_then_changes_over(rt, Transport::Tcp).await;
}

pub async fn kv_watch_sees_current_values_then_changes_over(
    rt: Arc<dyn Runtime>,
    transport: Transport,
) {
    let server = transport.start(NatsServer::builder());
    let js = transport.jetstream(&rt, &server).await;
    let kv = js
        .create_key_value(KeyValueConfig::new("w"))
        .await
        .expect("bucket");
    kv.put("x.1", "old").await.expect("put");
    kv.put("x.1", "current").await.expect("put");
    kv.put("y", "other").await.expect("put");
    let mut watch = kv.watch("x.*").await.expect("watch");
    let first = within(&rt, WAIT, "initial value", watch.next())
        .await
        .expect("open")
        .expect("entry");
    assert_eq!(
        (first.key.as_str(), &first.value[..]),
        ("x.1", &b"current"[..])
    );
    kv.put("y", "ignored").await.expect("put");
    kv.put("x.2", "new").await.expect("put");
    kv.delete("x.1").await.expect("delete");
    let a = within(&rt, WAIT, "change", watch.next())
        .await
        .expect("open")
        .expect("entry");
    assert_eq!(
        (a.key.as_str(), a.operation, &a.value[..]),
        ("x.2", Operation::Put, &b"new"[..])
    );
    let b = within(&rt, WAIT, "delete", watch.next())
        .await
        .expect("open")
        .expect("entry");
    assert_eq!((b.key.as_str(), b.operation), ("x.1", Operation::Delete));
}

pub async fn kv_works_without_direct_get(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let js = connect(&rt, options(&server.url())).await.jetstream();
    // A bucket made by a client that leaves allow_direct off (nats-py does).
    let mut stream = KeyValueConfig::new("py")
        .to_stream_config()
        .expect("config");
    stream.allow_direct = false;
    js.create_stream(stream).await.expect("stream");
    let kv = js.key_value("py").await.expect("open bucket");
    let rev = kv.put("k", "v").await.expect("put");
    let e = kv.entry("k").await.expect("get").expect("present");
    assert_eq!((e.revision, &e.value[..]), (rev, &b"v"[..]));
    kv.delete("k").await.expect("delete");
    assert_eq!(kv.get("k").await.expect("get"), None);
}
