//! DIRECT.GET replies: the stored message itself, with `Nats-*` headers the server adds.
//!
//! Any replica (or mirror) may answer, so reads can be slightly stale. The reply is not
//! JSON: [`direct_get_message`] turns its headers and payload into the same
//! [`StoredMessage`] that STREAM.MSG.GET returns, and [`classify_direct_get_status`]
//! names the status replies (end of batch, not found, …).

use bytes::Bytes;

use super::stream_msg::StoredMessage;

/// Direct-get reply header: the stream that answered.
pub const NATS_STREAM: &str = "Nats-Stream";
/// Direct-get reply header: the stored message's sequence.
pub const NATS_SEQUENCE: &str = "Nats-Sequence";
/// Direct-get reply header: when the message was stored (RFC 3339).
pub const NATS_TIME_STAMP: &str = "Nats-Time-Stamp";
/// Direct-get reply header: the stored message's subject.
pub const NATS_SUBJECT: &str = "Nats-Subject";
/// Batch direct-get header: messages left after this one.
pub const NATS_NUM_PENDING: &str = "Nats-Num-Pending";
/// Batch direct-get header: the previous message's sequence in this batch (0 for the first);
/// on the end-of-batch status, the last sequence sent.
pub const NATS_LAST_SEQUENCE: &str = "Nats-Last-Sequence";
/// End-of-batch header for `multi_last` requests.
pub const NATS_UP_TO_SEQUENCE: &str = "Nats-UpTo-Sequence";

/// A message read with DIRECT.GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectMessage {
    /// The stream (or mirror) that answered.
    pub stream: String,
    /// The message.
    pub message: StoredMessage,
    /// Batch requests: messages left after this one.
    pub num_pending: Option<u64>,
    /// Batch requests: sequence of the previous message of this batch (0 for the first).
    pub last_sequence: Option<u64>,
}

/// A direct-get reply without the headers it must carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DirectGetError {
    /// A required `Nats-*` header is missing (e.g. the request used `no_hdr`).
    #[error("direct get reply lacks the {0} header")]
    MissingHeader(&'static str),
    /// A header value does not parse.
    #[error("direct get reply header {name} has an invalid value '{value}'")]
    InvalidHeader {
        /// Header name.
        name: &'static str,
        /// Its value.
        value: String,
    },
}

fn required<'a>(
    header: &impl Fn(&str) -> Option<&'a str>,
    name: &'static str,
) -> Result<&'a str, DirectGetError> {
    header(name).ok_or(DirectGetError::MissingHeader(name))
}

fn number(name: &'static str, value: &str) -> Result<u64, DirectGetError> {
    value
        .trim()
        .parse()
        .map_err(|_| DirectGetError::InvalidHeader {
            name,
            value: value.to_owned(),
        })
}

/// Builds the stored message from a DIRECT.GET reply.
///
/// `header` looks a header up by name in the reply (e.g. `|n| headers.get(n)`);
/// `raw_headers` is the reply's header block, kept as the message's headers (it includes
/// the `Nats-*` headers the server added); `payload` is the reply body.
///
/// Call this only for replies that are not status messages (see [`classify_direct_get_status`]).
///
/// # Errors
/// [`DirectGetError`] when `Nats-Stream`, `Nats-Subject`, `Nats-Sequence` or
/// `Nats-Time-Stamp` is missing or invalid.
pub fn direct_get_message<'a>(
    header: impl Fn(&str) -> Option<&'a str>,
    raw_headers: Option<Bytes>,
    payload: Bytes,
) -> Result<DirectMessage, DirectGetError> {
    let stream = required(&header, NATS_STREAM)?;
    let subject = required(&header, NATS_SUBJECT)?;
    let sequence = number(NATS_SEQUENCE, required(&header, NATS_SEQUENCE)?)?;
    let stamp = required(&header, NATS_TIME_STAMP)?;
    let time = crate::time::parse_rfc3339(stamp).map_err(|_| DirectGetError::InvalidHeader {
        name: NATS_TIME_STAMP,
        value: stamp.to_owned(),
    })?;
    let num_pending = header(NATS_NUM_PENDING)
        .map(|v| number(NATS_NUM_PENDING, v))
        .transpose()?;
    let last_sequence = header(NATS_LAST_SEQUENCE)
        .map(|v| number(NATS_LAST_SEQUENCE, v))
        .transpose()?;
    Ok(DirectMessage {
        stream: stream.to_owned(),
        message: StoredMessage {
            subject: subject.to_owned(),
            sequence,
            headers: raw_headers,
            payload,
            time,
        },
        num_pending,
        last_sequence,
    })
}

