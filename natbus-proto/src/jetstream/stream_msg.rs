//! Reading, deleting and purging stored messages: MSG.GET, MSG.DELETE, PURGE.
//!
//! MSG.GET returns a [`StoredMessage`] as JSON with base64 `hdrs`/`data`; DIRECT.GET
//! (see [`direct_get`](super::direct_get)) ends in the same value.

use crate::time::SystemTime;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::json::{self, is_false};

/// A message as stored in a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    /// The subject it was published to.
    pub subject: String,
    /// Its sequence in the stream.
    #[serde(rename = "seq")]
    pub sequence: u64,
    /// The full header block (`NATS/1.0\r\n…\r\n\r\n`), when the message has headers.
    #[serde(
        rename = "hdrs",
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::base64_bytes_opt"
    )]
    pub headers: Option<Bytes>,
    /// The payload.
    #[serde(rename = "data", default, with = "json::base64_bytes")]
    pub payload: Bytes,
    /// When it was stored.
    #[serde(with = "crate::time::rfc3339")]
    pub time: SystemTime,
}

impl StoredMessage {
    /// The first value of header `name` (case-insensitive) in the raw header block.
    ///
    /// A minimal reader for the few headers JetStream logic needs (e.g. `KV-Operation`); it
    /// does not unfold or unescape anything, which NATS headers never need.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_in_block(self.headers.as_deref()?, name)
    }
}

/// The first value of header `name` (case-insensitive) in a raw `NATS/1.0` header block.
pub fn header_in_block<'a>(block: &'a [u8], name: &str) -> Option<&'a str> {
    let text = std::str::from_utf8(block).ok()?;
    text.split("\r\n")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// STREAM.MSG.GET reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsgGetResponse {
    /// The message.
    pub message: StoredMessage,
}

/// A get request, for STREAM.MSG.GET and DIRECT.GET.
///
/// MSG.GET takes exactly one of `seq`, `last_by_subj`, `next_by_subj` (optionally with
/// `seq` as start); the batch fields are for DIRECT.GET only (server 2.10+/2.11+).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetRequest {
    /// The sequence, or the start for `next_by_subj`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The last message on this subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_by_subj: Option<String>,
    /// The first message at or after `seq` on this subject (wildcards allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_by_subj: Option<String>,
    /// DIRECT.GET: up to this many messages, ended by a `204 EOB` status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<usize>,
    /// DIRECT.GET batch: from the first message at or after this time (instead of `seq`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::rfc3339_opt"
    )]
    pub start_time: Option<SystemTime>,
    /// DIRECT.GET batch: byte budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<usize>,
    /// DIRECT.GET: the last message of each of these subjects (2.11+).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub multi_last: Vec<String>,
    /// DIRECT.GET `multi_last`: as of this sequence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to_seq: Option<u64>,
    /// DIRECT.GET `multi_last`: as of this time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::rfc3339_opt"
    )]
    pub up_to_time: Option<SystemTime>,
    /// DIRECT.GET: send messages without any headers (2.12+).
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_hdr: bool,
}

impl GetRequest {
    /// The message with sequence `seq`.
    pub fn sequence(seq: u64) -> Self {
        Self {
            seq: Some(seq),
            ..Self::default()
        }
    }

    /// The last message on `subject`.
    pub fn last_by_subject(subject: impl Into<String>) -> Self {
        Self {
            last_by_subj: Some(subject.into()),
            ..Self::default()
        }
    }

    /// The first message on `subject` at or after sequence `start`.
    pub fn next_by_subject(subject: impl Into<String>, start: u64) -> Self {
        Self {
            seq: Some(start),
            next_by_subj: Some(subject.into()),
            ..Self::default()
        }
    }

    /// Turns the request into a DIRECT.GET batch of up to `n` messages.
    pub fn batch(mut self, n: usize) -> Self {
        self.batch = Some(n);
        self
    }
}

/// The body of STREAM.MSG.DELETE.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsgDeleteRequest {
    /// Sequence to delete.
    pub seq: u64,
    /// Only mark deleted instead of overwriting the data on disk.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_erase: bool,
}

/// The body of STREAM.PURGE; the default purges everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeRequest {
    /// Only messages on this subject (wildcards allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Purge everything below this sequence (exclusive with `keep`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// Keep the newest n messages (exclusive with `seq`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<u64>,
}

