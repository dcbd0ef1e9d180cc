//! `js_pub` and `js_fetch` for async-nats, with its JetStream API.

use std::collections::VecDeque;

use async_nats::jetstream::{self, consumer::PullConsumer, context::PublishAckFuture};
use bytes::Bytes;
use futures::StreamExt;
use natbus::proto::jetstream::stream::StorageType;

use super::js_setup::{CONSUMER, STREAM, SUBJECT, create_consumer, fill, reset_stream};
use super::natbus_js::{ACK_WINDOW, PULL_BATCH};
use crate::clients::{async_nats_connect, natbus_connect};
use crate::cpu::Span;
use crate::{BoxError, Metrics};

/// Setup runs over a natbus-on-tokio connection, the same for every client.
async fn admin(url: &str) -> Result<natbus::Client, BoxError> {
    natbus_connect(&natbus_tokio::runtime(), url, 0).await
}

/// `js_pub`: `n` publishes into a stream, 64 awaiting their PubAck at a time.
pub async fn js_publish(
    url: &str,
    n: usize,
    payload: Bytes,
    storage: StorageType,
) -> Result<Metrics, BoxError> {
    let setup = admin(url).await?;
    reset_stream(&setup, storage).await?;
    setup.close().await;
    let client = async_nats_connect(url, 0).await?;
    let js = jetstream::new(client.clone());
    let span = Span::start();
    // The same pattern as natbus's side: publish now, await the oldest ack when 64 wait.
    let mut acks = VecDeque::with_capacity(ACK_WINDOW);
    for _ in 0..n {
        if acks.len() >= ACK_WINDOW
            && let Some(ack) = acks.pop_front()
        {
            let ack: PublishAckFuture = ack;
            ack.await?;
        }
        acks.push_back(js.publish(SUBJECT, payload.clone()).await?);
    }
    for ack in acks {
        ack.await?;
    }
    let metrics = span.metrics(n);
    client.drain().await?;
    Ok(metrics)
}

/// `js_fetch`: pull `n` stored messages in batches and ack each one.
pub async fn js_fetch(
    url: &str,
    n: usize,
    payload: Bytes,
    storage: StorageType,
) -> Result<Metrics, BoxError> {
    let setup = admin(url).await?;
    reset_stream(&setup, storage).await?;
    fill(&setup, n, payload).await?;
    create_consumer(&setup).await?;
    setup.close().await;
    let client = async_nats_connect(url, n).await?;
    let js = jetstream::new(client.clone());
    let consumer: PullConsumer = js.get_stream(STREAM).await?.get_consumer(CONSUMER).await?;
    let span = Span::start();
    let mut got = 0;
    while got < n {
        let mut batch = consumer
            .fetch()
            .max_messages(PULL_BATCH.min(n - got))
            .messages()
            .await?;
        while let Some(msg) = batch.next().await {
            msg?.ack().await?;
            got += 1;
        }
    }
    client.flush().await?;
    let metrics = span.metrics(n);
    client.drain().await?;
    Ok(metrics)
}
