//! Why a continuous consumer stopped for good: the typed reason behind a terminal error,
//! so applications match on what happened rather than on message text.

/// Why a continuous consumer (pull `messages()`, `fetch`, push) stopped for good.
///
/// The `Display` text is the message a user reads; match on the variant to act on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TerminalReason {
    /// The consumer was deleted: a `409 Consumer Deleted` status, or a 503 no-responders
    /// status after which the consumer was found to be gone.
    #[error("the consumer was deleted")]
    ConsumerDeleted,
    /// A push consumer no longer exists and the subscription may not create it again (a
    /// durable, or one it did not create itself).
    #[error("push consumer '{consumer}' no longer exists")]
    ConsumerNotFound {
        /// The consumer's name.
        consumer: String,
    },
    /// The consumer's stream no longer exists (deleted, or a memory stream lost with a
    /// server restart).
    #[error("stream '{stream}' no longer exists")]
    StreamDeleted {
        /// The stream's name.
        stream: String,
    },
    /// The consumer is a push consumer; pulling needs a pull consumer.
    #[error("the consumer is push based; pull needs a pull consumer")]
    ConsumerIsPushBased,
    /// The server rejected the pull request (a 400 status); holds its description.
    #[error("the server rejected the pull request: {0}")]
    BadRequest(String),
    /// The server is too old for a feature the request needs (a 412 status).
    #[error("the server is too old for a feature this request needs")]
    ServerTooOld,
}
