//! Batch publishing into a stream (ADR-50), in its two modes.
//!
//! - **Atomic batches** ([`atomic::AtomicBatch`], servers 2.12+, streams with
//!   `allow_atomic`): every message carries `Nats-Batch-Id` and `Nats-Batch-Sequence`
//!   headers, the last one `Nats-Batch-Commit`; the server stages the messages and stores
//!   all of them or none. At most 1,000 messages per batch (the server's default limit).
//! - **Fast-ingest batches** ([`fast::FastBatch`], servers 2.14+, streams with
//!   `allow_batched`): no atomicity, no size limit, but far fewer acks: the batch state
//!   travels in each message's reply subject, the server acknowledges every N messages
//!   on one inbox and sets N itself (flow control), reporting gaps and failed messages on
//!   the same inbox. [`fast::FastBatch`] is that protocol as a state machine.
//!
//! Both end with a [`PubAck`](super::publish::PubAck) whose `batch` and `count` name the
//! batch and its size. Server rejections are [`ApiError`]s with the codes below; their
//! predicates (`is_batch_disabled` and friends) are on [`ApiError`].

pub mod atomic;
pub mod fast;
pub mod fast_config;
pub mod reply;

#[cfg(test)]
mod fast_tests;

use super::response::ApiError;

/// 10174: the stream does not allow atomic batches (`allow_atomic` is off).
pub const ATOMIC_DISABLED: u16 = 10174;
/// 10175: an atomic batch message lacks its `Nats-Batch-Sequence`.
pub const ATOMIC_MISSING_SEQUENCE: u16 = 10175;
/// 10176: an atomic batch was abandoned incomplete (a message was lost: a gap).
pub const ATOMIC_INCOMPLETE: u16 = 10176;
/// 10177: an atomic batch used a header it does not support (`Nats-Expected-Last-Msg-Id`).
pub const ATOMIC_UNSUPPORTED_HEADER: u16 = 10177;
/// 10179: the batch id is invalid (more than 64 characters).
pub const ATOMIC_INVALID_ID: u16 = 10179;
/// 10199: the atomic batch has more messages than the server allows (1,000 by default).
pub const ATOMIC_TOO_LARGE: u16 = 10199;
/// 10200: the commit of an atomic batch is invalid (an unknown `Nats-Batch-Commit` value).
pub const ATOMIC_INVALID_COMMIT: u16 = 10200;
/// 10201: the atomic batch repeats a `Nats-Msg-Id` already stored (2.12.1+).
pub const ATOMIC_DUPLICATE_MSG_ID: u16 = 10201;
/// 10210: too many atomic batches in flight (50 per stream, 1,000 per server).
pub const ATOMIC_TOO_MANY_INFLIGHT: u16 = 10210;
/// 10205: the stream does not allow fast-ingest batches (`allow_batched` is off).
pub const FAST_DISABLED: u16 = 10205;
/// 10206: the fast-ingest reply subject is malformed.
pub const FAST_INVALID_PATTERN: u16 = 10206;
/// 10207: the fast-ingest batch id is invalid (more than 64 characters).
pub const FAST_INVALID_ID: u16 = 10207;
/// 10208: the server does not know the fast-ingest batch (never started, or abandoned
/// after 10 s without a message).
pub const FAST_UNKNOWN_ID: u16 = 10208;
/// 10211: too many fast-ingest batches in flight.
pub const FAST_TOO_MANY_INFLIGHT: u16 = 10211;

/// The longest batch id a server accepts.
pub const MAX_BATCH_ID_LEN: usize = 64;

impl ApiError {
    /// The stream does not allow this kind of batch (10174 atomic, 10205 fast-ingest).
    pub fn is_batch_disabled(&self) -> bool {
        self.is(ATOMIC_DISABLED) || self.is(FAST_DISABLED)
    }

    /// An atomic batch lost a message and was abandoned (10176).
    pub fn is_batch_incomplete(&self) -> bool {
        self.is(ATOMIC_INCOMPLETE)
    }

    /// An atomic batch is larger than the server allows (10199).
    pub fn is_batch_too_large(&self) -> bool {
        self.is(ATOMIC_TOO_LARGE)
    }

    /// Too many batches in flight on the stream or server (10210, 10211); retry later.
    pub fn is_batch_too_many_inflight(&self) -> bool {
        self.is(ATOMIC_TOO_MANY_INFLIGHT) || self.is(FAST_TOO_MANY_INFLIGHT)
    }

    /// The server does not know the batch (10208): abandoned after 10 s of silence.
    pub fn is_batch_unknown(&self) -> bool {
        self.is(FAST_UNKNOWN_ID)
    }
}

/// What to do about a batch rejection, in a user's words; `None` for codes that are not
/// about batches.
pub fn rejection_hint(err_code: u16) -> Option<&'static str> {
    Some(match err_code {
        ATOMIC_DISABLED => "set allow_atomic on the stream (nats-server 2.12+)",
        FAST_DISABLED => "set allow_batched on the stream (nats-server 2.14+)",
        ATOMIC_INCOMPLETE => "a message of the batch was lost; publish the batch again",
        ATOMIC_TOO_LARGE => "split the batch: the server allows 1,000 messages by default",
        ATOMIC_UNSUPPORTED_HEADER => "leave Nats-Expected-Last-Msg-Id out of batch messages",
        ATOMIC_DUPLICATE_MSG_ID => "a Nats-Msg-Id of the batch is already stored",
        ATOMIC_TOO_MANY_INFLIGHT | FAST_TOO_MANY_INFLIGHT => {
            "too many batches in flight; retry when others are done"
        }
        FAST_UNKNOWN_ID => {
            "the server abandoned the batch (10 s without a message); start a new one"
        }
        ATOMIC_INVALID_ID | FAST_INVALID_ID => "batch ids have 1 to 64 characters",
        ATOMIC_MISSING_SEQUENCE | ATOMIC_INVALID_COMMIT | FAST_INVALID_PATTERN => {
            "the client sent a malformed batch message (a natbus bug: please report it)"
        }
        _ => return None,
    })
}

