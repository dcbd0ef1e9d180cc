//! An event worker: handles `v1.orders.order_created` events (plain publishes, no reply
//! expected) and requests alike, at most 4 at a time, until Ctrl-C, then drains.
//! Run several copies: the queue group shares the events between them.
//!
//! ```sh
//! NATS_URL=nats://127.0.0.1:4222 cargo run -p natbus-tokio --example orders_worker
//! cargo run -p natbus-tokio --example orders_publisher
//! ```

use natbus_tokio::service::{Handler, Request, ServiceError};
use serde::Deserialize;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Deserialize)]
struct OrderCreated {
    id: String,
    customer: String,
}

async fn order_created(
    request: Request,
    order: OrderCreated,
) -> Result<serde_json::Value, ServiceError> {
    let envelope = request.envelope();
    println!(
        "processing order {} for {} (sender {:?}, correlation {:?}, trace {:?})",
        order.id,
        order.customer,
        envelope.sender(),
        envelope.correlation_id(),
        envelope.trace_id(),
    );
    // Business logic, persistence… goes here.
    Ok(serde_json::json!({"ack": true}))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // natbus reports through `tracing`: print it on stderr (RUST_LOG overrides; info by default).
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let client = natbus_tokio::connect_with(natbus_tokio::ConnectOptions::from_env()).await?;
    let service = client
        .service_builder()
        .name("orders")
        .version("1.0.0")
        .workers(4)
        .add_action("order_created", Handler::typed_with_request(order_created))
        .start()
        .await?;
    println!(
        "orders worker {} on v1.orders.order_created; Ctrl-C to stop",
        service.id()
    );
    tokio::select! {
        _ = tokio::signal::ctrl_c() => println!("stopping: finishing in-flight orders"),
        () = service.stopped() => println!("the connection closed"),
    }
    service.stop().await?;
    client.drain().await?;
    Ok(())
}
