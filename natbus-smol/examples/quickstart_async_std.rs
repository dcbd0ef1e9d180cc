//! Quick start over async-std (natbus-smol shares its reactor). Reads `NATS_URL`.
use std::sync::Arc;

use natbus_smol::{ConnectOptions, SmolRuntime};
use tracing_subscriber::EnvFilter;

#[async_std::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // natbus reports through `tracing`: print it on stderr (RUST_LOG overrides; info by default).
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    // Run the connection driver on async-std's executor.
    let runtime = Arc::new(SmolRuntime::with_spawner(|task| {
        async_std::task::spawn(task);
    }));
    let client = natbus_smol::connect_with_runtime(runtime, ConnectOptions::from_env()).await?;

    let mut sub = client.subscribe("greetings.*").await?;
    client.publish("greetings.world", "hello").await?;
    if let Some(msg) = sub.next().await {
        println!(
            "{} -> {}",
            msg.subject,
            String::from_utf8_lossy(&msg.payload)
        );
    }
    let mut service = client.subscribe("echo").await?;
    let responder = client.clone();
    async_std::task::spawn(async move {
        while let Some(req) = service.next().await {
            if let Some(reply) = req.reply {
                let _ = responder.publish(reply.as_str(), req.payload).await;
            }
        }
    });
    let reply = client.request("echo", "ping").await?;
    println!("echo -> {}", String::from_utf8_lossy(&reply.payload));
    client.drain().await?;
    Ok(())
}
