//! Publishing to a stream: the `PubAck` reply and the headers the server checks.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::json::is_false;
use super::response::ResponseError;

/// Deduplication id: a repeat within the stream's duplicate window is not stored again.
pub const NATS_MSG_ID: &str = "Nats-Msg-Id";
/// Fail unless the message lands in this stream (10060).
pub const NATS_EXPECTED_STREAM: &str = "Nats-Expected-Stream";
/// Fail unless the stream's last sequence is this (10071).
pub const NATS_EXPECTED_LAST_SEQUENCE: &str = "Nats-Expected-Last-Sequence";
/// Fail unless the stream's last message id is this (10070).
pub const NATS_EXPECTED_LAST_MSG_ID: &str = "Nats-Expected-Last-Msg-Id";
/// Fail unless the last message on this subject has this sequence; 0 = none (10071/10164).
pub const NATS_EXPECTED_LAST_SUBJECT_SEQUENCE: &str = "Nats-Expected-Last-Subject-Sequence";
/// Scope of the previous header as a subject filter (2.11+).
pub const NATS_EXPECTED_LAST_SUBJECT_SEQUENCE_SUBJECT: &str =
    "Nats-Expected-Last-Subject-Sequence-Subject";
/// `sub` removes older messages on the subject, `all` purges the stream.
pub const NATS_ROLLUP: &str = "Nats-Rollup";
/// Value of [`NATS_ROLLUP`] that rolls up the message's subject.
pub const ROLLUP_SUBJECT: &str = "sub";
/// Value of [`NATS_ROLLUP`] that rolls up the whole stream.
pub const ROLLUP_ALL: &str = "all";
/// Per-message TTL (2.11+; stream needs `allow_msg_ttl`).
pub const NATS_TTL: &str = "Nats-TTL";

/// The reply to a publish into a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PubAck {
    /// The stream that stored the message.
    pub stream: String,
    /// Its sequence (for a duplicate: the original's).
    #[serde(default)]
    pub seq: u64,
    /// The message was a duplicate and not stored again.
    #[serde(default, skip_serializing_if = "is_false")]
    pub duplicate: bool,
    /// The stream's JetStream domain, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// For an add to a counter (ADR-49): the subject's total after it, as decimal text
    /// (`val`; see [`CounterValue`](super::counter::CounterValue)).
    #[serde(rename = "val", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The id of the batch this ack ends (batch publishing, ADR-50); `seq` is then the
    /// batch's last message's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// How many messages the batch had (batch publishing; 0 otherwise).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub count: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl PubAck {
    /// Parses a publish reply; errors arrive in the usual API envelope.
    ///
    /// # Errors
    /// [`ResponseError::Api`] when the server refused the message (e.g. 10071 wrong last
    /// sequence), [`ResponseError::Json`] when the reply is not a PubAck.
    pub fn parse(json: &[u8]) -> Result<Self, ResponseError> {
        // One pass (every publish into a stream parses one of these): the success fields
        // and `error` are read together, instead of probing for `error` and parsing again.
        let reply: PubAckReply = serde_json::from_slice(json)?;
        if let Some(error) = reply.error {
            return Err(ResponseError::Api(error));
        }
        let stream = reply
            .stream
            .ok_or_else(|| <serde_json::Error as serde::de::Error>::missing_field("stream"))?;
        Ok(PubAck {
            stream,
            seq: reply.seq,
            duplicate: reply.duplicate,
            domain: reply.domain,
            value: reply.val,
            batch: reply.batch,
            count: reply.count,
        })
    }
}

/// A publish reply as sent: a [`PubAck`] or an `error`, in one shape.
#[derive(Deserialize)]
struct PubAckReply {
    #[serde(default)]
    error: Option<super::response::ApiError>,
    #[serde(default)]
    stream: Option<String>,
    #[serde(default)]
    seq: u64,
    #[serde(default)]
    duplicate: bool,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    val: Option<String>,
    #[serde(default)]
    batch: Option<String>,
    #[serde(default)]
    count: u64,
}

/// Options of a publish into a stream, all carried as headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishOptions {
    /// [`NATS_MSG_ID`].
    pub msg_id: Option<String>,
    /// [`NATS_EXPECTED_STREAM`].
    pub expected_stream: Option<String>,
    /// [`NATS_EXPECTED_LAST_SEQUENCE`].
    pub expected_last_sequence: Option<u64>,
    /// [`NATS_EXPECTED_LAST_MSG_ID`].
    pub expected_last_msg_id: Option<String>,
    /// [`NATS_EXPECTED_LAST_SUBJECT_SEQUENCE`].
    pub expected_last_subject_sequence: Option<u64>,
    /// [`NATS_EXPECTED_LAST_SUBJECT_SEQUENCE_SUBJECT`].
    pub expected_last_subject_sequence_subject: Option<String>,
    /// [`NATS_TTL`], sent in whole seconds (the server's minimum is 1 s).
    pub ttl: Option<Duration>,
}