/// What a status reply to a DIRECT.GET means.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DirectGetStatus {
    /// `204 EOB`: a batch is complete.
    EndOfBatch,
    /// `404`: no such message (or nothing matched the batch).
    NotFound,
    /// `503` no responders: the stream does not exist or `allow_direct` is off; fall back to
    /// STREAM.MSG.GET.
    NoResponders,
    /// `408`: the request was empty, malformed or bad.
    BadRequest(String),
    /// `412`: the server's API level is below the required one.
    RequiredApiLevel,
    /// `413`: the batch would return too many results.
    TooManyResults,
    /// `429`: the server is overloaded with direct gets.
    TooManyRequests,
    /// Any other status, e.g. `500 <text>`.
    Other {
        /// Status code.
        code: u16,
        /// Description.
        description: String,
    },
}

/// Classifies a status reply (a header block with a status code) to a DIRECT.GET.
pub fn classify_direct_get_status(code: u16, description: &str) -> DirectGetStatus {
    match code {
        204 => DirectGetStatus::EndOfBatch,
        404 => DirectGetStatus::NotFound,
        503 => DirectGetStatus::NoResponders,
        408 => DirectGetStatus::BadRequest(description.to_owned()),
        412 => DirectGetStatus::RequiredApiLevel,
        413 => DirectGetStatus::TooManyResults,
        429 => DirectGetStatus::TooManyRequests,
        _ => DirectGetStatus::Other {
            code,
            description: description.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::stream_msg::header_in_block;
    use std::collections::HashMap;

    #[test]
    fn direct_get_from_captured_headers() {
        let raw = Bytes::from_static(b"NATS/1.0\r\nNats-Msg-Id: abc\r\nNats-Stream: ORDERS\r\nNats-Subject: orders.new\r\nNats-Sequence: 2\r\nNats-Time-Stamp: 2026-11-25T13:58:47.083673843Z\r\n\r\n");
        let lookup = |n: &str| {
            header_in_block(b"NATS/1.0\r\nNats-Msg-Id: abc\r\nNats-Stream: ORDERS\r\nNats-Subject: orders.new\r\nNats-Sequence: 2\r\nNats-Time-Stamp: 2026-11-25T13:58:47.083673843Z\r\n\r\n", n)
        };
        let d = direct_get_message(lookup, Some(raw), Bytes::from_static(b"hello2"))
            .expect("valid reply");
        assert_eq!(d.stream, "ORDERS");
        assert_eq!(d.message.subject, "orders.new");
        assert_eq!(d.message.sequence, 2);
        assert_eq!(d.message.header("Nats-Msg-Id"), Some("abc"));
        assert_eq!(d.num_pending, None);
    }

    #[test]
    fn direct_get_errors_and_batch_headers() {
        let mut h: HashMap<&str, &str> = HashMap::from([
            (NATS_STREAM, "S"),
            (NATS_SUBJECT, "a"),
            (NATS_SEQUENCE, "7"),
            (NATS_TIME_STAMP, "2025-03-01T09:15:02Z"),
            (NATS_NUM_PENDING, "4"),
            (NATS_LAST_SEQUENCE, "0"),
        ]);
        let d = direct_get_message(|n| h.get(n).copied(), None, Bytes::new()).expect("valid");
        assert_eq!((d.num_pending, d.last_sequence), (Some(4), Some(0)));
        h.insert(NATS_SEQUENCE, "x");
        assert_eq!(
            direct_get_message(|n| h.get(n).copied(), None, Bytes::new()),
            Err(DirectGetError::InvalidHeader {
                name: NATS_SEQUENCE,
                value: "x".into()
            })
        );
        h.remove(NATS_STREAM);
        assert_eq!(
            direct_get_message(|n| h.get(n).copied(), None, Bytes::new()),
            Err(DirectGetError::MissingHeader(NATS_STREAM))
        );
    }

    #[test]
    fn direct_get_statuses() {
        assert_eq!(
            classify_direct_get_status(204, "EOB"),
            DirectGetStatus::EndOfBatch
        );
        assert_eq!(
            classify_direct_get_status(404, "Message Not Found"),
            DirectGetStatus::NotFound
        );
        assert_eq!(
            classify_direct_get_status(503, ""),
            DirectGetStatus::NoResponders
        );
        assert_eq!(
            classify_direct_get_status(408, "Empty Request"),
            DirectGetStatus::BadRequest("Empty Request".into())
        );
        assert_eq!(
            classify_direct_get_status(412, "Required Api Level"),
            DirectGetStatus::RequiredApiLevel
        );
        assert_eq!(
            classify_direct_get_status(413, "Too Many Results"),
            DirectGetStatus::TooManyResults
        );
        assert_eq!(
            classify_direct_get_status(429, "Too Many Requests"),
            DirectGetStatus::TooManyRequests
        );
        assert_eq!(
            classify_direct_get_status(500, "boom"),
            DirectGetStatus::Other {
                code: 500,
                description: "boom".into()
            }
        );
    }
}
