//! Batch publishing (ADR-50) against a real server: atomic batches (2.12+) store all of
//! their messages or none, with a clear error for each rejection; fast-ingest batches
//! (2.14+) store thousands of messages under the server's flow control. On older servers
//! the same calls fail at once with `ServerTooOld`.

use std::sync::Arc;

use natbus::jetstream::{
    BatchError, FastBatchConfig, Feature, GapMode, JetStream, JetStreamError, ServerVersion,
    StreamConfig,
};
use natbus::{HeaderMap, Runtime};
use natbus_tests::NatsServer;

use super::js_server_version::{assert_too_old, running_version};
use super::js_support::js_for;
use super::{WAIT, within};

const V2_12: ServerVersion = ServerVersion::new(2, 12, 0);
const V2_14: ServerVersion = ServerVersion::new(2, 14, 0);

async fn stream(js: &JetStream, name: &str, subjects: &str, configure: fn(&mut StreamConfig)) {
    let mut config = StreamConfig::new(name).subjects([subjects]);
    configure(&mut config);
    js.create_stream(config).await.expect("create the stream");
}

async fn stored(js: &JetStream, name: &str) -> u64 {
    js.stream_info(name).await.expect("info").state.messages
}

fn expect_last(seq: u64) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("Nats-Expected-Last-Sequence", seq.to_string());
    h
}

pub async fn js_atomic_batch_stores_all_or_nothing(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let version = running_version(&server);
    let js = js_for(&rt, &server).await;
    if version < V2_12 {
        let mut batch = js.atomic_batch();
        assert_too_old(
            batch.add("a.1", None, "x").await,
            Feature::AtomicBatch,
            Some(version),
        );
        return;
    }
    stream(&js, "ATOMIC", "a.>", |c| c.allow_atomic = true).await;

    // Three messages, one commit: all stored, the ack names the batch.
    let mut batch = js.atomic_batch();
    batch.add("a.1", None, "one").await.expect("first");
    batch.add("a.2", None, "two").await.expect("second");
    assert_eq!(batch.len(), 2);
    let id = batch.id().to_owned();
    let ack = within(&rt, WAIT, "the commit", batch.commit("a.3", None, "three"))
        .await
        .expect("committed");
    assert_eq!((ack.seq, ack.count), (3, 3));
    assert_eq!(ack.batch.as_deref(), Some(id.as_str()));
    let last = js
        .get_stream("ATOMIC")
        .await
        .expect("stream")
        .get_message(3)
        .await
        .expect("message 3");
    assert_eq!(last.header("Nats-Batch-Id"), Some(id.as_str()));

    // A precondition that fails at the commit: nothing of the batch is stored.
    let mut batch = js.atomic_batch();
    batch
        .add("a.4", Some(expect_last(99)), "four")
        .await
        .expect("the first message opens the batch");
    batch.add("a.5", None, "five").await.expect("second");
    let err = batch
        .commit("a.6", None, "six")
        .await
        .expect_err("wrong last sequence");
    assert!(
        err.api_error().is_some_and(|e| e.is_wrong_last_sequence()),
        "{err:?}"
    );
    assert_eq!(stored(&js, "ATOMIC").await, 3, "none of the failed batch");

    // More messages than the server allows in a batch (1,000 by default).
    let mut batch = js.atomic_batch();
    for i in 0..1000 {
        batch.add("a.big", None, i.to_string()).await.expect("add");
    }
    let err = batch
        .commit("a.big", None, "1001")
        .await
        .expect_err("too large");
    assert!(
        err.api_error().is_some_and(|e| e.is_batch_too_large()),
        "{err:?}"
    );
    assert!(err.to_string().contains("split the batch"), "{err}");
    assert_eq!(stored(&js, "ATOMIC").await, 3);

    // A stream without allow_atomic refuses at the first message, saying what to change.
    stream(&js, "PLAIN", "p.>", |_| {}).await;
    let mut batch = js.atomic_batch();
    let err = batch.add("p.1", None, "x").await.expect_err("disabled");
    assert!(
        err.api_error().is_some_and(|e| e.is_batch_disabled()),
        "{err:?}"
    );
    assert!(err.to_string().contains("allow_atomic"), "{err}");
    assert!(matches!(
        batch.add("p.2", None, "y").await,
        Err(JetStreamError::Batch(BatchError::Finished))
    ));
    assert_eq!(stored(&js, "PLAIN").await, 0);

    // No stream at all.
    let err = js
        .atomic_batch()
        .add("nowhere", None, "x")
        .await
        .expect_err("no stream");
    assert!(
        matches!(err, JetStreamError::Batch(BatchError::NoStream)),
        "{err:?}"
    );
}

