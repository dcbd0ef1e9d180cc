//! JetStream: streams, publish acks, pull/push/ordered consumers, restarts.

use std::collections::BTreeSet;
use std::sync::Arc;

use natbus::Runtime;
use natbus::jetstream::{JetStreamError, PublishOptions, PurgeRequest, StorageType, StreamConfig};
use natbus_tests::NatsServer;

use super::js_support::{api_code, js_for, js_with_stream};

pub async fn js_stream_crud_and_error_codes(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let js = js_for(&rt, &server).await;
    let config = StreamConfig::new("ORDERS").subjects(["orders.>"]);
    let stream = js.create_stream(config.clone()).await.expect("create");
    assert_eq!(stream.name(), "ORDERS");
    // Identical create is fine; a different config under the name is 10058.
    js.create_stream(config.clone())
        .await
        .expect("idempotent create");
    let changed = config.clone().description("changed");
    assert_eq!(api_code(js.create_stream(changed.clone()).await), 10058);
    // create_or_update_stream replaces the config.
    let ensured = js
        .create_or_update_stream(changed)
        .await
        .expect("create_or_update updates");
    assert_eq!(
        ensured.cached_info().config.description.as_deref(),
        Some("changed")
    );
    assert_eq!(api_code(js.stream_info("MISSING").await), 10059);
    let err = js.stream_info("bad.name").await.expect_err("invalid name");
    assert!(matches!(err, JetStreamError::InvalidName(_)), "{err:?}");
    // Overlapping subjects.
    let overlap = StreamConfig::new("OTHER").subjects(["orders.new"]);
    assert_eq!(api_code(js.create_stream(overlap).await), 10065);

    js.create_stream(
        StreamConfig::new("DIRECT")
            .subjects(["direct.>"])
            .storage(StorageType::Memory),
    )
    .await
    .expect("second stream");
    let names: BTreeSet<String> = js
        .stream_names(None)
        .await
        .expect("names")
        .into_iter()
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["DIRECT".to_owned(), "ORDERS".to_owned()])
    );
    let filtered = js.stream_names(Some("direct.x")).await.expect("filtered");
    assert_eq!(filtered, vec!["DIRECT".to_owned()]);
    assert_eq!(js.streams(None).await.expect("list").len(), 2);

    for i in 1..=5 {
        let ack = js
            .publish(format!("orders.{}", i % 2), format!("m{i}"))
            .await
            .expect("publish");
        assert_eq!(
            (ack.stream.as_str(), ack.seq, ack.duplicate),
            ("ORDERS", i, false)
        );
    }
    let mut stream = js.get_stream("ORDERS").await.expect("get stream");
    assert_eq!(stream.cached_info().state.messages, 5);
    let m = stream.get_message(2).await.expect("get by seq");
    assert_eq!(
        (m.subject.as_str(), &m.payload[..]),
        ("orders.0", &b"m2"[..])
    );
    let last = stream
        .get_last_message("orders.1")
        .await
        .expect("last by subject");
    assert_eq!((last.sequence, &last.payload[..]), (5, &b"m5"[..]));
    assert_eq!(api_code(stream.get_message(99).await), 10037);
    assert!(stream.delete_message(2).await.expect("delete msg"));
    assert_eq!(api_code(stream.get_message(2).await), 10037);

    // Direct get on a stream that allows it gives the same answers.
    let mut direct = StreamConfig::new("DIRECT")
        .subjects(["direct.>"])
        .storage(StorageType::Memory);
    direct.allow_direct = true;
    let direct = js.update_stream(direct).await.expect("enable direct");
    js.publish("direct.a", "d1").await.expect("publish");
    js.publish("direct.a", "d2").await.expect("publish");
    let d = direct
        .get_last_message("direct.a")
        .await
        .expect("direct last");
    assert_eq!((d.sequence, &d.payload[..]), (2, &b"d2"[..]));
    assert_eq!(
        &direct.get_message(1).await.expect("direct seq").payload[..],
        b"d1"
    );
    assert_eq!(api_code(direct.get_message(42).await), 10037);

    // Left: 1 (orders.1), 3 (orders.1), 4 (orders.0), 5 (orders.1).
    assert!(
        stream
            .purge_subject("orders.0")
            .await
            .expect("purge subject")
            >= 1
    );
    assert_eq!(stream.refresh().await.expect("info").state.messages, 3);
    assert_eq!(
        stream
            .get_last_message("orders.1")
            .await
            .expect("kept")
            .sequence,
        5
    );
    assert!(stream.purge_keep(1).await.expect("purge keep") >= 2);
    assert_eq!(stream.refresh().await.expect("info").state.messages, 1);
    assert_eq!(
        js.purge_stream("ORDERS", PurgeRequest::default())
            .await
            .expect("purge"),
        1
    );
    assert!(js.delete_stream("ORDERS").await.expect("delete"));
    assert_eq!(api_code(js.delete_stream("ORDERS").await), 10059);

    // Publishing where no stream listens is a distinct error.
    let err = js
        .publish("nowhere.at.all", "x")
        .await
        .expect_err("no stream");
    assert!(
        matches!(err, JetStreamError::NoStreamForSubject { .. }),
        "{err:?}"
    );
}

