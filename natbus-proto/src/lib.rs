//! # natbus-proto: the NATS client protocol as a pure state machine
//!
//! This crate knows everything about the NATS client protocol and nothing about sockets,
//! async runtimes or clocks. The caller feeds it bytes read from the network and the current
//! [`Instant`](std::time::Instant); it hands back bytes to write, the next deadline it cares
//! about, and events. That split (the "sans-IO" design of `quinn-proto` and `str0m`) is what
//! lets one driver in the `natbus` crate run on any runtime, and lets every protocol rule be
//! tested deterministically, byte by byte, with a virtual clock.
//!
//! The pieces, one concept per module:
//! - [`wire`]: the incremental parser and the encoder for every protocol operation.
//! - [`headers`]: the `NATS/1.0` header block with its status line.
//! - [`subject`]: subject, wildcard and queue-group validation and matching.
//! - [`info`] and [`connect`]: the JSON of the INFO and CONNECT handshake.
//! - [`prng`]: the small seeded generator behind every random choice.
//! - [`nuid`]: unique ids for inboxes.
//! - [`server_addr`]: server URLs and the `host:port` pairs of INFO `connect_urls`.
//! - [`reconnect`]: the server pool and the backoff policy, as data.
//! - [`connection`]: composes all of the above into the client state machine.
//! - [`jetstream`] and [`service`]: the JSON types and pure logic of JetStream and the
//!   Service API.
#![deny(missing_docs)]

pub mod connect;
pub mod connection;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod headers;
pub mod info;
pub mod jetstream;
pub mod keepalive;
pub mod message;
pub mod nuid;
pub mod outbound;
pub mod prng;
pub mod reconnect;
pub mod requests;
pub mod server_addr;
pub mod server_error;
pub mod service;
pub mod subject;
pub mod subscriptions;
pub mod time;
pub mod wire;
