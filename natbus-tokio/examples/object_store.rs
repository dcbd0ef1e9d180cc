//! Object stores: store a file-sized value in chunks, read it back with its size and
//! SHA-256 digest checked, link to it under another name, list the store, delete.
//!
//! ```text
//! NATS_URL=nats://127.0.0.1:4222 cargo run -p natbus-tokio --example object_store
//! ```

use natbus::jetstream::ObjectStoreConfig;
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
    let store = js
        .create_object_store(ObjectStoreConfig::new("example_files"))
        .await?;

    // 300 KB: three chunks of the default 128 KiB. `put` takes any `AsyncRead` (a file,
    // say) and keeps only a few chunks in memory; `put_bytes` is for data already there.
    let report: Vec<u8> = (0..300_000u32)
        .map(|i| b"0123456789,\n"[i as usize % 12])
        .collect();
    let info = store.put_bytes("reports/today.csv", report.clone()).await?;
    println!(
        "stored {} ({} bytes in {} chunks, {})",
        info.name, info.size, info.chunks, info.digest
    );

    // `get` streams the chunks; `bytes` collects them and fails on a size or digest mismatch.
    let read = store.get("reports/today.csv").await?.bytes().await?;
    println!(
        "read back {} bytes (size and digest checked), same as stored: {}",
        read.len(),
        read == report
    );

    // A link is followed by `get`, in this store or another one.
    store.add_link("reports/latest.csv", &info).await?;
    let through_link = store.get("reports/latest.csv").await?.bytes().await?;
    println!("through the link: {} bytes", through_link.len());

    for object in store.list().await? {
        let kind = if object.link().is_some() {
            "link"
        } else {
            "object"
        };
        println!("ls: {} ({kind}, {} bytes)", object.name, object.size);
    }

    store.delete("reports/latest.csv").await?;
    store.delete("reports/today.csv").await?;
    println!("deleted; {} objects left", store.list().await?.len());
    client.drain().await?;
    Ok(())
}