/// Why a batch cannot go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The id is not 1 to 64 characters of a subject token (no `.`, `*`, `>`, whitespace).
    #[error(
        "batch id '{0}' is invalid: use 1 to 64 characters without '.', '*', '>' or whitespace"
    )]
    InvalidId(String),
    /// The batch was committed or failed already: start a new one.
    #[error("the batch is over (committed or failed): start a new one")]
    Finished,
    /// The server's answer to the batch's first message is due: send nothing before it.
    #[error("the batch waits for the server's answer to its first message")]
    AwaitingReply,
    /// A commit that stores no message needs a batch with messages.
    #[error("an empty batch cannot be committed without a message: commit with a message")]
    EmptyCommit,
    /// The server refused the batch or one of its messages.
    #[error("{}", rejected(.0))]
    Rejected(ApiError),
    /// Nothing received the batch's first message: no stream captures its subject (or the
    /// stream has no leader right now).
    #[error("no stream captured the batch's first message (no responders)")]
    NoStream,
    /// The flow-control window is full: wait for acks before sending more.
    #[error("the batch's flow-control window is full: wait for the server's acks")]
    NotReady,
    /// Messages of a fast-ingest batch were lost, which ends a batch with `gap: fail`.
    #[error(
        "messages {expected} to {} of the batch were lost, which ends a batch in gap-fail mode",
        .current.saturating_sub(1)
    )]
    Gap {
        /// The first lost batch sequence.
        expected: u64,
        /// The sequence that revealed the gap.
        current: u64,
    },
    /// A message of a fast-ingest batch failed a check (such as an expected last
    /// sequence), which ends a batch with `gap: fail`.
    #[error("message {seq} of the batch was refused, which ends a batch in gap-fail mode: {error}")]
    MessageFailed {
        /// Its batch sequence.
        seq: u64,
        /// Why.
        error: ApiError,
    },
    /// The server ended the batch before the commit (after a gap or failure whose report
    /// was lost), storing `stored` messages.
    #[error("the server ended the batch early after storing {stored} of its messages")]
    EndedByServer {
        /// Messages stored.
        stored: u64,
    },
    /// The server did not answer (not even pings): it may be gone or overloaded.
    #[error("no answer from the server for {waited:?} ({pings} pings unanswered)")]
    TimedOut {
        /// How long the batch waited.
        waited: std::time::Duration,
        /// Pings sent meanwhile.
        pings: u32,
    },
    /// The server answered with something that is not a batch reply.
    #[error("invalid reply to a batch message: {0}")]
    InvalidReply(String),
}

fn rejected(e: &ApiError) -> String {
    match rejection_hint(e.err_code) {
        Some(hint) => format!("batch rejected: {e}: {hint}"),
        None => format!("batch rejected: {e}"),
    }
}

/// Checks a batch id as the server will (length), and as a reply-subject token
/// (fast-ingest batches carry it in the reply subject).
///
/// # Errors
/// [`BatchError::InvalidId`].
pub fn validate_batch_id(id: &str) -> Result<(), BatchError> {
    let bad = id.is_empty()
        || id.len() > MAX_BATCH_ID_LEN
        || id
            .chars()
            .any(|c| c == '.' || c == '*' || c == '>' || c.is_whitespace() || c.is_control());
    if bad {
        return Err(BatchError::InvalidId(id.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(err_code: u16) -> ApiError {
        ApiError {
            code: 400,
            err_code,
            description: "x".into(),
        }
    }

    #[test]
    fn ids_are_checked() {
        assert!(validate_batch_id("a").is_ok());
        assert!(validate_batch_id(&"a".repeat(64)).is_ok());
        for bad in ["", "a.b", "a*", ">", "a b", "a\tb"] {
            assert_eq!(
                validate_batch_id(bad),
                Err(BatchError::InvalidId(bad.into()))
            );
        }
        assert!(validate_batch_id(&"a".repeat(65)).is_err());
    }

    #[test]
    fn every_rejection_has_a_hint_and_predicates_match() {
        for code in [
            ATOMIC_DISABLED,
            ATOMIC_MISSING_SEQUENCE,
            ATOMIC_INCOMPLETE,
            ATOMIC_UNSUPPORTED_HEADER,
            ATOMIC_INVALID_ID,
            ATOMIC_TOO_LARGE,
            ATOMIC_INVALID_COMMIT,
            ATOMIC_DUPLICATE_MSG_ID,
            ATOMIC_TOO_MANY_INFLIGHT,
            FAST_DISABLED,
            FAST_INVALID_PATTERN,
            FAST_INVALID_ID,
            FAST_UNKNOWN_ID,
            FAST_TOO_MANY_INFLIGHT,
        ] {
            assert!(rejection_hint(code).is_some(), "{code}");
        }
        assert_eq!(rejection_hint(10071), None);
        assert!(api(10174).is_batch_disabled() && api(10205).is_batch_disabled());
        assert!(api(10176).is_batch_incomplete() && !api(10174).is_batch_incomplete());
        assert!(api(10199).is_batch_too_large());
        assert!(api(10210).is_batch_too_many_inflight());
        assert!(api(10208).is_batch_unknown());
        let e = BatchError::Rejected(api(10174)).to_string();
        assert!(e.contains("allow_atomic") && e.contains("10174"), "{e}");
    }
}
