//! An HTTP front for the greeter service (axum): `POST /greet {"name": "Ada"}` calls
//! `v1.greeter.greet` over NATS and returns the result. Service errors become HTTP errors
//! with the service's code; a missing service is a 503.
//!
//! ```sh
//! cargo run -p natbus-tokio --example greeter &
//! NATS_URL=nats://127.0.0.1:4222 HTTP_ADDR=127.0.0.1:8000 cargo run -p natbus-tokio --example greeter_http
//! curl -X POST localhost:8000/greet -d '{"name":"Ada"}' -H 'Content-Type: application/json'
//! ```

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use natbus_tokio::service::CallError;
use natbus_tokio::{Client, RequestError};
use tracing_subscriber::EnvFilter;

async fn greet(
    State(client): State<Client>,
    Json(payload): Json<serde_json::Value>,
) -> Result<Json<serde_json::Value>, (StatusCode, String)> {
    match client.call("v1.greeter.greet", &payload).await {
        Ok(result) => Ok(Json(result)),
        Err(CallError::Service(e)) => {
            let status = StatusCode::from_u16(e.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Err((status, e.message))
        }
        Err(CallError::Request(RequestError::NoResponders { .. })) => Err((
            StatusCode::SERVICE_UNAVAILABLE,
            "the greeter service is not running".into(),
        )),
        Err(e) => Err((StatusCode::BAD_GATEWAY, e.to_string())),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // natbus reports through `tracing`: print it on stderr (RUST_LOG overrides; info by default).
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let client = natbus_tokio::connect_with(natbus_tokio::ConnectOptions::from_env()).await?;
    let addr = std::env::var("HTTP_ADDR").unwrap_or_else(|_| "127.0.0.1:8000".to_owned());
    let app = Router::new()
        .route("/greet", post(greet))
        .with_state(client.clone());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{addr}; Ctrl-C to stop");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    client.drain().await?;
    Ok(())
}
