//! Batch and multi-subject direct gets (ADR-31, server 2.11+): many messages per request,
//! read page by page, and consistent snapshots of the last message per subject. Before
//! 2.11 both fail at once with `ServerTooOld`.

use std::sync::Arc;

use natbus::Runtime;
use natbus::jetstream::{
    AsOf, BatchStart, Feature, JetStreamError, PublishOptions, ServerVersion, StreamConfig,
};
use natbus::proto::jetstream::direct_batch::DirectBatchError;
use natbus_tests::NatsServer;

use super::js_server_version::{assert_too_old, running_version};
use super::js_support::js_for;

const V2_11: ServerVersion = ServerVersion::new(2, 11, 0);

pub async fn js_direct_batch_reads_pages_and_snapshots(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let version = running_version(&server);
    let js = js_for(&rt, &server).await;
    let mut config = StreamConfig::new("LOG").subjects(["log.>"]);
    config.allow_direct = true;
    let stream = js.create_stream(config).await.expect("stream");
    if version < V2_11 {
        assert_too_old(
            stream.get_batch("log.>", BatchStart::Sequence(1), 10).await,
            Feature::DirectGetBatch,
            Some(version),
        );
        assert_too_old(
            stream.get_last_for_subjects(&["log.>"], None).await,
            Feature::DirectGetMultiLast,
            Some(version),
        );
        return;
    }
    // 600 messages over three subjects: more than two pages of 256.
    let mut acks = Vec::new();
    for i in 0..600 {
        let subject = format!("log.{}", i % 3);
        acks.push(
            js.publish_async(&subject, None, &PublishOptions::default(), format!("{i}"))
                .await
                .expect("publish"),
        );
    }
    for ack in acks {
        ack.await.expect("stored");
    }

    let all = stream
        .get_batch("log.>", BatchStart::Sequence(1), usize::MAX)
        .await
        .expect("all");
    let seqs: Vec<u64> = all.iter().map(|m| m.sequence).collect();
    assert_eq!(seqs, (1..=600).collect::<Vec<u64>>());
    assert_eq!(all[599].payload, "599".as_bytes());

    let some = stream
        .get_batch("log.1", BatchStart::Sequence(100), 50)
        .await
        .expect("a subject from a sequence");
    assert_eq!(some.len(), 50);
    assert_eq!(some[0].sequence, 101, "log.1 is every third from 2");
    assert!(some.iter().all(|m| m.subject == "log.1"));
    assert!(some.windows(2).all(|w| w[1].sequence == w[0].sequence + 3));

    let since = stream
        .get_batch("log.>", BatchStart::Time(all[499].time), 1_000)
        .await
        .expect("from a time");
    assert!(since[0].sequence <= 500 && since.last().map(|m| m.sequence) == Some(600));

    let newest = stream
        .get_last_for_subjects(&["log.>"], None)
        .await
        .expect("the newest per subject");
    let seqs: Vec<u64> = newest.iter().map(|m| m.sequence).collect();
    assert_eq!(seqs, [598, 599, 600]);
    let then = stream
        .get_last_for_subjects(&["log.0", "log.2"], Some(AsOf::Sequence(10)))
        .await
        .expect("as of sequence 10");
    let seqs: Vec<u64> = then.iter().map(|m| m.sequence).collect();
    assert_eq!(seqs, [9, 10]);
    assert!(
        stream
            .get_last_for_subjects(&["nothing.>"], None)
            .await
            .expect("no match")
            .is_empty()
    );

    // A stream without direct gets says so instead of waiting for an answer.
    let plain = js
        .create_stream(StreamConfig::new("PLAIN").subjects(["plain"]))
        .await
        .expect("plain stream");
    assert!(matches!(
        plain.get_batch("plain", BatchStart::Sequence(1), 10).await,
        Err(JetStreamError::DirectBatch(
            DirectBatchError::DirectNotAllowed(_)
        ))
    ));
}
