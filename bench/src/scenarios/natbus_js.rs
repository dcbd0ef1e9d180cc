//! `js_pub`, `js_batch` and `js_fetch` for natbus, with its JetStream API
//! (`natbus::jetstream`).

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use natbus::jetstream::{ConsumerConfig, FastBatchConfig, FetchOptions, PublishOptions};
use natbus::proto::jetstream::stream::StorageType;

use super::js_setup::{CONSUMER, STREAM, SUBJECT, fill, reset_stream};
use crate::clients::natbus_connect;
use crate::cpu::Span;
use crate::{BoxError, Metrics};

/// Messages asked for per pull request.
pub const PULL_BATCH: usize = 500;
/// Publishes awaiting their PubAck at a time in `js_pub`.
pub const ACK_WINDOW: usize = 64;

/// `js_pub`: `n` publishes into a stream, 64 awaiting their PubAck at a time.
pub async fn js_publish(
    rt: Arc<dyn natbus::Runtime>,
    url: &str,
    n: usize,
    payload: Bytes,
    storage: StorageType,
) -> Result<Metrics, BoxError> {
    let client = natbus_connect(&rt, url, 0).await?;
    reset_stream(&client, storage).await?;
    let js = client.jetstream().with_max_pending_acks(ACK_WINDOW);
    let options = PublishOptions::default();
    let span = Span::start();
    let mut acks = VecDeque::with_capacity(ACK_WINDOW);
    for _ in 0..n {
        if acks.len() >= ACK_WINDOW
            && let Some(ack) = acks.pop_front()
        {
            ack.await?;
        }
        acks.push_back(
            js.publish_async(SUBJECT, None, &options, payload.clone())
                .await?,
        );
    }
    for ack in acks {
        ack.await?;
    }
    let metrics = span.metrics(n);
    drop(js);
    client.close().await;
    Ok(metrics)
}

/// The most messages per flow ack `js_batch` allows the server (its own cap is 500).
pub const BATCH_FLOW: u16 = 500;

/// `js_batch`: `n` messages into a memory stream in one fast-ingest batch (ADR-50) with
/// the default two acks outstanding, ended by an end-of-batch commit; timed until the
/// commit's PubAck says all `n` are stored.
pub async fn js_batch(
    rt: Arc<dyn natbus::Runtime>,
    url: &str,
    n: usize,
    payload: Bytes,
) -> Result<Metrics, BoxError> {
    let client = natbus_connect(&rt, url, 0).await?;
    reset_stream(&client, StorageType::Memory).await?;
    let js = client.jetstream();
    let span = Span::start();
    let mut batch = js
        .fast_batch(FastBatchConfig::default().flow(BATCH_FLOW))
        .await?;
    for _ in 0..n {
        batch.add(SUBJECT, None, payload.clone()).await?;
    }
    let ack = batch.commit_eob().await?;
    let metrics = span.metrics(n);
    if ack.count != n as u64 {
        return Err(format!("the batch stored {} of {n} messages", ack.count).into());
    }
    drop(js);
    client.close().await;
    Ok(metrics)
}

/// `js_fetch`: pull `n` stored messages in batches and ack each one.
pub async fn js_fetch(
    rt: Arc<dyn natbus::Runtime>,
    url: &str,
    n: usize,
    payload: Bytes,
    storage: StorageType,
) -> Result<Metrics, BoxError> {
    let client = natbus_connect(&rt, url, n).await?;
    reset_stream(&client, storage).await?;
    fill(&client, n, payload).await?;
    let js = client.jetstream();
    let consumer = js
        .get_or_create_pull_consumer(STREAM, ConsumerConfig::durable(CONSUMER))
        .await?;
    let span = Span::start();
    let mut got = 0;
    while got < n {
        let batch = PULL_BATCH.min(n - got);
        // Each message is acked as it arrives, like async-nats's `fetch().messages()`.
        let mut messages = consumer
            .fetch_stream(FetchOptions::new(batch).no_wait())
            .await?;
        while let Some(msg) = messages.next().await {
            msg?.ack().await?;
        }
        if messages.delivered() == 0 {
            return Err(format!("the consumer ran dry after {got} of {n} messages").into());
        }
        got += messages.delivered();
    }
    client.flush().await?;
    let metrics = span.metrics(n);
    client.close().await;
    Ok(metrics)
}
