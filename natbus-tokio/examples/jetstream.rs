//! JetStream end to end: create a stream on demand, publish, then consume with a durable
//! pull consumer and a durable push consumer, acking every message.
//!
//! ```text
//! NATS_URL=nats://127.0.0.1:4222 cargo run -p natbus-tokio --example jetstream
//! ```
//! Run it twice: the durables resume where they left off, without "already exists" errors.

use std::time::Duration;

use natbus::jetstream::{ConsumerConfig, FetchOptions, JetStreamError, StreamConfig};
use tracing_subscriber::EnvFilter;

const MESSAGES: usize = 5;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // natbus reports through `tracing`: print it on stderr (RUST_LOG overrides; info by default).
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    let client = natbus_tokio::connect(&url).await?;
    let js = client.jetstream();

    // Created when missing, updated when its config changed, left alone otherwise.
    js.ensure_stream(StreamConfig::new("EXAMPLE").subjects(["example.>"]))
        .await?;
    for i in 0..MESSAGES {
        let ack = js.publish("example.orders", format!("order {i}")).await?;
        println!("published order {i} as #{}", ack.seq);
    }

    let pull = js
        .get_or_create_pull_consumer("EXAMPLE", ConsumerConfig::durable("example_pull"))
        .await?;
    let mut pulled = 0;
    while pulled < MESSAGES {
        let batch = pull
            .fetch(FetchOptions::new(10).expires(Duration::from_secs(2)))
            .await?;
        if batch.is_empty() {
            break;
        }
        for msg in batch {
            println!(
                "pull: {} #{} (delivery {})",
                String::from_utf8_lossy(msg.payload()),
                msg.metadata()?.stream_sequence,
                msg.metadata()?.delivered
            );
            msg.ack().await?;
            pulled += 1;
        }
    }

    let mut push = js
        .push_subscribe("EXAMPLE", ConsumerConfig::durable("example_push"))
        .await?;
    let mut pushed = 0;
    while pushed < MESSAGES {
        let wait = tokio::time::timeout(Duration::from_secs(2), push.next()).await;
        let msg = match wait {
            Ok(Some(Ok(msg))) => msg,
            Ok(Some(Err(JetStreamError::MissedHeartbeats(_)))) => continue,
            Ok(Some(Err(e))) => return Err(e.into()),
            Ok(None) | Err(_) => break,
        };
        println!(
            "push: {} #{}",
            String::from_utf8_lossy(msg.payload()),
            msg.metadata()?.stream_sequence
        );
        msg.double_ack().await?;
        pushed += 1;
    }
    println!("done: {pulled} pulled, {pushed} pushed");
    client.drain().await?;
    Ok(())
}
