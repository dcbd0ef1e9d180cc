//! JetStream: API subjects, request and response JSON types, ack metadata, pure consumer logic.
//!
//! JetStream is plain core NATS plus JSON: every admin call is a request to an API subject
//! with a JSON body and a JSON reply, messages come back on ordinary subscriptions, and
//! acks are publishes to the message's reply subject. This module holds everything about
//! that which does not need a socket or a clock, so the async API in the `natbus` crate is
//! a thin layer of "build subject and body, send the request, parse the reply".
//!
//! # How the pieces fit
//!
//! **Admin calls.** [`api::ApiPrefix`] builds the subject of every call (default
//! `$JS.API`, a domain's `$JS.<domain>.API`, or a custom import prefix) and validates the
//! stream/consumer names it puts into subjects. Request bodies are the serde types of
//! [`stream`], [`stream_info`], [`stream_msg`], [`consumer`] and [`consumer_info`]; every
//! reply goes through [`response::parse_response`], which looks at the `error` field first
//! and returns an [`response::ApiError`] whose `err_code` is matched with the constants
//! and predicates of [`errors`]. Listings are paged with [`response::Pager`].
//!
//! **Publishing.** [`publish::PublishOptions`] lists the `Nats-Expected-*` and
//! `Nats-Msg-Id` headers to add; the reply is a [`publish::PubAck`].
//! [`publish_retry::PublishRetry`] decides when a failed publish is sent again (ADR-22).
//! [`batch`] has batch publishing (ADR-50): atomic batches, and the flow-controlled
//! fast-ingest protocol as a state machine.
//!
//! **Consuming.** A delivered message's reply subject is its ack subject:
//! [`metadata::MessageMetadata::parse`] reads stream, consumer, sequences, delivery count
//! and timestamp from it, and [`ack::AckKind`] gives the exact body to publish there.
//! Pull consumers send [`pull::PullRequest`]s; [`pull::classify_pull_status`] names the
//! status replies and [`pull_tracker::PullTracker`] keeps a continuous
//! consumer's window full and watches its heartbeats; [`priority`] adds the priority
//! group fields (ADR-42) and keeps a pinned client's pin id. Push consumers classify their
//! heartbeats and flow-control requests with [`push::classify_push_status`].
//! [`ordered::OrderedConsumer`] turns a chain of ephemeral consumers into one gap-free,
//! in-order stream. These machines speak the verbs of
//! [`Connection`](crate::connection::Connection): what happened goes in through
//! `handle_*` (a message, a status, a reconnect, an expired timer), what to do comes out
//! of `poll_*` (the next pull request), and `poll_timeout` says when to call
//! `handle_timeout`.
//!
//! **Key-Value.** [`kv`] maps a bucket config onto a [`stream::StreamConfig`], keys onto
//! subjects, and stored or delivered messages back into [`kv::Entry`] values.
//!
//! **Object store.** [`object`] maps a bucket config onto a stream config, object names
//! onto meta subjects, and keeps the [`object::ObjectInfo`] JSON and the SHA-256
//! [`object::ObjectDigest`] that a read is checked against.
//!
//! Time is always passed in: timestamps are `SystemTime` values parsed from JSON or
//! subjects, and every deadline is computed from an `Instant` the caller provides.
//!
//! # Example: create a stream, then read its reply
//!
//! ```
//! use natbus_proto::jetstream::api::ApiPrefix;
//! use natbus_proto::jetstream::response::parse_response;
//! use natbus_proto::jetstream::stream::StreamConfig;
//! use natbus_proto::jetstream::stream_info::StreamInfo;
//!
//! let subject = ApiPrefix::new().stream_create("ORDERS")?;
//! let body = serde_json::to_vec(&StreamConfig::new("ORDERS").subjects(["orders.>"]))?;
//! assert_eq!(subject, "$JS.API.STREAM.CREATE.ORDERS");
//! assert_eq!(body, br#"{"name":"ORDERS","subjects":["orders.>"]}"#);
//!
//! // ...send the request; the reply is either a StreamInfo or an error envelope:
//! let reply = br#"{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":400,"err_code":10058,"description":"stream name already in use with a different configuration"}}"#;
//! let err = parse_response::<StreamInfo>(reply).unwrap_err();
//! assert!(err.api_error().is_some_and(|e| e.is_stream_name_in_use()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: a continuous pull consumer's loop
//!
//! ```
//! use std::time::{Duration, Instant};
//! use natbus_proto::jetstream::pull::PullAction;
//! use natbus_proto::jetstream::pull_tracker::{ConsumeOptions, PullTracker};
//!
//! let start = Instant::now(); // the driver's clock; tests use a virtual one
//! let mut tracker = PullTracker::new(ConsumeOptions::messages(100));
//! // 1. send what the tracker asks for
//! let request = tracker.poll_request(start).expect("an empty window pulls");
//! assert_eq!(request.batch, 100);
//! // 2. report traffic
//! tracker.handle_message(start, 120);
//! let status = tracker.handle_status(start, 408, "Request Timeout", Some(99), Some(0));
//! assert_eq!(status.action(), PullAction::Refill);
//! // 3. wake up at the heartbeat deadline
//! if let Some(deadline) = tracker.poll_timeout() {
//!     let missed = tracker.handle_timeout(deadline);
//!     assert!(!missed || tracker.pending_messages() == 0);
//! }
//! assert!(tracker.poll_request(start + Duration::from_secs(1)).is_some());
//! ```

pub mod account;
pub mod ack;
pub mod api;
pub mod asset_metadata;
pub mod base64;
pub mod batch;
pub mod consumer;
pub mod consumer_info;
pub mod consumer_policy;
pub mod counter;
pub mod direct_batch;
pub mod direct_get;
#[cfg(test)]
mod durations_tests;
pub mod errors;
pub mod features;
mod json;
pub mod kv;
pub mod metadata;
pub mod object;
pub mod ordered;
pub mod priority;
pub mod publish;
pub mod publish_retry;
pub mod pull;
pub mod pull_tracker;
pub mod push;
pub mod response;
pub mod schedule;
pub mod stream;
pub mod stream_info;
pub mod stream_msg;
mod stream_source;
pub mod terminal;

pub use ack::AckKind;
pub use api::ApiPrefix;
pub use consumer::{AckPolicy, ConsumerConfig, DeliverPolicy, ReplayPolicy};
pub use consumer_info::ConsumerInfo;
pub use metadata::MessageMetadata;
pub use publish::{PubAck, PublishOptions};
pub use pull::{PullRequest, PullStatus};
pub use pull_tracker::PullTracker;
pub use response::{ApiError, ResponseError, parse_response};
pub use stream::StreamConfig;
pub use stream_info::StreamInfo;
pub use stream_msg::StoredMessage;
