//! Heap allocations per JetStream message consumed: a continuous pull consumer
//! (natbus `PullConsumer::messages`, async-nats `PullConsumer::messages`) reading stored
//! messages and acking each. Part of the `alloc` child process.

use bytes::Bytes;
use futures::StreamExt;
use natbus::jetstream::{ConsumeOptions, ConsumerConfig};
use stats_alloc::Region;

use crate::BoxError;
use crate::GLOBAL;
use crate::clients::{Kind, async_nats_connect, natbus_connect};
use crate::scenarios::js_setup::{CONSUMER, STREAM, create_consumer, fill, reset_stream};

/// Messages requested per pull (both clients' window).
const WINDOW: usize = 500;
/// Messages read before counting starts (the window fills, buffers reach their size).
const WARM_UP: usize = 1_000;

/// Reads and acks `WARM_UP` messages, then `$n` more while counting heap allocations;
/// evaluates to the count. A macro because the two clients' streams and messages share no
/// trait with `ack`.
macro_rules! consume_and_count {
    ($messages:ident, $n:expr) => {{
        for _ in 0..WARM_UP {
            let msg = $messages.next().await.ok_or("the consumer ended")??;
            msg.ack().await?;
        }
        let region = Region::new(GLOBAL);
        for _ in 0..$n {
            let msg = $messages.next().await.ok_or("the consumer ended")??;
            msg.ack().await?;
        }
        region.change().allocations
    }};
}

/// Stores `WARM_UP + n` messages, then returns heap allocations per message over the
/// last `n` consumed and acked by `kind`.
pub async fn js_consume_allocs(kind: Kind, url: &str, n: usize) -> Result<f64, BoxError> {
    // Setup runs over natbus on the runtime already running (tokio for async-nats).
    let setup_rt = kind.natbus_runtime().unwrap_or_else(natbus_tokio::runtime);
    let setup = natbus_connect(&setup_rt, url, 0).await?;
    reset_stream(
        &setup,
        natbus::proto::jetstream::stream::StorageType::Memory,
    )
    .await?;
    fill(&setup, WARM_UP + n, Bytes::from_static(&[b'x'; 128])).await?;
    create_consumer(&setup).await?;
    setup.close().await;
    let allocs = match kind.natbus_runtime() {
        Some(rt) => {
            let client = natbus_connect(&rt, url, WARM_UP + n).await?;
            let consumer = client
                .jetstream()
                .get_or_create_pull_consumer(STREAM, ConsumerConfig::durable(CONSUMER))
                .await?;
            let mut messages = consumer.messages(ConsumeOptions::messages(WINDOW)).await?;
            let allocs = consume_and_count!(messages, n);
            drop(messages);
            client.close().await;
            allocs
        }
        None => {
            let client = async_nats_connect(url, WARM_UP + n).await?;
            let consumer: async_nats::jetstream::consumer::PullConsumer =
                async_nats::jetstream::new(client.clone())
                    .get_stream(STREAM)
                    .await?
                    .get_consumer(CONSUMER)
                    .await?;
            let mut messages = consumer
                .stream()
                .max_messages_per_batch(WINDOW)
                .messages()
                .await?;
            let allocs = consume_and_count!(messages, n);
            drop(messages);
            client.drain().await?;
            allocs
        }
    };
    Ok(allocs as f64 / n as f64)
}
