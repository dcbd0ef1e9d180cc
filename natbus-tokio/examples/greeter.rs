//! A greeter service: `v1.greeter.greet` answers `{"name": "Ada"}` with
//! `{"result": {"message": "Hello Ada!"}}`, until Ctrl-C, then drains.
//!
//! ```sh
//! NATS_URL=nats://127.0.0.1:4222 cargo run -p natbus-tokio --example greeter
//! nats request v1.greeter.greet '{"name":"Ada"}'
//! nats micro info greeter
//! ```

use natbus_tokio::service::{Handler, ServiceError};
use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;

#[derive(Deserialize)]
struct Greet {
    name: String,
}

#[derive(Serialize)]
struct Greeting {
    message: String,
}

async fn greet(request: Greet) -> Result<Greeting, ServiceError> {
    if request.name.trim().is_empty() {
        return Err(ServiceError::new(400, "name must not be empty"));
    }
    Ok(Greeting {
        message: format!("Hello {}!", request.name),
    })
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
        .name("greeter")
        .version("1.0.0")
        .description("Says hello")
        .workers(8)
        .add_action("greet", Handler::typed(greet))
        .start()
        .await?;
    println!(
        "greeter {} listening on v1.greeter.greet; Ctrl-C to stop",
        service.id()
    );
    tokio::select! {
        _ = tokio::signal::ctrl_c() => println!("stopping: finishing in-flight requests"),
        () = service.stopped() => println!("the connection closed"),
    }
    service.stop().await?;
    client.drain().await?;
    Ok(())
}
