//! The bus: the Python NATBus's service-facing API in Rust. One [`Bus`] holds a connection,
//! ensures the service's stream, publishes [`BusMessage`]s to
//! JetStream, and runs push and pull subscriptions whose async handlers receive
//! [`ReceivedMessage`]s with the envelope fields and
//! JetStream acks.
//!
//! - **Configure**: [`BusConfig`] in code, from a JSON file ([`BusConfig::from_file`]) or
//!   from `NATBUS_*` environment variables ([`BusConfig::from_env`]).
//! - **Publish**: [`Bus::publish`] waits for the stream's [`PubAck`](crate::jetstream::PubAck);
//!   [`Bus::publish_core`] is plain NATS.
//! - **Subscribe**: [`Bus::push_subscribe`] ([`PushOptions`]: durable, queue group, bind)
//!   and [`Bus::pull_subscribe`] ([`PullOptions`]: durable, batch, expires). Each runs its
//!   loop as a task on the client's runtime and returns a [`Subscription`] handle.
//! - **Acknowledge**: with automatic acks (the default) the bus acks when the handler
//!   returns `Ok` and, when it returns `Err` or panics, naks with a backoff delay, unless
//!   the handler already acked, nak'd or terminated the message; with `manual_ack` the
//!   handler decides.
//! - **Give up**: a message is delivered at most `max_deliver` times (default 5); when its
//!   last delivery fails it is dead-lettered (a callback, a dead-letter subject) and
//!   terminated, so a poison message cannot loop forever ([`Redelivery`]). Failures and
//!   these decisions are logged at warn level.
//! - **Shut down**: [`Subscription::stop`], or [`Bus::drain`] for everything: every
//!   subscription stops (running handlers finish), then the connection drains.
//!
//! Memory is bounded: a handler runs for one message at a time per subscription; a pull
//! subscription holds at most one batch; a push subscription's buffer is the client's
//! bounded subscription buffer, and the consumer's `max_ack_pending` bounds what the
//! server sends ahead.
//!
//! ```no_run
//! # async fn demo(runtime: std::sync::Arc<dyn natbus::Runtime>) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! use natbus::bus::{Bus, BusConfig, PullOptions, PushOptions, StreamSettings};
//! use natbus::envelope::{BusMessage, ReceivedMessage};
//!
//! let config = BusConfig::new()
//!     .server("nats-nats-jetstream:4222")
//!     .user_password("nats-user", "changeme")
//!     .name("orders-svc")
//!     .stream(StreamSettings::new("TEST_STREAM", ["test.stream"]))
//!     .manual_ack(true);
//! let bus = Bus::connect(runtime, config).await?;
//!
//! async fn handle(msg: ReceivedMessage) -> Result<(), natbus::bus::HandlerError> {
//!     println!("{} {:?} {:?}", msg.subject(), msg.trace_id(), msg.as_text());
//!     msg.ack().await?;
//!     Ok(())
//! }
//! bus.push_subscribe(PushOptions::new("test.stream").durable("orders_push"), handle).await?;
//! bus.pull_subscribe(PullOptions::new("test.stream").durable("orders_pull"), handle).await?;
//!
//! let msg = BusMessage::json("test.stream", &serde_json::json!({"hello": "world"}))?
//!     .sender("orders-svc");
//! bus.publish(msg).await?;
//! bus.drain().await?;
//! # Ok(()) }
//! ```

mod config;
mod config_env;
mod config_file;
mod dead_letter;
mod error;
mod handler;
mod nats_bus;
mod options;
mod pull;
mod push;
mod redelivery;
mod start;
mod stream_settings;
mod subscription;

pub use config::{BusConfig, DEFAULT_ACK_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, StreamSettings};
pub use config_env::{
    ENV_ACK_TIMEOUT, ENV_CREDS, ENV_MANUAL_ACK, ENV_NAME, ENV_PASSWORD, ENV_QUEUE_GROUP,
    ENV_REQUEST_TIMEOUT, ENV_SERVER, ENV_STREAM, ENV_STREAM_CREATE, ENV_STREAM_STORAGE,
    ENV_STREAM_SUBJECTS, ENV_TOKEN, ENV_USER,
};
pub use error::{BusError, ConfigError};
pub use handler::HandlerError;
pub use nats_bus::Bus;
pub use options::{DEFAULT_BATCH, DEFAULT_EXPIRES, PullOptions, PushOptions};
pub use redelivery::{
    DEAD_LETTER_CONSUMER_HEADER, DEAD_LETTER_DELIVERIES_HEADER, DEAD_LETTER_ERROR_HEADER,
    DEAD_LETTER_SEQUENCE_HEADER, DEAD_LETTER_STREAM_HEADER, DEAD_LETTER_SUBJECT_HEADER,
    DEFAULT_BACKOFF, DEFAULT_MAX_DELIVER, DeadLetter, DeadLetterCallback, Redelivery,
};
pub use subscription::Subscription;

pub use crate::envelope::{BusMessage, ReceivedMessage};
pub use natbus_proto::jetstream::stream::StorageType;

#[cfg(test)]
mod config_tests;