pub async fn js_fast_batch_ingests_under_flow_control(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let version = running_version(&server);
    let js = js_for(&rt, &server).await;
    if version < V2_14 {
        assert_too_old(
            js.fast_batch(FastBatchConfig::default()).await,
            Feature::FastBatch,
            Some(version),
        );
        return;
    }
    stream(&js, "FAST", "f.>", |c| c.allow_batched = true).await;

    // Thousands of messages with few acks, ended without an extra message.
    const N: u64 = 3000;
    let mut batch = js
        .fast_batch(FastBatchConfig::default().flow(50))
        .await
        .expect("batch");
    let mut last = None;
    for i in 0..N {
        last = Some(
            within(
                &rt,
                WAIT,
                "an add",
                batch.add("f.metrics", None, i.to_string()),
            )
            .await
            .expect("added"),
        );
    }
    let last = last.expect("messages were added");
    assert_eq!(last.batch_seq, N);
    assert!(last.ack_seq <= N);
    let window = u64::from(batch.state().flow()) * 2;
    assert!(
        batch.state().sent() <= batch.state().acked() + window,
        "the window held"
    );
    let ack = within(&rt, WAIT, "the end of the batch", batch.commit_eob())
        .await
        .expect("committed");
    assert_eq!((ack.seq, ack.count), (N, N));
    assert_eq!(stored(&js, "FAST").await, N);

    // A batch ended by a stored commit message.
    let mut batch = js
        .fast_batch(FastBatchConfig::default())
        .await
        .expect("batch");
    batch.add("f.a", None, "a").await.expect("add");
    let ack = batch.commit("f.b", None, "b").await.expect("committed");
    assert_eq!((ack.seq, ack.count), (N + 2, 2));

    // Gap mode ok: a refused message is reported and the batch goes on.
    let mut batch = js
        .fast_batch(FastBatchConfig::default().gap(GapMode::Ok))
        .await
        .expect("batch");
    batch.add("f.c", None, "c").await.expect("add");
    batch
        .add("f.c", Some(&expect_last(1)), "refused")
        .await
        .expect("ok mode goes on");
    batch.add("f.c", None, "c2").await.expect("add");
    let ack = batch.commit("f.c", None, "c3").await.expect("committed");
    assert_eq!(stored(&js, "FAST").await, N + 5, "all but the refused one");
    assert_eq!(ack.seq, N + 5);

    // Gap mode fail: the refused message ends the batch with its error.
    let mut batch = js
        .fast_batch(FastBatchConfig::default())
        .await
        .expect("batch");
    batch.add("f.d", None, "d").await.expect("add");
    let mut refused = batch
        .add("f.d", Some(&expect_last(1)), "refused")
        .await
        .err();
    // The report comes asynchronously: a later add or the commit returns it.
    if refused.is_none() {
        refused = batch.add("f.d", None, "after").await.err();
    }
    let err = match refused {
        Some(e) => e,
        None => batch.commit("f.d", None, "end").await.expect_err("refused"),
    };
    assert!(
        matches!(&err, JetStreamError::Batch(BatchError::MessageFailed { seq: 2, error }) if error.is_wrong_last_sequence()),
        "{err:?}"
    );

    // A stream without allow_batched refuses the first message.
    let mut batch = js
        .fast_batch(FastBatchConfig::default())
        .await
        .expect("batch");
    let err = batch
        .add("nowhere.f", None, "x")
        .await
        .expect_err("no stream");
    assert!(
        matches!(err, JetStreamError::Batch(BatchError::NoStream)),
        "{err:?}"
    );
    stream(&js, "SLOW", "s.>", |_| {}).await;
    let mut batch = js
        .fast_batch(FastBatchConfig::default())
        .await
        .expect("batch");
    let err = batch.add("s.1", None, "x").await.expect_err("disabled");
    assert!(err.to_string().contains("allow_batched"), "{err}");
}
