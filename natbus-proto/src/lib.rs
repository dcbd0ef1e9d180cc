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
//! - [`info`] and [`connect`]: the JSON of the INFO and CONNECT handshake;
//!   [`server_version`]: the server version INFO reports, for feature checks.
//! - [`Prng`]: the small seeded generator behind every random choice.
//! - [`nuid`]: unique ids for inboxes.
//! - [`server_addr`]: server URLs and the `host:port` pairs of INFO `connect_urls`.
//! - [`reconnect`]: the server pool and the backoff policy, as data.
//! - [`connection`]: composes all of the above into the client state machine.
//! - [`websocket`]: the WebSocket client codec (upgrade handshake, frames) under `ws://`
//!   and `wss://`.
//! - [`jetstream`] and [`service`]: the JSON types and pure logic of JetStream and the
//!   Service API.
//!
//! # The codec on its own
//!
//! The decoder takes bytes split anywhere and hands out operations; payloads are slices of
//! its read buffer, not copies:
//!
//! ```
//! use natbus_proto::wire::{DecodeLimits, ServerDecoder, ServerOp};
//!
//! let mut decoder = ServerDecoder::new(DecodeLimits::default());
//! decoder.extend(b"MSG orders.new 7 5\r\nhel");
//! assert!(decoder.decode().expect("valid so far").is_none(), "the body is incomplete");
//! decoder.extend(b"lo\r\nPING\r\n");
//! let Some(ServerOp::Msg { sid, message }) = decoder.decode().expect("valid") else {
//!     panic!("a message comes first");
//! };
//! assert_eq!((sid, message.subject.as_str(), &message.payload[..]), (7, "orders.new", &b"hello"[..]));
//! assert_eq!(decoder.decode().expect("valid"), Some(ServerOp::Ping));
//! ```
//!
//! The encoder writes client operations; headers carry an optional status line:
//!
//! ```
//! use bytes::BytesMut;
//! use natbus_proto::headers::{HeaderMap, StatusCode};
//! use natbus_proto::wire::encode::encode_pub;
//!
//! let mut headers = HeaderMap::new();
//! headers.insert("Trace-Id", "abc");
//! let mut out = BytesMut::new();
//! encode_pub(&mut out, "orders.new", None, Some(&headers), b"hello");
//! assert_eq!(&out[..], &b"HPUB orders.new 27 32\r\nNATS/1.0\r\nTrace-Id: abc\r\n\r\nhello\r\n"[..]);
//!
//! let status = HeaderMap::parse(b"NATS/1.0 503\r\n\r\n").expect("a status-only block");
//! assert_eq!(status.status(), Some(StatusCode::NO_RESPONDERS));
//! ```
//!
//! Subjects are validated before anything is sent, and matched against wildcards:
//!
//! ```
//! use natbus_proto::subject::{matches, validate_publish, validate_subscribe};
//!
//! assert!(validate_publish("orders.new").is_ok());
//! assert!(validate_publish("orders.*").is_err(), "wildcards only in subscriptions");
//! assert!(validate_subscribe("orders.>").is_ok());
//! assert!(matches("orders.*", "orders.new") && matches("orders.>", "orders.eu.new"));
//! assert!(!matches("orders.*", "orders.eu.new"));
//! ```
//!
//! Unique ids for inboxes come from a generator seeded by the caller (no global randomness):
//!
//! ```
//! let mut nuid = natbus_proto::nuid::Nuid::new(42);
//! let (a, b) = (nuid.next_string(), nuid.next_string());
//! assert_eq!(a.len(), 22);
//! assert_ne!(a, b);
//! ```
#![deny(missing_docs)]

pub mod connect;
pub mod connection;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod headers;
pub mod info;
pub mod jetstream;
mod keepalive;
pub mod message;
pub mod nuid;
mod outbound;
mod prng;
pub mod reconnect;
mod requests;
pub mod server_addr;
pub mod server_error;
pub mod server_version;
pub mod service;
pub mod subject;
mod subscriptions;
pub mod time;
pub mod websocket;
pub mod wire;

pub use prng::Prng;
