//! Reading a bucket back: entries from stored, direct-get and delivered messages, and
//! the bucket status from its stream info.

use crate::time::SystemTime;
use std::time::Duration;

use bytes::Bytes;

use super::{
    KV_OPERATION, KvError, NATS_MARKER_REASON, Operation, STREAM_PREFIX, key_from_subject,
};
use crate::jetstream::direct_get::direct_get_message;
use crate::jetstream::metadata::MessageMetadata;
use crate::jetstream::stream_info::StreamInfo;
use crate::jetstream::stream_msg::StoredMessage;

/// A bucket's state, read from its stream info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketStatus {
    /// Bucket name.
    pub bucket: String,
    /// Messages stored (all revisions and markers).
    pub values: u64,
    /// Revisions kept per key.
    pub history: i64,
    /// Value lifetime.
    pub max_age: Duration,
    /// Whether DIRECT.GET may be used (buckets made by other clients may lack it; then
    /// use STREAM.MSG.GET `last_by_subj`).
    pub allow_direct: bool,
    /// Bytes stored.
    pub bytes: u64,
    /// How long the markers of keys removed by a TTL or a purge with a TTL stay (ADR-48
    /// limit markers, 2.11+); `None` when the bucket leaves none.
    pub limit_marker_ttl: Option<Duration>,
}

impl BucketStatus {
    /// The status of a bucket from its stream's info; `None` if it is not a KV stream.
    pub fn from_stream_info(info: &StreamInfo) -> Option<Self> {
        let bucket = info.config.name.strip_prefix(STREAM_PREFIX)?;
        Some(Self {
            bucket: bucket.to_owned(),
            values: info.state.messages,
            history: info.config.max_msgs_per_subject,
            max_age: info.config.max_age,
            allow_direct: info.config.allow_direct,
            bytes: info.state.bytes,
            limit_marker_ttl: info.config.subject_delete_marker_ttl,
        })
    }
}

/// One revision of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Bucket name.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Value (empty for deletes and purges).
    pub value: Bytes,
    /// Revision: the stream sequence.
    pub revision: u64,
    /// When this revision was stored.
    pub created: SystemTime,
    /// Newer messages in the watch (0 on gets; the consumer's pending on watches).
    pub delta: u64,
    /// What this revision records.
    pub operation: Operation,
}

impl Entry {
    fn key_of(bucket: &str, subject: &str) -> Result<String, KvError> {
        key_from_subject(bucket, subject)
            .map(str::to_owned)
            .ok_or_else(|| KvError::NotInBucket(subject.to_owned()))
    }

    /// The entry of a stored message (STREAM.MSG.GET).
    ///
    /// # Errors
    /// [`KvError::NotInBucket`] when the message's subject is not a key of `bucket`.
    pub fn from_stored(bucket: &str, msg: &StoredMessage) -> Result<Self, KvError> {
        Ok(Self {
            bucket: bucket.to_owned(),
            key: Self::key_of(bucket, &msg.subject)?,
            value: msg.payload.clone(),
            revision: msg.sequence,
            created: msg.time,
            delta: 0,
            operation: Operation::from_headers(
                msg.header(KV_OPERATION),
                msg.header(NATS_MARKER_REASON),
            ),
        })
    }