pub async fn js_not_enabled_is_reported(rt: Arc<dyn Runtime>) {
    let server = NatsServer::builder().jetstream(false).start();
    let js = js_for(&rt, &server).await;
    let err = js.account_info().await.expect_err("no JetStream");
    assert!(
        matches!(err, JetStreamError::NotAvailable { .. }),
        "{err:?}"
    );
}

pub async fn js_publish_dedupes_by_msg_id(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let js = js_with_stream(&rt, &server, "DEDUP", "dedup").await;
    let opts = PublishOptions {
        msg_id: Some("abc".into()),
        ..PublishOptions::default()
    };
    let first = js
        .publish_with("dedup", None, &opts, "one")
        .await
        .expect("first");
    let again = js
        .publish_with("dedup", None, &opts, "two")
        .await
        .expect("dup");
    assert!(!first.duplicate);
    assert!(again.duplicate);
    assert_eq!(again.seq, first.seq);
    let info = js.stream_info("DEDUP").await.expect("info");
    assert_eq!(info.state.messages, 1);
}

pub async fn js_expected_sequence_conflict(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let js = js_with_stream(&rt, &server, "SEQ", "seq.*").await;
    js.publish("seq.a", "1").await.expect("publish");
    let ok = PublishOptions {
        expected_last_sequence: Some(1),
        ..PublishOptions::default()
    };
    assert_eq!(
        js.publish_with("seq.a", None, &ok, "2")
            .await
            .expect("expected")
            .seq,
        2
    );
    let stale = js
        .publish_with("seq.a", None, &ok, "3")
        .await
        .expect_err("stale");
    let api = stale.api_error().expect("api error");
    assert!(api.is_wrong_last_sequence(), "{api:?}");
    assert_eq!(api.err_code, 10071);
    let wrong_stream = PublishOptions {
        expected_stream: Some("OTHER".into()),
        ..PublishOptions::default()
    };
    assert_eq!(
        api_code(js.publish_with("seq.a", None, &wrong_stream, "x").await),
        10060
    );
    let subject_seq = PublishOptions {
        expected_last_subject_sequence: Some(0),
        ..PublishOptions::default()
    };
    js.publish_with("seq.b", None, &subject_seq, "first on b")
        .await
        .expect("empty subject");
    assert_eq!(
        api_code(js.publish_with("seq.b", None, &subject_seq, "again").await),
        10071
    );
}

pub async fn js_publish_async_keeps_order_within_a_window(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let js = js_for(&rt, &server).await.with_max_pending_acks(16);
    js.create_stream(
        StreamConfig::new("ASYNC")
            .subjects(["async"])
            .storage(StorageType::Memory),
    )
    .await
    .expect("create");
    let mut acks = std::collections::VecDeque::new();
    let mut seqs = Vec::new();
    for i in 0..300 {
        // Await the oldest acks ourselves so the window keeps moving.
        if acks.len() == 16 {
            let ack: natbus::jetstream::PubAckFuture = acks.pop_front().expect("non-empty");
            seqs.push(ack.await.expect("ack").seq);
        }
        let fut = js
            .publish_async("async", None, &PublishOptions::default(), format!("{i}"))
            .await
            .expect("publish_async");
        acks.push_back(fut);
    }
    for ack in acks {
        seqs.push(ack.await.expect("ack").seq);
    }
    assert_eq!(seqs, (1..=300).collect::<Vec<u64>>());
    let stream = js.get_stream("ASYNC").await.expect("stream");
    assert_eq!(
        &stream.get_message(300).await.expect("last").payload[..],
        b"299"
    );
    let err = js
        .publish_async("nowhere", None, &PublishOptions::default(), "x")
        .await
        .expect("sent")
        .await
        .expect_err("no stream");
    assert!(
        matches!(err, JetStreamError::NoStreamForSubject { .. }),
        "{err:?}"
    );
}
