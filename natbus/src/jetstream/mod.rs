//! JetStream: streams, publishing with acks, pull/push/ordered consumers, key-value,
//! object stores.
//!
//! Everything here is a thin async layer over the pure logic of
//! [`natbus_proto::jetstream`]: build an API subject and JSON body, send a request with the
//! [`Client`], parse the reply. Consumers are state machines from the proto crate
//! ([`PullTracker`](natbus_proto::jetstream::pull_tracker::PullTracker),
//! [`OrderedConsumer`](natbus_proto::jetstream::ordered::OrderedConsumer), push flow
//! control) driven by the client's runtime timers, so this works on every runtime.
//!
//! ```no_run
//! # async fn demo(client: natbus::Client) -> Result<(), natbus::jetstream::JetStreamError> {
//! use natbus::jetstream::{ConsumerConfig, FetchOptions, StreamConfig};
//!
//! let js = client.jetstream();
//! js.ensure_stream(StreamConfig::new("ORDERS").subjects(["orders.>"])).await?;
//! let ack = js.publish("orders.new", "order 1").await?;
//! println!("stored as {}", ack.seq);
//!
//! let consumer = js
//!     .get_or_create_pull_consumer("ORDERS", ConsumerConfig::durable("worker"))
//!     .await?;
//! for msg in consumer.fetch(FetchOptions::new(10)).await? {
//!     println!("{} #{}", msg.subject(), msg.metadata()?.stream_sequence);
//!     msg.ack().await?;
//! }
//! # Ok(()) }
//! ```

#[cfg(any(feature = "kv", feature = "object-store"))]
mod batch;
mod bucket;
mod consumers;
mod context;
mod counter;
mod direct_batch;
mod error;
#[cfg(feature = "kv")]
mod kv;
mod message;
#[cfg(feature = "object-store")]
mod object_store;
mod publish;
mod publish_async;
mod requirements;
mod schedule;
mod stream;
mod stream_ensure;
mod streams;

pub use batch::atomic::AtomicBatchPublisher;
pub use batch::fast::{FastAck, FastPublisher};
pub use consumers::fetch::FetchStream;
pub use consumers::ordered::{OrderedMessages, OrderedOptions};
pub use consumers::pull::{DEFAULT_FETCH_EXPIRES, FetchOptions, PullConsumer};
pub use consumers::pull_messages::Messages;
pub use consumers::push::PushMessages;
pub use context::{DEFAULT_MAX_PENDING_ACKS, JetStream};
pub use counter::Counters;
pub use error::JetStreamError;
#[cfg(feature = "kv")]
pub use kv::Store;
#[cfg(feature = "kv")]
pub use kv::watch::Watch;
pub use message::JsMessage;
#[cfg(feature = "object-store")]
pub use object_store::ObjectStore;
#[cfg(feature = "object-store")]
pub use object_store::read::Object;
#[cfg(feature = "object-store")]
pub use object_store::watch::{ObjectWatch, ObjectWatchOptions};
pub use publish_async::PubAckFuture;
pub use stream::Stream;

pub use natbus_proto::jetstream::account::{AccountInfo, AccountLimits, AccountUsage, ApiStats};
pub use natbus_proto::jetstream::asset_metadata::ServerMetadata;
pub use natbus_proto::jetstream::batch::BatchError;
pub use natbus_proto::jetstream::batch::fast::{FastBatchConfig, FastEvent, GapMode};
pub use natbus_proto::jetstream::consumer::{
    AckPolicy, ConsumerConfig, DeliverPolicy, PriorityPolicy, ReplayPolicy,
};
pub use natbus_proto::jetstream::consumer_info::{
    ConsumerInfo, PauseResponse, PriorityGroupState, ResetResponse,
};
pub use natbus_proto::jetstream::counter::{CounterEntry, CounterError, CounterValue, Increment};
pub use natbus_proto::jetstream::direct_batch::{AsOf, BatchStart, DirectBatchError};
pub use natbus_proto::jetstream::features::{Feature, ServerSupport, ServerTooOld};
#[cfg(feature = "kv")]
pub use natbus_proto::jetstream::kv::{Entry, KeyValueConfig, Operation};
pub use natbus_proto::jetstream::metadata::MessageMetadata;
#[cfg(feature = "object-store")]
pub use natbus_proto::jetstream::object::{
    ObjectInfo, ObjectLink, ObjectMeta, ObjectOptions, ObjectStoreConfig, ObjectStoreStatus,
};
pub use natbus_proto::jetstream::priority::PullGroup;
pub use natbus_proto::jetstream::publish::{PubAck, PublishOptions};
pub use natbus_proto::jetstream::publish_retry::RetryPolicy;
pub use natbus_proto::jetstream::pull_tracker::ConsumeOptions;
pub use natbus_proto::jetstream::response::ApiError;
pub use natbus_proto::jetstream::schedule::{MessageSchedule, Schedule, ScheduleError};
pub use natbus_proto::jetstream::stream::{
    DiscardPolicy, RetentionPolicy, StorageType, StreamConfig,
};
pub use natbus_proto::jetstream::stream_info::StreamInfo;
pub use natbus_proto::jetstream::stream_msg::{PurgeRequest, StoredMessage};
pub use natbus_proto::jetstream::terminal::TerminalReason;
pub use natbus_proto::server_version::ServerVersion;

use natbus_proto::jetstream::api::ApiPrefix;

use crate::{Client, ConnectOptions};

impl Client {
    /// A [`JetStream`] context on this client: the API prefix of the connect options
    /// (`$JS.API` unless [`ConnectOptions::jetstream_domain`] or
    /// [`ConnectOptions::jetstream_api_prefix`] chose another), the client's request timeout.
    pub fn jetstream(&self) -> JetStream {
        let mut js = JetStream::new(self.clone());
        js.prefix = self.options().jetstream_prefix.clone();
        js
    }
}

impl ConnectOptions {
    /// [`Client::jetstream`] talks to the JetStream of `domain` (API prefix
    /// `$JS.<domain>.API`), as a `nats` context's `jetstream_domain` asks.
    pub fn jetstream_domain(mut self, domain: &str) -> Self {
        self.jetstream_prefix = ApiPrefix::domain(domain);
        self
    }

    /// [`Client::jetstream`] uses this API prefix (an API imported from another account),
    /// as a `nats` context's `jetstream_api_prefix` asks.
    pub fn jetstream_api_prefix(mut self, prefix: &str) -> Self {
        self.jetstream_prefix = ApiPrefix::custom(prefix);
        self
    }
}
