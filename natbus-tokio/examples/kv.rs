//! Key-value buckets: put and get, compare-and-set on the revision, a watcher that sees
//! each change as it happens, then delete and the key's history.
//!
//! ```text
//! NATS_URL=nats://127.0.0.1:4222 cargo run -p natbus-tokio --example kv
//! ```

use natbus::jetstream::KeyValueConfig;
use tracing_subscriber::EnvFilter;

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

    // Creating a bucket that exists with the same settings is not an error: reruns work.
    let mut config = KeyValueConfig::new("example_settings");
    config.history = 5;
    let kv = js.create_key_value(config).await?;

    // Only changes from now on (`watch` would first replay each key's latest value).
    let mut watch = kv.watch_updates("color").await?;
    let watcher = tokio::spawn(async move {
        // put, update, delete: three changes.
        for _ in 0..3 {
            match watch.next().await {
                Some(Ok(entry)) => println!(
                    "watch: {} = {:?} ({:?}, revision {})",
                    entry.key,
                    String::from_utf8_lossy(&entry.value),
                    entry.operation,
                    entry.revision
                ),
                Some(Err(e)) => eprintln!("watch error: {e}"),
                None => break,
            }
        }
    });

    let revision = kv.put("color", "blue").await?;
    let value = kv.get("color").await?.unwrap_or_default();
    println!(
        "color is {:?} at revision {revision}",
        String::from_utf8_lossy(&value)
    );

    // Compare-and-set: an update names the revision it replaces.
    let newer = kv.update("color", "green", revision).await?;
    println!("updated to green at revision {newer}");
    match kv.update("color", "red", revision).await {
        Ok(_) => println!("unexpected: a stale update was accepted"),
        Err(e) => println!("stale update refused: {e}"),
    }

    kv.delete("color").await?;
    println!("deleted; get now gives {:?}", kv.get("color").await?);
    watcher.await?;

    for entry in kv.history("color").await? {
        println!(
            "history: revision {} {:?} {:?}",
            entry.revision,
            entry.operation,
            String::from_utf8_lossy(&entry.value)
        );
    }
    client.drain().await?;
    Ok(())
}
