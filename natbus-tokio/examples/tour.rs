//! A guided tour of natbus: run it with `./scripts/tour`.
//!
//! With `NATS_URL` set it uses that server; otherwise it starts a throwaway nats-server of
//! its own (JetStream on, a temporary store) and stops it at the end.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use natbus_tokio::{Client, ConnectOptions, HeaderMap};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
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
