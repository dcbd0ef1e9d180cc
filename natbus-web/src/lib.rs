//! natbus in the browser: the `Runtime` over the browser's `WebSocket`, timers
//! (`setTimeout`), tasks (`wasm-bindgen-futures`) and clock (`performance.now()`), and a
//! re-export of the whole API.
//!
//! Build for `wasm32-unknown-unknown`; on other targets this crate is empty. The code is
//! the same as on tokio; only the server URL is a WebSocket one (`ws://` or `wss://`, whose
//! TLS is the browser's), since a page cannot open TCP connections:
//!
//! ```ignore
//! let client = natbus_web::connect("ws://127.0.0.1:8080").await?;
//! let mut sub = client.subscribe("greetings.*").await?;
//! client.publish("greetings.web", "hello").await?;
//! let msg = sub.next().await;
//! ```
//!
//! Everything else (the protocol, reconnects, timeouts, JetStream, services) is natbus's,
//! written once for every runtime. A refused connection, a bad URL or a closed socket
//! arrive as the same `Result`s and events as on tokio.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#![deny(missing_docs)]

mod send;
mod websocket;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use natbus::proto::time::Instant;
pub use natbus::*;

use send::Local;

/// The longest delay `setTimeout` takes (2^31 - 1 ms); a longer sleep is several.
const MAX_TIMEOUT_MS: u64 = i32::MAX as u64;

/// Runs natbus on the browser's event loop.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebRuntime;

impl Runtime for WebRuntime {
    fn connect(&self, host: &str, port: u16) -> BoxFuture<io::Result<Dialed>> {
        let reason = format!(
            "a browser cannot open a TCP connection to {host}:{port}: use a ws:// or wss:// server URL"
        );
        Box::pin(async move { Err(io::Error::new(io::ErrorKind::Unsupported, reason)) })
    }

    fn connect_websocket(&self, target: &WebSocketTarget) -> Option<BoxFuture<io::Result<Dialed>>> {
        let url = target.url().to_owned();
        Some(Box::pin(Local::new(async move {
            let socket = websocket::open(url).await?;
            Ok(Dialed::new(Box::new(socket)))
        })))
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<()> {
        Box::pin(Local::new(async move {
            // setTimeout may fire a little early (it rounds, and a long delay is split):
            // sleep again until the deadline has really passed.
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                gloo_timers::future::TimeoutFuture::new(timeout_ms(left)).await;
            }
        }))
    }

    fn spawn(&self, future: BoxFuture<()>) {
        wasm_bindgen_futures::spawn_local(future);
    }
}

/// `left` in whole milliseconds, rounded up (so a sleep never ends early and spins), at
/// least 1 and at most what `setTimeout` takes.
fn timeout_ms(left: Duration) -> u32 {
    let ms = left
        .as_micros()
        .div_ceil(1000)
        .clamp(1, u128::from(MAX_TIMEOUT_MS));
    u32::try_from(ms).unwrap_or(u32::MAX)
}

/// The browser runtime as a shareable [`Runtime`].
pub fn runtime() -> Arc<dyn Runtime> {
    Arc::new(WebRuntime)
}

/// Connects to `url` (one or more comma-separated `ws://` or `wss://` URLs) with default
/// options.
///
/// # Errors
/// [`ConnectError`] when no server accepts the connection.
pub async fn connect(url: &str) -> Result<Client, ConnectError> {
    connect_with(ConnectOptions::new().server(url)).await
}

/// Connects with `options` on the browser's event loop.
///
/// # Errors
/// [`ConnectError`] when no server accepts the connection.
pub async fn connect_with(options: ConnectOptions) -> Result<Client, ConnectError> {
    natbus::connect_with(runtime(), options).await
}
