//! Quick start over smol: publish, subscribe, request. Reads `NATS_URL`.
use natbus_smol::ConnectOptions;
use tracing_subscriber::EnvFilter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // natbus reports through `tracing`: print it on stderr (RUST_LOG overrides; info by default).
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    smol::block_on(async {
        let client = natbus_smol::connect_with(ConnectOptions::from_env()).await?;

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
        smol::spawn(async move {
            while let Some(req) = service.next().await {
                if let Some(reply) = req.reply {
                    let _ = responder.publish(reply.as_str(), req.payload).await;
                }
            }
        })
        .detach();
        let reply = client.request("echo", "ping").await?;
        println!("echo -> {}", String::from_utf8_lossy(&reply.payload));
        client.drain().await?;
        Ok(())
    })
}
