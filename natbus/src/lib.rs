//! # natbus: a NATS client for any async runtime
//!
//! natbus is written once against a small [`Runtime`] trait; `natbus-tokio` and
//! `natbus-smol` provide it (and re-export everything here), so the same [`Client`] runs on
//! tokio, smol or async-std. All protocol logic lives in the sans-IO `natbus-proto` crate;
//! this crate adds the async API and one connection driver.
//!
//! ```no_run
//! # async fn demo(client: natbus::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let mut sub = client.subscribe("greetings.>").await?;
//! client.publish("greetings.world", "hello").await?;
//! if let Some(msg) = sub.next().await {
//!     println!("{}: {:?}", msg.subject, msg.payload);
//! }
//! let reply = client.request("service.echo", "ping").await?;
//! # let _ = reply;
//! client.drain().await?;
//! # Ok(()) }
//! ```
//!
//! [`ConnectOptions::from_context`] connects with the settings of a `nats` tool context
//! (see [`context`]).
//!
//! Memory is bounded everywhere: the outbound buffer (publishing waits when it is full,
//! `try_publish` fails), the reconnect buffer, and every subscription's buffer (by messages
//! and bytes, dropping and reporting past it). Lifecycle changes are reported through
//! [`Client::events`] and `tracing`.
//!
//! ## Cargo features
//!
//! All on by default; with `default-features = false` natbus is core NATS (publish,
//! subscribe, request/reply, headers, reconnect, user/password and token auth), and builds
//! for `wasm32-unknown-unknown` (see `natbus-web`).
//!
//! | feature | adds |
//! |---|---|
//! | `tls` | TLS through rustls: `tls://` URLs, servers that require TLS, mutual TLS. Without it, a server that needs TLS fails the connect with an error naming the feature. |
//! | `nkeys` | nkey, JWT and `.creds` authentication |
//! | `jetstream` | [`jetstream`]: streams, publish with acks, consumers |
//! | `kv` | key-value buckets (implies `jetstream`) |
//! | `object-store` | object stores (implies `jetstream`) |
//! | `service` | [`service`]: the NATS Service API and `Client::call` |
//! | `bus` | [`bus`]: JetStream publish and durable subscriptions with handlers (implies `jetstream`) |
#![deny(missing_docs)]

#[cfg(feature = "nkeys")]
mod auth;
#[cfg(feature = "bus")]
pub mod bus;
mod catch_unwind;
mod client;
mod connection;
pub mod context;
pub mod envelope;
mod error;
mod events;
#[cfg(feature = "tls")]
mod first_bytes;
mod handler_subscription;
#[cfg(feature = "jetstream")]
pub mod jetstream;
mod options;
mod options_prod;
mod request_many;
mod runtime;
#[cfg(feature = "service")]
pub mod service;
mod subscriber;
#[cfg(feature = "tls")]
mod tls;
/// Without the `tls` feature: the same interface, refusing every use of TLS by name.
#[cfg(not(feature = "tls"))]
#[path = "tls_disabled.rs"]
mod tls;
mod websocket;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[cfg(feature = "nkeys")]
pub use auth::{CredentialsError, NkeySigner};
pub use bytes::Bytes;
pub use client::{Client, ClientStatistics, RequestOptions};
pub use error::HandlerError;
pub use error::{ConnectError, DrainError, FlushError, PublishError, RequestError, SubscribeError};
pub use events::{ClientEvent, EventStream};
/// The rustls version natbus uses, for [`ConnectOptions::tls_client_config`].
#[cfg(feature = "tls")]
pub use futures_rustls::rustls;
pub use handler_subscription::{HandlerStopTimedOut, HandlerSubscription, json_handler};
pub use natbus_proto as proto;
pub use natbus_proto::connect::NonceSigner;
pub use natbus_proto::connection::{CommandError, PublishCount, PublishLoss};
pub use natbus_proto::headers::{HeaderMap, StatusCode};
pub use natbus_proto::info::ServerInfo;
pub use natbus_proto::message::Message;
pub use natbus_proto::subject::Subject;
pub use options::ConnectOptions;
pub use request_many::{Replies, RequestManyOptions};
pub use runtime::{BoxFuture, Dialed, DirectWrite, Runtime, Socket};
pub use subscriber::Subscriber;
pub use websocket::WebSocketTarget;

use connection::shared::{Inner, Shared};
use connection::{driver_task, oneshot};
use natbus_proto::connection::Connection;
use natbus_proto::reconnect::PoolError;

/// Connects with `options` on `runtime` and waits until the connection is ready.
///
/// # Errors
/// [`ConnectError`] for a bad URL, rejected credentials, or no reachable server.
pub async fn connect_with(
    runtime: Arc<dyn Runtime>,
    options: ConnectOptions,
) -> Result<Client, ConnectError> {
    let config = options.connection_config()?;
    let seed = options.seed.unwrap_or_else(random_seed);
    let now = runtime.now();
    let conn = Connection::new(config, seed, now).map_err(|e| match e {
        PoolError::Servers(e) => ConnectError::InvalidUrl(e),
        e => ConnectError::Unreachable(e.to_string()),
    })?;
    let (tx, rx) = oneshot::channel();
    let inner = Inner {
        conn,
        subscribers: Default::default(),
        replies: Default::default(),
        flushes: HashMap::new(),
        space_waiters: Vec::new(),
        listeners: Vec::new(),
        first_connect: Some(tx),
        closed: None,
        closed_waiters: Vec::new(),
        slow_consumer_drops: 0,
        direct: Default::default(),
        timer_at: None,
        server: None,
        server_id: None,
    };
    let shared = Arc::new(Shared {
        inner: Mutex::new(inner),
        driver: Default::default(),
        runtime: runtime.clone(),
        options,
    });
    runtime.spawn(Box::pin(driver_task::DriverTask::new(shared.clone())));
    let client = Client::new(shared);
    if client_retries_in_background(&client) {
        return Ok(client);
    }
    match rx.await {
        Some(Ok(())) => Ok(client),
        Some(Err(e)) => Err(e),
        None => Err(ConnectError::Closed(
            "the connection driver stopped".to_owned(),
        )),
    }
}

/// With `retry_on_initial_connect` the client is handed out at once; publishes wait in the
/// reconnect buffer until the first connection is up.
fn client_retries_in_background(client: &Client) -> bool {
    client.options().retry_on_initial_connect
}

/// A seed from the process's random hasher keys and the time, so no RNG crate is needed.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        natbus_proto::time::SystemTime::now()
            .duration_since(natbus_proto::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// In a browser the hasher keys are constants and the clock has millisecond resolution,
/// so two pages opened together would share inbox names and reply to each other: the seed
/// comes from the Web Crypto API instead (getrandom's `wasm_js` backend).
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        // No Web Crypto (an unusual host): fall back to the clock, as on native targets.
        Err(e) => {
            tracing::warn!(error = %e, "no secure random source; seeding from the clock");
            natbus_proto::time::SystemTime::now()
                .duration_since(natbus_proto::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        }
    }
}
