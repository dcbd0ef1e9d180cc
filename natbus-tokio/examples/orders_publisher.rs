//! Publishes an `order_created` event for `orders_worker` with envelope headers (content
//! type, sender, correlation and trace ids), then calls the same action as a request.
//!
//! ```sh
//! NATS_URL=nats://127.0.0.1:4222 cargo run -p natbus-tokio --example orders_publisher
//! ```

use natbus_tokio::envelope::BusMessage;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // natbus reports through `tracing`: print it on stderr (RUST_LOG overrides; info by default).
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let client = natbus_tokio::connect_with(natbus_tokio::ConnectOptions::from_env()).await?;
    let order = serde_json::json!({"id": "123", "customer": "Ada"});

    // Fire and forget: an event.
    BusMessage::json("v1.orders.order_created", &order)?
        .sender("orders-publisher")
        .correlation_id("order-123")
        .trace_id("4bf92f3577b34da6a3ce929d0e0e4736")
        .publish(&client)
        .await?;
    client.flush().await?;
    println!("published order 123");

    // Or as a request, waiting for the worker's answer.
    let reply: serde_json::Value = client.call("v1.orders.order_created", &order).await?;
    println!("worker answered {reply}");
    client.drain().await?;
    Ok(())
}