impl PublishOptions {
    /// The headers to add to the message, in a fixed order.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut h = Vec::new();
        if let Some(v) = &self.msg_id {
            h.push((NATS_MSG_ID, v.clone()));
        }
        if let Some(v) = &self.expected_stream {
            h.push((NATS_EXPECTED_STREAM, v.clone()));
        }
        if let Some(v) = self.expected_last_sequence {
            h.push((NATS_EXPECTED_LAST_SEQUENCE, v.to_string()));
        }
        if let Some(v) = &self.expected_last_msg_id {
            h.push((NATS_EXPECTED_LAST_MSG_ID, v.clone()));
        }
        if let Some(v) = self.expected_last_subject_sequence {
            h.push((NATS_EXPECTED_LAST_SUBJECT_SEQUENCE, v.to_string()));
        }
        if let Some(v) = &self.expected_last_subject_sequence_subject {
            h.push((NATS_EXPECTED_LAST_SUBJECT_SEQUENCE_SUBJECT, v.clone()));
        }
        if let Some(ttl) = self.ttl {
            h.push((NATS_TTL, format!("{}s", ttl.as_secs())));
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_captured_pub_acks() {
        assert_eq!(
            PubAck::parse(br#"{"stream":"ORDERS","seq":1}"#).expect("valid"),
            PubAck {
                stream: "ORDERS".into(),
                seq: 1,
                duplicate: false,
                domain: None,
                value: None,
                batch: None,
                count: 0,
            }
        );
        let dup =
            PubAck::parse(br#"{"stream":"ORDERS","seq":2,"duplicate": true}"#).expect("valid");
        assert!(dup.duplicate);
        assert_eq!(dup.seq, 2);
        let dom = PubAck::parse(br#"{"stream":"ORDERS","domain":"hub","seq":1}"#).expect("valid");
        assert_eq!(dom.domain.as_deref(), Some("hub"));
        // The end of a batch (captured from 2.15.1).
        let batch =
            PubAck::parse(br#"{"stream":"B","seq":3,"batch":"b1","count":3}"#).expect("valid");
        assert_eq!((batch.batch.as_deref(), batch.count), (Some("b1"), 3));
        let err = PubAck::parse(
            br#"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 3"},"stream":"ORDERS","seq":0}"#,
        )
        .expect_err("an error reply");
        assert!(err.api_error().is_some_and(|e| e.is_wrong_last_sequence()));
        assert_eq!(
            err.api_error().map(|e| e.description.as_str()),
            Some("wrong last sequence: 3")
        );
    }

    #[test]
    fn an_error_without_success_fields_is_an_api_error_and_a_bare_object_is_json_error() {
        let err = PubAck::parse(
            br#"{"error":{"code":503,"err_code":10039,"description":"jetstream not enabled"}}"#,
        )
        .expect_err("an error reply");
        assert_eq!(err.err_code(), Some(10039));
        let err = PubAck::parse(br#"{"seq":1}"#).expect_err("no stream");
        assert!(matches!(err, ResponseError::Json(_)), "{err:?}");
        assert!(err.to_string().contains("stream"), "{err}");
        assert!(matches!(
            PubAck::parse(b"not json"),
            Err(ResponseError::Json(_))
        ));
    }

    #[test]
    fn headers_list_only_what_is_set() {
        assert!(PublishOptions::default().headers().is_empty());
        let o = PublishOptions {
            msg_id: Some("abc".into()),
            expected_stream: Some("ORDERS".into()),
            expected_last_sequence: Some(3),
            expected_last_msg_id: Some("x".into()),
            expected_last_subject_sequence: Some(0),
            expected_last_subject_sequence_subject: Some("a.*".into()),
            ttl: Some(Duration::from_millis(90_500)),
        };
        assert_eq!(
            o.headers(),
            vec![
                ("Nats-Msg-Id", "abc".to_owned()),
                ("Nats-Expected-Stream", "ORDERS".to_owned()),
                ("Nats-Expected-Last-Sequence", "3".to_owned()),
                ("Nats-Expected-Last-Msg-Id", "x".to_owned()),
                ("Nats-Expected-Last-Subject-Sequence", "0".to_owned()),
                (
                    "Nats-Expected-Last-Subject-Sequence-Subject",
                    "a.*".to_owned()
                ),
                ("Nats-TTL", "90s".to_owned()),
            ]
        );
    }
}
