//! natbus without async: a blocking API for programs that have no async runtime
//! (command-line tools, scripts, synchronous code bases).
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//!
//! let client = natbus_blocking::connect("nats://127.0.0.1:4222")?;
//! let mut sub = client.subscribe("greetings.*")?;
//! client.publish("greetings.world", "hello")?;
//! if let Some(msg) = sub.next_timeout(Duration::from_secs(1))? {
//!     println!("{}: {:?}", msg.subject, msg.payload);
//! }
//! let reply = client.request("service.echo", "ping")?;
//! # let _ = reply;
//! client.drain()?;
//! # Ok(()) }
//! ```
//!
//! Messages, options and errors are natbus's own ([`Message`], [`ConnectOptions`],
//! [`RequestError`], [`jetstream::JetStreamError`], …), re-exported here, so code and
//! knowledge move freely between this API and the async one. There is nothing to set up:
//! no runtime, no `async`, no `.await`.
//!
//! ## How it works, and why
//!
//! natbus is written once, as async code over a small [`natbus::Runtime`] trait; this
//! crate adds no second implementation of the protocol, only the blocking. Each
//! connection gets one background thread (named `natbus-blocking`) that runs natbus's
//! connection driver (and whatever else natbus spawns for that connection, such as
//! JetStream's ack reader), and every blocking call runs the matching async call to
//! completion on the calling thread ([`block_on`]). The choices:
//!
//! - **Sockets and timers from `async-io`**, through `natbus-smol`'s runtime: its reactor
//!   needs no setup and no context (a thread blocked in [`block_on`] drives it itself,
//!   otherwise async-io's own thread does), which is what "no runtime for the user" needs.
//!   tokio's sockets and timers only work inside a tokio runtime that someone must build.
//! - **One thread per connection**, running a small executor (`async-executor`): the
//!   connection's tasks are few and light, the thread's life is the connection's life
//!   (no global state to start or shut down), and one connection's work never waits for
//!   another's. A program with many connections should use the async API instead.
//! - **The calling thread waits**, not the background thread: requests, acks and
//!   publishes are written from the caller (see [`natbus::DirectWrite`]), so several
//!   threads blocking at once each wait for their own reply, in parallel.
//!
//! ## Threads
//!
//! [`Client`] and the JetStream handles are `Clone + Send + Sync`; [`Subscriber`] is
//! `Send`, so a subscription can be read on a thread of its own. Dropping the last
//! handle on a connection (clients, subscribers, JetStream handles) closes it, and its
//! background thread ends: nothing is left running. Call [`Client::drain`] first to
//! deliver what is in flight.
//!
//! ## How long each call blocks
//!
//! Every wait is bounded by a timeout, either the call's own or an option:
//!
//! | call | bounded by |
//! |---|---|
//! | [`connect`], [`connect_with`] | [`ConnectOptions::connect_timeout`] per server (returns at once with `retry_on_initial_connect`) |
//! | [`Client::request`], [`Client::flush`] | [`ConnectOptions::request_timeout`], or [`RequestOptions::timeout`] |
//! | [`Client::drain`] | [`ConnectOptions::drain_timeout`] |
//! | [`Client::publish`] | waits only while the outbound buffer is full, at most the request timeout; [`Client::try_publish`] never |
//! | [`Subscriber`]'s `next` | nothing: until a message or the end; [`Subscriber::next_timeout`] bounds it, [`Subscriber::try_next`] never waits |
//! | JetStream API calls and publishes | the JetStream timeout ([`jetstream::JetStream::with_timeout`], default the request timeout) |
//! | [`jetstream::PullConsumer::fetch`] | the fetch's `expires` plus a margin of at most 2 s |
//! | acks ([`jetstream::JsMessage::ack`], `nak`, `term`, `in_progress`) | publishes: wait only while the outbound buffer is full, which ends when the connection writes or closes (reconnecting gives up after `max_reconnects` attempts per server) |
//!
//! ## Inside an async program
//!
//! A blocking call blocks its thread: called on an async runtime's worker thread (inside
//! `#[tokio::main]`, a smol or async-std task), it stalls every other task of that worker
//! until it returns, and with a single-threaded runtime, the whole runtime. It cannot
//! deadlock on natbus (the connection runs on its own thread), but async code should use
//! `natbus-tokio` or `natbus-smol`, or move blocking work to `spawn_blocking`. The one
//! case that would deadlock, a blocking call made on a connection's own background
//! thread (from an async handler reached through [`Client::as_async`]), is detected:
//! there [`block_on`] keeps that thread's tasks running while it waits.
//!
//! ## Beyond the wrapped API
//!
//! Core NATS, JetStream publish, streams, pull consumers (fetch, continuous consume,
//! acks) and key-value buckets have blocking methods. For the rest (object stores,
//! services, the bus, client events), [`Client::as_async`] gives the async client and
//! [`block_on`] runs its futures.
#![deny(missing_docs)]

// The README's example is compiled with the doc tests, so it cannot rot.
#[cfg(all(doctest, feature = "kv"))]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

mod background;
mod block;
mod client;
#[cfg(feature = "jetstream")]
pub mod jetstream;
mod subscriber;

pub use background::THREAD_NAME;
pub use block::{TimedOut, block_on};
pub use client::Client;
pub use subscriber::Subscriber;

/// The async crate underneath, for [`Client::as_async`].
pub use natbus;
pub use natbus::{
    Bytes, ClientStatistics, CommandError, ConnectError, ConnectOptions, DrainError, FlushError,
    HeaderMap, Message, PublishError, RequestError, RequestOptions, ServerInfo, StatusCode,
    Subject, SubscribeError,
};

/// Connects to `url` (one or more comma-separated URLs) with default options.
///
/// # Errors
/// [`ConnectError`] when no server accepts the connection.
pub fn connect(url: &str) -> Result<Client, ConnectError> {
    connect_with(ConnectOptions::new().server(url))
}

/// Connects with `options`, blocking until the connection is ready (bounded by
/// [`ConnectOptions::connect_timeout`] per server).
///
/// # Errors
/// [`ConnectError`] for a bad URL, rejected credentials, or no reachable server;
/// [`ConnectError::Unreachable`] too when the system has no thread to spare for the
/// connection's background thread.
pub fn connect_with(options: ConnectOptions) -> Result<Client, ConnectError> {
    let runtime = background::start().map_err(|e| {
        ConnectError::Unreachable(format!("cannot start natbus's background thread: {e}"))
    })?;
    block_on(natbus::connect_with(runtime, options)).map(Client::new)
}
