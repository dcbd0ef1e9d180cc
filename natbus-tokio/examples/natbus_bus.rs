//! The Python NATBus usage, in Rust: one stream, a durable push consumer and a durable pull
//! consumer, a JSON and a binary message, handlers that ack, and a graceful drain on Ctrl-C.
//!
//! ```text
//! NATS_URL=nats://127.0.0.1:4222 cargo run -p natbus-tokio --example natbus_bus
//! ```
//! Every `NATBUS_*` variable of `BusConfig::from_env` works too (user, password, stream…);
//! without them it uses the seed's stream `TEST_STREAM` on `test.stream`. Run it twice: the
//! durables resume where they left off, without "already bound" errors.

use std::time::Duration;
use tracing_subscriber::EnvFilter;

use natbus_tokio::bus::{
    Bus, BusConfig, BusMessage, HandlerError, PullOptions, PushOptions, ReceivedMessage,
    StreamSettings,
};

async fn handle_push(msg: ReceivedMessage) -> Result<(), HandlerError> {
    print_message("PUSH", &msg);
    msg.ack().await?;
    Ok(())
}

async fn handle_pull(msg: ReceivedMessage) -> Result<(), HandlerError> {
    print_message("PULL", &msg);
    msg.ack().await?;
    Ok(())
}

fn print_message(via: &str, msg: &ReceivedMessage) {
    println!(
        "{via} RX: {} trace_id={:?} correlation_id={:?} sender={:?} content_type={:?}",
        msg.subject(),
        msg.trace_id(),
        msg.correlation_id(),
        msg.sender(),
        msg.content_type()
    );
    match msg.as_text() {
        Ok(text) => println!("{via} as_text: {text}"),
        Err(_) => println!("{via} binary: {} bytes", msg.payload().len()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // natbus reports through `tracing`: print it on stderr (RUST_LOG overrides; info by default).
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let mut config = BusConfig::from_env()?.name("orders-svc").manual_ack(true);
    if config.stream.is_none() {
        config = config.stream(StreamSettings::new("TEST_STREAM", ["test.stream"]));
    }
    let bus = Bus::connect(natbus_tokio::runtime(), config).await?;
    let stream = bus
        .config()
        .stream
        .as_ref()
        .map_or("TEST_STREAM", |s| s.name.as_str());

    // PUSH: the server delivers to the handler. Add `.queue("orders-workers")` to share
    // the messages among every running copy of the service.
    bus.push_subscribe(
        PushOptions::new("test.stream").durable("orders_push"),
        handle_push,
    )
    .await?;
    println!("PUSH consumer ready (durable=orders_push)");

    // PULL: the bus fetches up to 10 messages, waiting at most 1.5 s to fill a batch.
    bus.pull_subscribe(
        PullOptions::new("test.stream")
            .stream(stream)
            .durable("orders_pull")
            .batch(10)
            .expires(Duration::from_secs_f64(1.5)),
        handle_pull,
    )
    .await?;
    println!("PULL consumer ready (durable=orders_pull)");

    // Both consumers see both messages, since their durables differ.
    let msg_json = BusMessage::json("test.stream", &serde_json::json!({"hello": "world"}))?
        .sender("orders-svc");
    let ack = bus.publish(msg_json).await?;
    println!("published JSON as {} #{}", ack.stream, ack.seq);
    let msg_bin = BusMessage::bytes(
        "test.stream",
        &b"\xff\xd8\xff...binary..."[..],
        "image/jpeg",
    )
    .sender("orders-svc");
    let ack = bus.publish(msg_bin).await?;
    println!("published binary as {} #{}", ack.stream, ack.seq);

    // Keep the service alive until Ctrl-C, then stop the subscriptions and drain.
    tokio::signal::ctrl_c().await?;
    println!("draining");
    bus.drain().await?;
    Ok(())
}
