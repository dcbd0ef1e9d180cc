//! JetStream setup for both clients, done over natbus core requests (never timed).

use bytes::Bytes;
use futures::StreamExt;
use natbus::proto::jetstream::consumer::CreateConsumerRequest;
use natbus::proto::jetstream::stream::{StorageType, StreamCreateRequest};
use natbus::proto::jetstream::{ApiPrefix, ConsumerConfig, PubAck, StreamConfig, parse_response};

use crate::BoxError;

/// The benchmark's stream (in memory, or on file storage for the `_file` scenarios).
pub const STREAM: &str = "BENCH";
/// The subject published into it.
pub const SUBJECT: &str = "bench.js.data";
/// The durable pull consumer `js_fetch` reads with.
pub const CONSUMER: &str = "BENCHC";

/// Deletes the stream if present and creates it empty, on `storage`.
pub async fn reset_stream(client: &natbus::Client, storage: StorageType) -> Result<(), BoxError> {
    let api = ApiPrefix::new();
    // A missing stream answers with an error, which is fine here.
    let _ = client
        .request(api.stream_delete(STREAM)?, Bytes::new())
        .await?;
    let mut config = StreamConfig::new(STREAM)
        .subjects(["bench.js.>"])
        .storage(storage);
    // For `js_batch` (fast-ingest batches); changes nothing for plain publishes.
    config.allow_batched = true;
    let body = serde_json::to_vec(&StreamCreateRequest {
        config: &config,
        pedantic: false,
    })?;
    let reply = client.request(api.stream_create(STREAM)?, body).await?;
    parse_response::<serde_json::Value>(&reply.payload)?;
    Ok(())
}

/// Stores `n` messages (64 publishes in flight, each acknowledged).
pub async fn fill(client: &natbus::Client, n: usize, payload: Bytes) -> Result<(), BoxError> {
    let mut acks = futures::stream::iter(0..n)
        .map(|_| client.request(SUBJECT, payload.clone()))
        .buffer_unordered(64);
    while let Some(reply) = acks.next().await {
        PubAck::parse(&reply?.payload)?;
    }
    Ok(())
}

/// Creates the durable pull consumer with explicit acks.
pub async fn create_consumer(client: &natbus::Client) -> Result<(), BoxError> {
    let api = ApiPrefix::new();
    let config = ConsumerConfig::durable(CONSUMER);
    let subject = config.create_subject(&api, STREAM)?;
    let body = serde_json::to_vec(&CreateConsumerRequest {
        stream_name: STREAM.to_owned(),
        config,
        action: Default::default(),
    })?;
    let reply = client.request(subject, body).await?;
    parse_response::<serde_json::Value>(&reply.payload)?;
    Ok(())
}
