//! A guided tour of natbus: run it with `./scripts/tour`.
//!
//! With `NATS_URL` set it uses that server; otherwise it starts a throwaway nats-server of
//! its own (JetStream on, a temporary store) and stops it at the end.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use natbus_tokio::jetstream::{
    ConsumerConfig, FetchOptions, KeyValueConfig, ObjectStoreConfig, StreamConfig,
};
use natbus_tokio::proto::service::ServiceError;
use natbus_tokio::service::Handler;
use natbus_tokio::{Client, ConnectOptions, HeaderMap};
use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // natbus reports through `tracing`: print it on stderr (RUST_LOG overrides; info by default).
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let (url, _server) = match std::env::var("NATS_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let server = Throwaway::start()?;
            (server.url.clone(), Some(server))
        }
    };
    println!("natbus tour — server {url}\n");
    let client = natbus_tokio::connect_with(
        ConnectOptions::new()
            .server(&url)
            .name("natbus-tour")
            .retry_on_initial_connect(false),
    )
    .await?;
    let info = client.server_info().ok_or("no server info")?;
    println!(
        "connected to nats-server {} ({}), max payload {} bytes\n",
        info.version, info.server_name, info.max_payload
    );

    pub_sub(&client).await?;
    request_reply(&client).await?;
    queue_groups(&client).await?;
    jetstream(&client).await?;
    services(&client).await?;
    stores(&client).await?;

    let stats = client.statistics().connection;
    println!(
        "\nstatistics: {} messages out, {} in",
        stats.out_msgs, stats.in_msgs
    );
    client.drain().await?;
    println!("drained and closed. That's the tour!");
    Ok(())
}

/// Publish/subscribe with a wildcard subscription and headers.
async fn pub_sub(client: &Client) -> Result<(), Error> {
    println!("1. publish / subscribe");
    let mut sub = client.subscribe("tour.greetings.*").await?;
    client.flush().await?;
    client.publish("tour.greetings.en", "hello").await?;
    let mut headers = HeaderMap::new();
    headers.insert("Trace-Id", "tour-42");
    client
        .publish_with_headers("tour.greetings.fr", headers, "bonjour")
        .await?;
    for _ in 0..2 {
        let msg = tokio::time::timeout(Duration::from_secs(5), sub.next())
            .await?
            .ok_or("subscription ended")?;
        let trace = msg
            .headers
            .as_ref()
            .and_then(|h| h.get("Trace-Id"))
            .unwrap_or("-");
        println!(
            "   got {:<20} {:<10} trace-id {trace}",
            msg.subject.as_str(),
            String::from_utf8_lossy(&msg.payload)
        );
    }
    Ok(())
}

/// Request/reply: a responder task, a request, and the no-responders error.
async fn request_reply(client: &Client) -> Result<(), Error> {
    println!("\n2. request / reply");
    let mut service = client.subscribe("tour.upper").await?;
    let responder = client.clone();
    tokio::spawn(async move {
        while let Some(req) = service.next().await {
            if let Some(reply) = &req.reply {
                let upper = String::from_utf8_lossy(&req.payload).to_uppercase();
                let _ = responder.publish(reply.as_str(), upper).await;
            }
        }
    });
    client.flush().await?;
    let reply = client.request("tour.upper", "make me loud").await?;
    println!(
        "   request 'make me loud' -> '{}'",
        String::from_utf8_lossy(&reply.payload)
    );
    match client.request("tour.nobody", "anyone?").await {
        Err(e) => println!("   request to tour.nobody -> {e}"),
        Ok(_) => println!("   unexpected reply from tour.nobody"),
    }
    Ok(())
}

/// Queue groups: each message goes to one member of the group.
async fn queue_groups(client: &Client) -> Result<(), Error> {
    println!("\n3. queue groups");
    let mut a = client.queue_subscribe("tour.jobs", "workers").await?;
    let mut b = client.queue_subscribe("tour.jobs", "workers").await?;
    client.flush().await?;
    for i in 0..100 {
        client.publish("tour.jobs", format!("job {i}")).await?;
    }
    client.flush().await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (mut na, mut nb) = (0, 0);
    while a.try_next().is_some() {
        na += 1;
    }
    while b.try_next().is_some() {
        nb += 1;
    }
    println!("   100 jobs split between two workers: {na} + {nb}");
    Ok(())
}

