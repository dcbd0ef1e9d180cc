//! The bus's errors: bad configuration, and everything a bus operation can run into.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{ConnectError, DrainError, PublishError};
use crate::jetstream::JetStreamError;

/// Why a [`BusConfig`](super::BusConfig) could not be loaded or is not usable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("could not read bus config file '{}': {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The config file is not valid JSON or not a valid config (the message names the
    /// line, column and setting).
    #[error("bus config '{}' is invalid: {source}", path.display())]
    Parse {
        /// The file (`<json>` for a string).
        path: PathBuf,
        /// What is wrong, with its position.
        #[source]
        source: serde_json::Error,
    },
    /// An environment variable has a value that cannot be used.
    #[error("environment variable {variable}={value:?} is invalid: {reason}")]
    Env {
        /// The variable's name.
        variable: String,
        /// Its value.
        value: String,
        /// What was expected.
        reason: String,
    },
    /// Settings that are wrong on their own or do not fit together.
    #[error("invalid bus config: {0}")]
    Invalid(String),
}

/// Why a [`Bus`](super::Bus) operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BusError {
    /// The configuration is not usable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Connecting failed (unreachable server, rejected credentials, bad URL).
    #[error("could not connect the bus: {0}")]
    Connect(#[from] ConnectError),
    /// A JetStream call failed (no stream for a subject, API error, timeout).
    #[error(transparent)]
    JetStream(#[from] JetStreamError),
    /// A plain NATS publish or subscribe failed.
    #[error("{0}")]
    Publish(#[from] PublishError),
    /// No stream captures the subject of a subscription.
    #[error(
        "no stream captures subject '{subject}': configure the bus's stream or name the stream in the options"
    )]
    NoStream {
        /// The subject.
        subject: String,
    },
    /// More than one stream captures the subject of a subscription.
    #[error("streams {streams:?} all capture subject '{subject}': name the stream in the options")]
    AmbiguousStream {
        /// The subject.
        subject: String,
        /// The streams capturing it.
        streams: Vec<String>,
    },
    /// The durable consumer exists and `bind` is off.
    #[error(
        "consumer '{consumer}' already exists on stream '{stream}': set bind to true to resume it"
    )]
    ConsumerExists {
        /// The stream.
        stream: String,
        /// The durable name.
        consumer: String,
    },
    /// An option that cannot be used.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// A subscription's handler was still running when the stop timeout passed; the
    /// subscription stops after that handler returns.
    #[error(
        "subscription '{consumer}' did not stop within {timeout:?}: a handler is still running"
    )]
    StopTimedOut {
        /// The consumer's name.
        consumer: String,
        /// The timeout.
        timeout: Duration,
    },
    /// Draining the connection failed.
    #[error("{0}")]
    Drain(#[from] DrainError),
    /// The bus was drained or closed.
    #[error("the bus is closed")]
    Closed,
}