/// STREAM.PURGE reply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeResponse {
    /// Whether the purge happened.
    #[serde(default)]
    pub success: bool,
    /// Messages removed.
    #[serde(default)]
    pub purged: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::response::parse_response;

    #[test]
    fn parses_captured_msg_get() {
        let json = br#"{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","message":{"subject":"orders.new","seq":2,"hdrs":"TkFUUy8xLjANCk5hdHMtTXNnLUlkOiBhYmMNCg0K","data":"aGVsbG8y","time":"2026-11-25T13:58:47.083673843Z"}}"#;
        let r: MsgGetResponse = parse_response(json).expect("captured reply parses");
        let m = r.message;
        assert_eq!(m.subject, "orders.new");
        assert_eq!(m.sequence, 2);
        assert_eq!(m.payload, Bytes::from_static(b"hello2"));
        assert_eq!(
            m.headers.as_deref(),
            Some(&b"NATS/1.0\r\nNats-Msg-Id: abc\r\n\r\n"[..])
        );
        assert_eq!(m.header("nats-msg-id"), Some("abc"));
        assert_eq!(m.header("Nats-Other"), None);
        assert_eq!(
            crate::time::format_rfc3339(m.time),
            "2026-11-25T13:58:47.083673843Z"
        );
        let back: StoredMessage =
            serde_json::from_value(serde_json::to_value(&m).expect("ok")).expect("round trip");
        assert_eq!(back, m);
    }

    #[test]
    fn missing_data_and_bad_base64() {
        let m: StoredMessage =
            serde_json::from_str(r#"{"subject":"a","seq":1,"time":"2025-03-01T09:15:02Z"}"#)
                .expect("ok");
        assert!(m.payload.is_empty() && m.headers.is_none());
        assert!(
            serde_json::from_str::<StoredMessage>(
                r#"{"subject":"a","seq":1,"data":"***","time":"2025-03-01T09:15:02Z"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn not_found_is_an_api_error() {
        let err = parse_response::<MsgGetResponse>(
            br#"{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","error":{"code":404,"err_code":10037,"description":"no message found"}}"#,
        )
        .expect_err("error reply");
        assert!(err.api_error().is_some_and(|e| e.is_no_message_found()));
    }

    #[test]
    fn requests_serialize_minimal() {
        let s = |v: &GetRequest| serde_json::to_string(v).expect("ok");
        assert_eq!(s(&GetRequest::sequence(5)), r#"{"seq":5}"#);
        assert_eq!(
            s(&GetRequest::last_by_subject("a.b")),
            r#"{"last_by_subj":"a.b"}"#
        );
        assert_eq!(
            s(&GetRequest::next_by_subject("a.*", 3).batch(10)),
            r#"{"seq":3,"next_by_subj":"a.*","batch":10}"#
        );
        assert_eq!(
            serde_json::to_string(&PurgeRequest::default()).expect("ok"),
            "{}"
        );
        let p = PurgeRequest {
            filter: Some("a".into()),
            keep: Some(1),
            seq: None,
        };
        assert_eq!(
            serde_json::to_string(&p).expect("ok"),
            r#"{"filter":"a","keep":1}"#
        );
        let d = MsgDeleteRequest {
            seq: 4,
            no_erase: true,
        };
        assert_eq!(
            serde_json::to_string(&d).expect("ok"),
            r#"{"seq":4,"no_erase":true}"#
        );
        let r: PurgeResponse = parse_response(br#"{"type":"io.nats.jetstream.api.v1.stream_purge_response","success":true,"purged":2}"#).expect("ok");
        assert_eq!(
            r,
            PurgeResponse {
                success: true,
                purged: 2
            }
        );
    }

    #[test]
    fn timestamp_edge_cases_in_json() {
        let at = |t: &str| {
            serde_json::from_str::<StoredMessage>(&format!(
                r#"{{"subject":"a","seq":1,"time":"{t}"}}"#
            ))
            .map(|m| crate::time::format_rfc3339(m.time))
        };
        // Go's zero time, a leap day with all nine digits, a short fraction, and the
        // `+00:00` offset some clients write.
        assert_eq!(
            at("0001-01-01T00:00:00Z").ok().as_deref(),
            Some("0001-01-01T00:00:00Z")
        );
        assert_eq!(
            at("2024-02-29T23:59:59.999999999Z").ok().as_deref(),
            Some("2024-02-29T23:59:59.999999999Z")
        );
        assert_eq!(
            at("2026-11-25T14:02:54.8Z").ok().as_deref(),
            Some("2026-11-25T14:02:54.8Z")
        );
        assert_eq!(
            at("2026-11-25T15:02:54+01:00").ok().as_deref(),
            Some("2026-11-25T14:02:54Z")
        );
        assert!(at("2025-02-29T00:00:00Z").is_err(), "not a leap year");
        assert!(at("2025-03-01 09:15:02").is_err(), "no offset");
    }

    mod proptests {
        use super::super::*;
        use crate::time::UNIX_EPOCH;
        use proptest::prelude::*;
        use std::time::Duration;

        proptest! {
            #[test]
            fn stored_message_json_round_trips(
                secs in 0u64..253_402_300_799,
                nanos in 0u32..1_000_000_000,
                seq in any::<u64>(),
                data in proptest::collection::vec(any::<u8>(), 0..32),
            ) {
                let m = StoredMessage {
                    subject: "a.b".into(),
                    sequence: seq,
                    headers: None,
                    payload: Bytes::from(data),
                    time: UNIX_EPOCH + Duration::new(secs, nanos),
                };
                let json = serde_json::to_vec(&m).expect("serializes");
                let back: StoredMessage = serde_json::from_slice(&json).expect("own output parses");
                prop_assert_eq!(back, m);
            }
        }
    }
}
