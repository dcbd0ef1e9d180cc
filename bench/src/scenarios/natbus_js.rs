//! `js_pub` and `js_fetch` for natbus over raw core requests ("natbus (core API)").
//!
//! natbus's JetStream API is written in parallel; until it lands these scenarios speak the
//! JetStream wire protocol by hand (using natbus-proto's JSON types), so the numbers show
//! the core client's cost. Switch them to the JetStream API when it exists.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures::StreamExt;
use natbus::proto::jetstream::{AckKind, ApiPrefix, PubAck, PullRequest};

use super::js_setup::{CONSUMER, STREAM, SUBJECT, create_consumer, fill, reset_stream};
use crate::clients::natbus_connect;
use crate::stats::per_second;
use crate::{BoxError, Metrics};

/// Messages asked for per pull request.
pub const PULL_BATCH: usize = 500;

/// `js_pub`: `n` publishes into a stream, 64 awaiting their PubAck at a time.
pub async fn js_publish(
    rt: Arc<dyn natbus::Runtime>,
    url: &str,
    n: usize,
    payload: Bytes,
) -> Result<Metrics, BoxError> {
    let client = natbus_connect(&rt, url, 0).await?;
    reset_stream(&client).await?;
    let start = Instant::now();
    let mut acks = futures::stream::iter(0..n)
        .map(|_| client.request(SUBJECT, payload.clone()))
        .buffer_unordered(64);
    while let Some(reply) = acks.next().await {
        PubAck::parse(&reply?.payload)?;
    }
    let rate = per_second(n, start.elapsed());
    client.close().await;
    Ok(vec![("msgs/s", rate)])
}

/// `js_fetch`: pull `n` stored messages in batches and ack each one.
pub async fn js_fetch(
    rt: Arc<dyn natbus::Runtime>,
    url: &str,
    n: usize,
    payload: Bytes,
) -> Result<Metrics, BoxError> {
    let client = natbus_connect(&rt, url, n).await?;
    reset_stream(&client).await?;
    fill(&client, n, payload).await?;
    create_consumer(&client).await?;
    let next = ApiPrefix::new().consumer_msg_next(STREAM, CONSUMER)?;
    let inbox = client.new_inbox();
    let mut sub = client.subscribe(&inbox).await?;
    client.flush().await?;
    let ack = Bytes::from(AckKind::Ack.body());
    let start = Instant::now();
    let mut got = 0;
    while got < n {
        let batch = PULL_BATCH.min(n - got);
        let request = PullRequest {
            no_wait: true,
            ..PullRequest::new(batch)
        };
        client
            .publish_with_reply(&next, &inbox, request.to_json())
            .await?;
        let mut in_batch = 0;
        while in_batch < batch {
            let msg = sub.next().await.ok_or("the pull subscription ended")?;
            if msg.status().is_some() {
                break; // 404/408: this pull request is over
            }
            let reply = msg.reply.ok_or("a stream message without an ack subject")?;
            client.publish(reply, ack.clone()).await?;
            in_batch += 1;
        }
        got += in_batch;
    }
    client.flush().await?;
    let rate = per_second(n, start.elapsed());
    client.close().await;
    Ok(vec![("msgs/s", rate)])
}