/// JetStream: a stream created on demand, a durable pull consumer and a durable push
/// consumer, each acking what it gets.
async fn jetstream(client: &Client) -> Result<(), Error> {
    println!("\n4. JetStream: a stream, a durable pull consumer and a durable push consumer");
    let js = client.jetstream();
    js.ensure_stream(StreamConfig::new("TOUR_ORDERS").subjects(["tour.orders.>"]))
        .await?;
    for i in 1..=3 {
        let ack = js
            .publish(format!("tour.orders.{i}"), format!("order {i}"))
            .await?;
        println!(
            "   published order {i}: stream {} seq {}{}",
            ack.stream,
            ack.seq,
            if ack.duplicate { " (duplicate)" } else { "" }
        );
    }
    let pull = js
        .get_or_create_pull_consumer("TOUR_ORDERS", ConsumerConfig::durable("tour_pull"))
        .await?;
    for msg in pull
        .fetch(FetchOptions::new(10).expires(Duration::from_secs(1)))
        .await?
    {
        println!(
            "   pull  got {:<10} seq {} delivered {}x",
            String::from_utf8_lossy(msg.payload()),
            msg.metadata()?.stream_sequence,
            msg.metadata()?.delivered
        );
        msg.ack().await?;
    }
    let mut push = js
        .push_subscribe("TOUR_ORDERS", ConsumerConfig::durable("tour_push"))
        .await?;
    for _ in 0..3 {
        match tokio::time::timeout(Duration::from_secs(5), push.next()).await? {
            Some(Ok(msg)) => {
                println!(
                    "   push  got {:<10} seq {}",
                    String::from_utf8_lossy(msg.payload()),
                    msg.metadata()?.stream_sequence
                );
                msg.double_ack().await?;
            }
            Some(Err(e)) => return Err(e.into()),
            None => break,
        }
    }
    js.delete_stream("TOUR_ORDERS").await?;
    Ok(())
}

/// A key-value bucket (compare-and-set on the revision, a watcher) and an object store
/// (a value larger than a message, in chunks, read back with its digest checked).
async fn stores(client: &Client) -> Result<(), Error> {
    println!("\n6. key-value and object stores");
    let js = client.jetstream();
    let kv = js
        .create_key_value(KeyValueConfig::new("tour_config"))
        .await?;
    let mut watch = kv.watch_updates("mode").await?;
    let first = kv.put("mode", "fast").await?;
    let second = kv.update("mode", "careful", first).await?;
    println!("   kv put mode=fast (revision {first}), updated to careful (revision {second})");
    if let Err(e) = kv.update("mode", "reckless", first).await {
        println!("   kv update from revision {first} again -> refused: {e}");
    }
    for _ in 0..2 {
        if let Ok(Some(Ok(entry))) =
            tokio::time::timeout(Duration::from_secs(5), watch.next()).await
        {
            println!(
                "   kv watch saw mode={} at revision {}",
                String::from_utf8_lossy(&entry.value),
                entry.revision
            );
        }
    }
    js.delete_key_value("tour_config").await?;

    let files = js
        .create_object_store(ObjectStoreConfig::new("tour_files"))
        .await?;
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let info = files.put_bytes("data.bin", data.clone()).await?;
    println!(
        "   object data.bin: {} bytes stored in {} chunks, {}",
        info.size, info.chunks, info.digest
    );
    let read = files.get("data.bin").await?.bytes().await?;
    println!(
        "   read back {} bytes, digest verified, identical: {}",
        read.len(),
        read == data
    );
    js.delete_object_store("tour_files").await?;
    Ok(())
}

#[derive(Deserialize)]
struct Greet {
    name: String,
}

#[derive(Serialize, Deserialize)]
struct Greeting {
    message: String,
}

/// A service on `v1.greeter.greet` (typed handler, JSON envelope), called from natbus, then
/// found through the NATS Service API.
async fn services(client: &Client) -> Result<(), Error> {
    println!("\n5. services");
    let service = client
        .service_builder()
        .name("greeter")
        .version("1.0.0")
        .add_action(
            "greet",
            Handler::typed(|req: Greet| async move {
                if req.name.is_empty() {
                    return Err(ServiceError::new(400, "name must not be empty"));
                }
                Ok(Greeting {
                    message: format!("Hello {}!", req.name),
                })
            }),
        )
        .start()
        .await?;
    #[derive(Serialize)]
    struct Req<'a> {
        name: &'a str,
    }
    let hello: Greeting = client
        .call("v1.greeter.greet", &Req { name: "Ada" })
        .await?;
    println!(
        "   call v1.greeter.greet {{\"name\":\"Ada\"}} -> {}",
        hello.message
    );
    match client
        .call::<_, Greeting>("v1.greeter.greet", &Req { name: "" })
        .await
    {
        Err(e) => println!("   call with an empty name -> {e}"),
        Ok(_) => println!("   unexpected success"),
    }
    let stats = service.stats();
    for e in &stats.endpoints {
        println!(
            "   $SRV.STATS: {} on {} handled {} requests, {} errors",
            e.name, e.subject, e.num_requests, e.num_errors
        );
    }
    service.stop().await?;
    Ok(())
}

/// A nats-server started for the tour and killed when it ends.
struct Throwaway {
    child: Child,
    url: String,
    dir: PathBuf,
}

impl Throwaway {
    fn start() -> Result<Self, Error> {
        let bin = std::env::var("NATS_SERVER_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/bin/nats-server")
            });
        if !bin.exists() {
            return Err(format!(
                "no nats-server at {}: run scripts/install-nats-server or set NATS_URL",
                bin.display()
            )
            .into());
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let dir = std::env::temp_dir().join(format!("natbus-tour-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let child = Command::new(&bin)
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let url = format!("nats://127.0.0.1:{port}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                println!("(started a throwaway nats-server on port {port})");
                return Ok(Throwaway { child, url, dir });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("the throwaway nats-server did not start".into())
    }
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