    /// The entry of a DIRECT.GET reply; `header` looks up the reply's headers.
    ///
    /// # Errors
    /// [`KvError::DirectGet`] when the `Nats-*` headers are missing, [`KvError::NotInBucket`]
    /// when the subject is not a key of `bucket`.
    pub fn from_direct_get<'a>(
        bucket: &str,
        header: impl Fn(&str) -> Option<&'a str>,
        payload: Bytes,
    ) -> Result<Self, KvError> {
        let op = Operation::from_headers(header(KV_OPERATION), header(NATS_MARKER_REASON));
        let msg = direct_get_message(header, None, payload)?.message;
        Ok(Self {
            operation: op,
            ..Self::from_stored(bucket, &msg)?
        })
    }

    /// The entry of a message delivered to a watcher (an ordered consumer).
    ///
    /// # Errors
    /// [`KvError::NotInBucket`] when `subject` is not a key of `bucket`.
    pub fn from_delivery(
        bucket: &str,
        subject: &str,
        meta: &MessageMetadata,
        kv_operation: Option<&str>,
        marker_reason: Option<&str>,
        payload: Bytes,
    ) -> Result<Self, KvError> {
        Ok(Self {
            bucket: bucket.to_owned(),
            key: Self::key_of(bucket, subject)?,
            value: payload,
            revision: meta.stream_sequence,
            created: meta.timestamp,
            delta: meta.pending,
            operation: Operation::from_headers(kv_operation, marker_reason),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::stream_msg::header_in_block;

    #[test]
    fn entry_from_captured_purged_direct_get() {
        let block: &[u8] = b"NATS/1.0\r\nKV-Operation: PURGE\r\nNats-Rollup: sub\r\nNats-Stream: KV_cfg\r\nNats-Subject: $KV.cfg.d\r\nNats-Sequence: 5\r\nNats-Time-Stamp: 2026-11-25T14:02:54.84684421Z\r\n\r\n";
        let e = Entry::from_direct_get("cfg", |n| header_in_block(block, n), Bytes::new())
            .expect("valid");
        assert_eq!(e.key, "d");
        assert_eq!(e.revision, 5);
        assert_eq!(e.operation, Operation::Purge);
        assert_eq!(
            crate::time::format_rfc3339(e.created),
            "2026-11-25T14:02:54.84684421Z"
        );
        assert!(matches!(
            Entry::from_direct_get("other", |n| header_in_block(block, n), Bytes::new()),
            Err(KvError::NotInBucket(_))
        ));
        assert!(matches!(
            Entry::from_direct_get("cfg", |_| None, Bytes::new()),
            Err(KvError::DirectGet(_))
        ));
    }

    #[test]
    fn entry_from_stored_message_and_marker() {
        let msg: StoredMessage = serde_json::from_str(&format!(
            r#"{{"subject":"$KV.cfg.a","seq":3,"hdrs":"{}","data":"","time":"2025-03-01T09:15:02Z"}}"#,
            crate::jetstream::base64::encode(b"NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 5s\r\nNats-Rollup: sub\r\n\r\n")
        ))
        .expect("parses");
        let e = Entry::from_stored("cfg", &msg).expect("valid");
        assert_eq!(
            (e.key.as_str(), e.revision, e.operation),
            ("a", 3, Operation::Purge)
        );
        let put: StoredMessage = serde_json::from_str(
            r#"{"subject":"$KV.cfg.a","seq":4,"data":"aGk=","time":"2025-03-01T09:15:02Z"}"#,
        )
        .expect("parses");
        let e = Entry::from_stored("cfg", &put).expect("valid");
        assert_eq!(
            (e.value.as_ref(), e.operation),
            (&b"hi"[..], Operation::Put)
        );
    }

    #[test]
    fn entry_from_watch_delivery_and_status() {
        let meta = MessageMetadata::parse("$JS.ACK.KV_cfg.w_1.1.9.1.1795615218263621720.2")
            .expect("valid");
        let e = Entry::from_delivery("cfg", "$KV.cfg.x", &meta, Some("DEL"), None, Bytes::new())
            .expect("valid");
        assert_eq!(
            (e.revision, e.delta, e.operation),
            (9, 2, Operation::Delete)
        );
        let info: StreamInfo = serde_json::from_str(r#"{"config":{"name":"KV_cfg","max_msgs_per_subject":5,"allow_direct":false},"created":"2025-03-01T09:15:02Z","state":{"messages":7,"bytes":70,"first_seq":1,"first_ts":"2025-03-01T09:15:02Z","last_seq":7,"last_ts":"2025-03-01T09:15:02Z","consumer_count":0}}"#).expect("parses");
        let s = BucketStatus::from_stream_info(&info).expect("a KV stream");
        assert_eq!(
            (s.bucket.as_str(), s.values, s.history, s.allow_direct),
            ("cfg", 7, 5, false)
        );
    }
}
