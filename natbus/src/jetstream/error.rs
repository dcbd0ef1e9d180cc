//! `JetStreamError`: every way a JetStream call can fail, with messages a user can act on.

use std::time::Duration;

use natbus_proto::connection::CommandError;
use natbus_proto::jetstream::api::InvalidName;
use natbus_proto::jetstream::batch::BatchError;
use natbus_proto::jetstream::consumer::ConsumerConfigError;
use natbus_proto::jetstream::counter::CounterError;
use natbus_proto::jetstream::direct_batch::DirectBatchError;
use natbus_proto::jetstream::direct_get::DirectGetError;
use natbus_proto::jetstream::features::{Feature, ServerTooOld};
use natbus_proto::jetstream::kv::KvError;
use natbus_proto::jetstream::metadata::MetadataError;
use natbus_proto::jetstream::object::ObjectError;
use natbus_proto::jetstream::pull::PullRequestError;
use natbus_proto::jetstream::response::{ApiError, ResponseError};
use natbus_proto::jetstream::schedule::ScheduleError;
use natbus_proto::jetstream::terminal::TerminalReason;
use natbus_proto::server_version::ServerVersion;

use crate::RequestError;

/// Why a JetStream operation failed.
///
/// Server-side failures are [`JetStreamError::Api`]: match them on the error's `err_code`
/// with the `is_*` helpers of [`ApiError`] (e.g. [`ApiError::is_stream_not_found`]) or the
/// constants in [`natbus_proto::jetstream::errors`], never on the text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JetStreamError {
    /// The server answered with a JetStream API error.
    #[error("JetStream API error: {0}")]
    Api(#[from] ApiError),
    /// Nothing answered an API request: JetStream is not enabled on the server (or for
    /// this account), or the API prefix/domain is wrong.
    #[error(
        "JetStream not available: nothing answered '{subject}' (is JetStream enabled for this account, and are the domain/prefix right?)"
    )]
    NotAvailable {
        /// The API subject that got no responders.
        subject: String,
    },
    /// An API request got no reply in time.
    #[error(
        "JetStream request to '{subject}' timed out after {timeout:?}: JetStream may be unavailable or overloaded"
    )]
    TimedOut {
        /// The request subject.
        subject: String,
        /// The timeout that passed.
        timeout: Duration,
    },
    /// A publish reached no stream, and no stream captures the subject (checked after the
    /// last retry).
    #[error("no stream captures subject '{subject}': create a stream whose subjects include it")]
    NoStreamForSubject {
        /// The subject published to.
        subject: String,
    },
    /// Nothing answered any attempt to publish (no responders), although a stream may
    /// capture the subject: its stream has no leader right now (an election, or too few
    /// of its servers up). Retrying later can succeed.
    #[error("{}", not_responding(.subject, .stream.as_deref(), *.attempts))]
    StreamNotResponding {
        /// The subject published to.
        subject: String,
        /// The stream capturing the subject, when the look-up after the last attempt
        /// found it (`None`: the look-up failed too, so it may also be that no stream
        /// captures the subject).
        stream: Option<String>,
        /// Attempts made, the first included.
        attempts: u32,
    },
    /// Nothing answered a pull request (no responders) although the consumer was not
    /// found to be gone: the consumer or its stream has no leader right now (an election).
    /// Fetching again later can succeed.
    #[error(
        "consumer '{consumer}' of stream '{stream}' did not answer the pull request (no responders) but was not found to be gone: it has no leader right now (an election?); fetch again"
    )]
    ConsumerNotResponding {
        /// The consumer's stream.
        stream: String,
        /// The consumer.
        consumer: String,
    },
    /// A batch publish failed (ADR-50): the server refused the batch or one of its
    /// messages, messages were lost, or the server stopped answering.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// Another request failure (connection lost or closed).
    #[error(transparent)]
    Request(RequestError),
    /// A reply that is not the JSON the API documents.
    #[error("invalid JetStream response: {0}")]
    Json(#[from] serde_json::Error),
    /// A stream or consumer name that cannot be put into an API subject.
    #[error("invalid name: {0}")]
    InvalidName(#[from] InvalidName),
    /// A consumer config the server would reject.
    #[error("invalid consumer config: {0}")]
    ConsumerConfig(#[from] ConsumerConfigError),
    /// A pull request the server would reject.
    #[error("invalid pull request: {0}")]
    PullRequest(#[from] PullRequestError),
    /// Publishing or subscribing on the connection failed.
    #[error("{0}")]
    Command(#[from] CommandError),
    /// A message whose reply subject is not a valid JetStream ack subject.
    #[error("not a JetStream message: {0}")]
    Metadata(#[from] MetadataError),
    /// A direct-get reply without the headers the server always sends.
    #[error("invalid direct get reply: {0}")]
    DirectGet(#[from] DirectGetError),
    /// A status reply that ended a request with an error.
    #[error("JetStream status {code} {description}")]
    Status {
        /// Status code.
        code: u16,
        /// Description.
        description: String,
    },
    /// The consumer exists but is of the other kind.
    #[error("consumer '{consumer}' is a {actual} consumer; use the {actual} consumer API")]
    WrongConsumerKind {
        /// The consumer's name.
        consumer: String,
        /// `"pull"` or `"push"`.
        actual: &'static str,
    },
    /// A push subscription's queue group does not match the consumer's `deliver_group`.
    #[error(
        "consumer '{consumer}' delivers to group {expected:?}, not {requested:?}: use the same deliver group"
    )]
    DeliverGroupMismatch {
        /// The consumer's name.
        consumer: String,
        /// The consumer's `deliver_group`.
        expected: Option<String>,
        /// The group asked for.
        requested: Option<String>,
    },
    /// An option combination that cannot work.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// A continuous consumer stopped for good; the reason says why (consumer or stream
    /// deleted, wrong consumer type, bad request, …).
    #[error("consuming stopped: {0}")]
    Terminal(TerminalReason),
    /// No heartbeat or message arrived for two heartbeat intervals. Not fatal: the
    /// consumer re-pulls (or resets) and keeps going.
    #[error("missed idle heartbeats: no traffic from the server for {0:?}")]
    MissedHeartbeats(Duration),
    /// A warning from the server about the consumer (not fatal).
    #[error("JetStream consumer warning: {0}")]
    Warning(String),
    /// A key-value bucket or key problem.
    #[error("{0}")]
    Kv(#[from] KvError),
    /// `create` found a live value under the key.
    #[error("key '{key}' already exists")]
    KeyExists {
        /// The key.
        key: String,
    },
    /// The key has no value at the revision asked for.
    #[error("key '{key}' not found")]
    KeyNotFound {
        /// The key.
        key: String,
    },
    /// The bucket's stream does not exist.
    #[error("key-value bucket '{0}' not found")]
    BucketNotFound(String),
    /// An object store bucket, name or stored object problem (including corrupt data).
    #[error("{0}")]
    Object(#[from] ObjectError),
    /// The object does not exist, or was deleted.
    #[error("object '{name}' not found in object store '{bucket}'")]
    ObjectNotFound {
        /// The bucket.
        bucket: String,
        /// The object's name.
        name: String,
    },
    /// The object store's stream does not exist.
    #[error("object store '{0}' not found")]
    ObjectStoreNotFound(String),
    /// The object store is sealed: it is read-only for good.
    #[error(
        "object store '{0}' is sealed: its objects can be read but not put, changed or deleted"
    )]
    ObjectStoreSealed(String),
    /// Reading the data given to an object store put failed.
    #[error("reading the data to store failed: {0}")]
    ReadData(#[source] std::io::Error),
    /// A publish ack or consumer wait that did not complete in time.
    #[error("{what} timed out after {timeout:?}")]
    Timeout {
        /// What was waited for.
        what: &'static str,
        /// How long.
        timeout: Duration,
    },
    /// The connection closed while waiting.
    #[error("connection closed")]
    Closed,
    /// A batch direct get that cannot go on (ADR-31).
    #[error("{0}")]
    DirectBatch(#[from] DirectBatchError),
    /// Not a counter stream, or not a counter value (ADR-49).
    #[error("{0}")]
    Counter(#[from] CounterError),
    /// A message schedule the server would refuse.
    #[error("{0}")]
    Schedule(#[from] ScheduleError),
    /// The server is too old for a feature: checked before anything is sent, from the
    /// connected server's INFO (see [`JetStream::require`](super::JetStream::require)),
    /// or refused by a JetStream server behind it through the `Nats-Required-Api-Level`
    /// header.
    #[error("{}", ServerTooOld { feature: *feature, needs: *needs, server: *server, server_api_level: *server_api_level })]
    ServerTooOld {
        /// The feature asked for.
        feature: Feature,
        /// The first server release with the feature.
        needs: ServerVersion,
        /// The server's version; `None` when only its API level is known (a JetStream
        /// server other than the connected one).
        server: Option<ServerVersion>,
        /// The server's JetStream API level, when known.
        server_api_level: Option<u32>,
    },
}

impl From<ServerTooOld> for JetStreamError {
    fn from(e: ServerTooOld) -> Self {
        Self::ServerTooOld {
            feature: e.feature,
            needs: e.needs,
            server: e.server,
            server_api_level: e.server_api_level,
        }
    }
}

impl JetStreamError {
    /// The server's API error, if this is one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e)
            | Self::Batch(BatchError::Rejected(e))
            | Self::Batch(BatchError::MessageFailed { error: e, .. }) => Some(e),
            _ => None,
        }
    }

    /// The server's `err_code`, if this is an API error.
    pub fn err_code(&self) -> Option<u16> {
        self.api_error().map(|e| e.err_code)
    }

    /// Whether the same call may succeed if made again later: a timeout, a lost
    /// connection, a stream or consumer without a leader for the moment, missed
    /// heartbeats, or a temporary API error (no quorum, insufficient resources). Errors
    /// about the request itself, a missing stream or consumer, or a closed client are not.
    ///
    /// ```
    /// use natbus::jetstream::JetStreamError;
    /// let e = JetStreamError::StreamNotResponding { subject: "orders.new".into(), stream: Some("ORDERS".into()), attempts: 3 };
    /// assert!(e.is_retryable());
    /// assert!(!JetStreamError::NoStreamForSubject { subject: "x".into() }.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::TimedOut { .. }
            | Self::Timeout { .. }
            | Self::StreamNotResponding { .. }
            | Self::ConsumerNotResponding { .. }
            | Self::MissedHeartbeats(_)
            | Self::Request(RequestError::Disconnected { .. })
            | Self::Batch(BatchError::TimedOut { .. }) => true,
            Self::Api(e) | Self::Batch(BatchError::Rejected(e)) => {
                e.is_temporary() || e.is_batch_too_many_inflight()
            }
            _ => false,
        }
    }

    /// Maps the failure of an API request (not a publish).
    pub(crate) fn from_api_request(e: RequestError) -> Self {
        match e {
            RequestError::NoResponders { subject } => Self::NotAvailable { subject },
            RequestError::TimedOut { subject, timeout } => Self::TimedOut { subject, timeout },
            RequestError::Closed => Self::Closed,
            other => Self::Request(other),
        }
    }

    /// Maps the failure of a publish that waits for a PubAck.
    pub(crate) fn from_publish_request(e: RequestError) -> Self {
        match e {
            RequestError::NoResponders { subject } => Self::NoStreamForSubject { subject },
            RequestError::TimedOut { subject, timeout } => Self::TimedOut { subject, timeout },
            RequestError::Closed => Self::Closed,
            other => Self::Request(other),
        }
    }
}

impl From<ResponseError> for JetStreamError {
    fn from(e: ResponseError) -> Self {
        match e {
            ResponseError::Api(a) => Self::Api(a),
            ResponseError::Json(j) => Self::Json(j),
            // `ResponseError` is non-exhaustive; any new kind is a malformed reply.
            #[allow(unreachable_patterns)]
            other => Self::Status {
                code: 0,
                description: other.to_string(),
            },
        }
    }
}

/// The message of [`JetStreamError::StreamNotResponding`].
fn not_responding(subject: &str, stream: Option<&str>, attempts: u32) -> String {
    let tries = if attempts == 1 { "attempt" } else { "attempts" };
    match stream {
        Some(stream) => format!(
            "stream '{stream}' captures subject '{subject}' but nothing answered {attempts} publish {tries}: the stream has no leader right now (an election, or too few of its servers are up); retry later"
        ),
        None => format!(
            "nothing answered {attempts} publish {tries} to '{subject}': no stream captures the subject, or its stream has no leader right now (an election); check that a stream captures it, and retry later"
        ),
    }
}
