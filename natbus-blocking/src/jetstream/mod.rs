//! JetStream, blocking: publish with acks, streams, pull consumers, key-value buckets.
//!
//! The handles here wrap natbus's ([`natbus::jetstream`]) and block on each call; configs,
//! infos, acks and [`JetStreamError`] are natbus's own.
//!
//! ```no_run
//! # fn demo(client: natbus_blocking::Client) -> Result<(), natbus_blocking::jetstream::JetStreamError> {
//! use natbus_blocking::jetstream::{ConsumerConfig, FetchOptions, StreamConfig};
//!
//! let js = client.jetstream();
//! js.ensure_stream(StreamConfig::new("ORDERS").subjects(["orders.>"]))?;
//! let ack = js.publish("orders.new", "order 1")?;
//! println!("stored as {}", ack.seq);
//!
//! let consumer = js.get_or_create_pull_consumer("ORDERS", ConsumerConfig::durable("worker"))?;
//! for msg in consumer.fetch(FetchOptions::new(10))? {
//!     println!("{} #{}", msg.subject(), msg.metadata()?.stream_sequence);
//!     msg.ack()?;
//! }
//! # Ok(()) }
//! ```

mod consumer;
#[cfg(feature = "kv")]
mod kv;
mod message;
mod stream;

use std::time::Duration;

use natbus::Bytes;
use natbus::HeaderMap;

pub use consumer::{Messages, PullConsumer};
#[cfg(feature = "kv")]
pub use kv::{Store, Watch};
pub use message::JsMessage;
pub use stream::Stream;

pub use natbus::jetstream::{
    AccountInfo, AckPolicy, ApiError, ConsumeOptions, ConsumerConfig, ConsumerInfo,
    DEFAULT_FETCH_EXPIRES, DeliverPolicy, DiscardPolicy, FetchOptions, JetStreamError,
    MessageMetadata, PubAck, PublishOptions, PurgeRequest, ReplayPolicy, RetentionPolicy,
    StorageType, StoredMessage, StreamConfig, StreamInfo,
};
#[cfg(feature = "kv")]
pub use natbus::jetstream::{Entry, KeyValueConfig, Operation};
#[cfg(feature = "kv")]
pub use natbus::proto::jetstream::kv::BucketStatus;

use crate::block::block_on;
use crate::client::Client;

impl Client {
    /// A [`JetStream`] context on this client (default API prefix, the client's request
    /// timeout).
    pub fn jetstream(&self) -> JetStream {
        JetStream {
            inner: self.as_async().jetstream(),
        }
    }
}

/// A JetStream context: every JetStream call goes through it, bounded by its timeout.
/// Cheap to clone, `Send + Sync`.
#[derive(Debug, Clone)]
pub struct JetStream {
    pub(crate) inner: natbus::jetstream::JetStream,
}

impl JetStream {
    /// Talks to the JetStream of `domain` (API prefix `$JS.<domain>.API`).
    pub fn with_domain(self, domain: &str) -> Self {
        Self {
            inner: self.inner.with_domain(domain),
        }
    }

    /// Uses a custom API prefix (an API imported from another account).
    pub fn with_api_prefix(self, prefix: &str) -> Self {
        Self {
            inner: self.inner.with_api_prefix(prefix),
        }
    }

    /// Sets the timeout of API calls and of waiting for publish acks: it bounds every
    /// blocking call of this context and of the handles made from it.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self {
            inner: self.inner.with_timeout(timeout),
        }
    }

    /// The timeout of API calls.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout()
    }

    /// The async context underneath.
    pub fn as_async(&self) -> &natbus::jetstream::JetStream {
        &self.inner
    }

    /// Account usage and limits; also the simplest "is JetStream there?" check.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::account_info`].
    pub fn account_info(&self) -> Result<AccountInfo, JetStreamError> {
        block_on(self.inner.account_info())
    }

    /// Publishes `payload` to `subject` and waits for the stream's [`PubAck`].
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::publish`]: no stream for the subject, timed
    /// out, an API error.
    pub fn publish(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<PubAck, JetStreamError> {
        block_on(self.inner.publish(subject, payload))
    }

    /// Publishes with headers and [`PublishOptions`] (`msg_id` for deduplication, the
    /// `expected_*` preconditions) and waits for the [`PubAck`].
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::publish_with`].
    pub fn publish_with(
        &self,
        subject: impl AsRef<str>,
        headers: Option<HeaderMap>,
        options: &PublishOptions,
        payload: impl Into<Bytes>,
    ) -> Result<PubAck, JetStreamError> {
        block_on(self.inner.publish_with(subject, headers, options, payload))
    }
}
