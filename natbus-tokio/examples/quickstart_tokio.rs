//! Quick start over tokio: publish, subscribe, request. Reads `NATS_URL`.
use natbus_tokio::ConnectOptions;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = natbus_tokio::connect_with(ConnectOptions::from_env()).await?;

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
    tokio::spawn(async move {
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
