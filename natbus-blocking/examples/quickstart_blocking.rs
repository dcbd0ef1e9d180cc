//! Quick start without async: publish, subscribe, request, key-value. Reads `NATS_URL`.
use std::thread;
use std::time::Duration;

use natbus_blocking::ConnectOptions;
use natbus_blocking::jetstream::KeyValueConfig;
use tracing_subscriber::EnvFilter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // natbus reports through `tracing`: print it on stderr (RUST_LOG overrides; info by default).
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let client = natbus_blocking::connect_with(ConnectOptions::from_env())?;

    let mut sub = client.subscribe("greetings.*")?;
    client.publish("greetings.world", "hello")?;
    if let Some(msg) = sub.next_timeout(Duration::from_secs(5))? {
        println!(
            "{} -> {}",
            msg.subject,
            String::from_utf8_lossy(&msg.payload)
        );
    }

    // A responder on a thread of its own: the subscriber is an iterator.
    let service = client.subscribe("echo")?;
    let responder = client.clone();
    thread::spawn(move || {
        for req in service {
            if let Some(reply) = req.reply {
                let _ = responder.publish(reply.as_str(), req.payload);
            }
        }
    });
    client.flush()?;
    let reply = client.request("echo", "ping")?;
    println!("echo -> {}", String::from_utf8_lossy(&reply.payload));

    let kv = client
        .jetstream()
        .create_key_value(KeyValueConfig::new("quickstart_blocking"))?;
    let revision = kv.put("colour", "blue")?;
    let value = kv.get("colour")?.unwrap_or_default();
    println!(
        "colour = {} (revision {revision})",
        String::from_utf8_lossy(&value)
    );
    client.jetstream().delete_key_value("quickstart_blocking")?;

    client.drain()?;
    Ok(())
}
