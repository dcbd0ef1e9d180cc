//! Key-Value buckets (ADR-8) as a layout over a stream, without IO.
//!
//! Bucket `B` is stream `KV_B` capturing `$KV.B.>`; a key is the rest of the subject. A
//! put is a publish, a delete or purge is an empty publish with a `KV-Operation` header,
//! and a read is a (direct) get of the last message on the key's subject. This module
//! maps configs, names, subjects and headers; the `natbus` crate does the requests.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::jetstream::api::ApiPrefix;
use crate::jetstream::direct_get::DirectGetError;
use crate::jetstream::publish::{NATS_ROLLUP, NATS_TTL, PublishOptions, ROLLUP_SUBJECT};
use crate::jetstream::stream::{
    Compression, DEFAULT_DUPLICATE_WINDOW, DiscardPolicy, Placement, RePublish, StorageType,
    StreamConfig,
};

mod entry;
pub use entry::{BucketStatus, Entry};

/// Header that marks deletes and purges.
pub const KV_OPERATION: &str = "KV-Operation";
/// Header of server-placed delete markers (2.11+): `MaxAge`, `Purge` or `Remove`.
pub const NATS_MARKER_REASON: &str = "Nats-Marker-Reason";
/// Most revisions a bucket can keep per key.
pub const MAX_HISTORY: u8 = 64;
/// Stream name prefix of buckets.
pub const STREAM_PREFIX: &str = "KV_";

/// A bucket or key problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KvError {
    /// Bucket names are `[A-Za-z0-9_-]+`.
    #[error("invalid bucket name '{0}': use letters, digits, '_' and '-'")]
    InvalidBucket(String),
    /// Keys are `[-/_=.A-Za-z0-9]+`, without leading/trailing '.', '..', or a `_kv` prefix.
    #[error(
        "invalid key '{0}': use letters, digits and '-/_=.', no leading, trailing or double '.'"
    )]
    InvalidKey(String),
    /// History is 1 to 64.
    #[error("history {0} is out of range: a bucket keeps 1 to 64 revisions per key")]
    InvalidHistory(u8),
    /// A per-key TTL below the server's minimum of one second.
    #[error("a key TTL must be at least 1s, not {0:?}")]
    TtlTooShort(Duration),
    /// A message whose subject is not in the bucket.
    #[error("subject '{0}' is not a key of this bucket")]
    NotInBucket(String),
    /// A direct-get reply without its headers.
    #[error(transparent)]
    DirectGet(#[from] DirectGetError),
}

/// Checks a bucket name.
///
/// # Errors
/// [`KvError::InvalidBucket`].
pub fn validate_bucket(bucket: &str) -> Result<(), KvError> {
    if is_bucket_name(bucket) {
        Ok(())
    } else {
        Err(KvError::InvalidBucket(bucket.to_owned()))
    }
}

/// `[A-Za-z0-9_-]+`: the bucket names of key-value and object stores.
pub(crate) fn is_bucket_name(bucket: &str) -> bool {
    !bucket.is_empty()
        && bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Where to publish to a bucket's stored `subject`: the subject itself, prefixed with the
/// API prefix when it is not the default (domains and imported APIs), as nats.go does.
pub(crate) fn publish_subject(prefix: &ApiPrefix, subject: String) -> String {
    if *prefix == ApiPrefix::default() {
        subject
    } else {
        format!("{}.{subject}", prefix.as_str())
    }
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'_' | b'=' | b'.')
}

/// Checks a key for put/get/delete.
///
/// # Errors
/// [`KvError::InvalidKey`].
pub fn validate_key(key: &str) -> Result<(), KvError> {
    let ok = !key.is_empty()
        && key.bytes().all(is_key_byte)
        && !key.starts_with('.')
        && !key.ends_with('.')
        && !key.contains("..")
        && !key.starts_with("_kv");
    if ok {
        Ok(())
    } else {
        Err(KvError::InvalidKey(key.to_owned()))
    }
}

/// Checks a watch/keys filter: a key whose tokens may also be `*`, and a last token `>`.
///
/// # Errors
/// [`KvError::InvalidKey`].
pub fn validate_key_filter(filter: &str) -> Result<(), KvError> {
    let tokens: Vec<&str> = filter.split('.').collect();
    let last = tokens.len() - 1;
    let ok = tokens.iter().enumerate().all(|(i, t)| {
        *t == "*" || (*t == ">" && i == last) || (!t.is_empty() && t.bytes().all(is_key_byte))
    });
    if ok {
        Ok(())
    } else {
        Err(KvError::InvalidKey(filter.to_owned()))
    }
}

/// The stream of a bucket: `KV_<bucket>`.
pub fn stream_name(bucket: &str) -> String {
    format!("{STREAM_PREFIX}{bucket}")
}

/// The subject of a key (or filter): `$KV.<bucket>.<key>`.
pub fn key_subject(bucket: &str, key: &str) -> String {
    format!("$KV.{bucket}.{key}")
}

/// Where to publish a put/delete/purge of `key`: the key subject, prefixed with the API
/// prefix when it is not the default (domains and imported APIs).
///
/// # Errors
/// [`KvError`] for an invalid bucket or key.
pub fn put_subject(prefix: &ApiPrefix, bucket: &str, key: &str) -> Result<String, KvError> {
    validate_bucket(bucket)?;
    validate_key(key)?;
    Ok(publish_subject(prefix, key_subject(bucket, key)))
}

/// The key of a stored subject, or `None` if the subject is not in the bucket.
pub fn key_from_subject<'a>(bucket: &str, subject: &'a str) -> Option<&'a str> {
    subject
        .strip_prefix("$KV.")?
        .strip_prefix(bucket)?
        .strip_prefix('.')
        .filter(|k| !k.is_empty())
}

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// A value was put.
    Put,
    /// The key was deleted (older revisions kept).
    Delete,
    /// The key was purged (older revisions removed), or expired with a limit marker.
    Purge,
}

impl Operation {
    /// The `KV-Operation` header value (`PUT`, `DEL`, `PURGE`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Put => "PUT",
            Self::Delete => "DEL",
            Self::Purge => "PURGE",
        }
    }

    /// The operation from a message's `KV-Operation` and `Nats-Marker-Reason` headers;
    /// a message with neither is a put.
    pub fn from_headers(kv_operation: Option<&str>, marker_reason: Option<&str>) -> Self {
        match kv_operation.map(str::trim) {
            Some("DEL") => return Self::Delete,
            Some("PURGE") => return Self::Purge,
            _ => {}
        }
        match marker_reason.map(str::trim) {
            Some("MaxAge" | "Purge") => Self::Purge,
            Some("Remove") => Self::Delete,
            _ => Self::Put,
        }
    }
}

/// Headers of a delete.
pub fn delete_headers() -> Vec<(&'static str, String)> {
    vec![(KV_OPERATION, Operation::Delete.as_str().to_owned())]
}

/// Headers of a purge (rolls up the key's older revisions), with an optional marker TTL.
pub fn purge_headers(ttl: Option<Duration>) -> Vec<(&'static str, String)> {
    let mut h = vec![
        (KV_OPERATION, Operation::Purge.as_str().to_owned()),
        (NATS_ROLLUP, ROLLUP_SUBJECT.to_owned()),
    ];
    if let Some(ttl) = ttl {
        h.push((NATS_TTL, format!("{}s", ttl.as_secs())));
    }
    h
}

/// Publish options of a create (only if the key has no live value): expect no message on
/// the subject. When that fails with wrong-last-sequence and the current entry is a
/// delete/purge marker, retry with [`update_options`] at the marker's revision.
pub fn create_options() -> PublishOptions {
    update_options(0)
}

/// Publish options of an update at `revision` (compare-and-set).
pub fn update_options(revision: u64) -> PublishOptions {
    PublishOptions {
        expected_last_subject_sequence: Some(revision),
        ..PublishOptions::default()
    }
}

/// The settings of a bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyValueConfig {
    /// Bucket name.
    pub bucket: String,
    /// Description.
    pub description: Option<String>,
    /// Revisions kept per key (1 to 64).
    pub history: u8,
    /// How long values live (zero = forever).
    pub max_age: Duration,
    /// Most bytes in the bucket (-1 = unlimited).
    pub max_bytes: i64,
    /// Largest value (-1 = unlimited).
    pub max_value_size: i32,
    /// Storage.
    pub storage: StorageType,
    /// Replicas (zero = 1).
    pub replicas: usize,
    /// S2 compression.
    pub compression: bool,
    /// Placement.
    pub placement: Option<Placement>,
    /// Republish.
    pub republish: Option<RePublish>,
    /// Leave delete markers with this TTL when values expire (server 2.11+).
    pub limit_marker_ttl: Option<Duration>,
    /// User metadata.
    pub metadata: BTreeMap<String, String>,
}

impl KeyValueConfig {
    /// A bucket with one revision per key and no limits.
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            description: None,
            history: 1,
            max_age: Duration::ZERO,
            max_bytes: -1,
            max_value_size: -1,
            storage: StorageType::File,
            replicas: 0,
            compression: false,
            placement: None,
            republish: None,
            limit_marker_ttl: None,
            metadata: BTreeMap::new(),
        }
    }

    /// The stream config of the bucket, as nats.go creates it.
    ///
    /// # Errors
    /// [`KvError`] for an invalid bucket name or history.
    pub fn to_stream_config(&self) -> Result<StreamConfig, KvError> {
        validate_bucket(&self.bucket)?;
        if !(1..=MAX_HISTORY).contains(&self.history) {
            return Err(KvError::InvalidHistory(self.history));
        }
        let mut c =
            StreamConfig::new(stream_name(&self.bucket)).subjects([key_subject(&self.bucket, ">")]);
        c.description = self.description.clone();
        c.max_msgs_per_subject = i64::from(self.history);
        c.max_age = self.max_age;
        c.max_bytes = self.max_bytes;
        c.max_msg_size = self.max_value_size;
        c.storage = self.storage;
        c.num_replicas = self.replicas;
        c.discard = DiscardPolicy::New;
        c.allow_rollup_hdrs = true;
        c.deny_delete = true;
        c.allow_direct = true;
        c.duplicate_window = if !self.max_age.is_zero() && self.max_age < DEFAULT_DUPLICATE_WINDOW {
            self.max_age
        } else {
            DEFAULT_DUPLICATE_WINDOW
        };
        if self.compression {
            c.compression = Compression::S2;
        }
        c.placement = self.placement.clone();
        c.republish = self.republish.clone();
        if let Some(ttl) = self.limit_marker_ttl {
            c.allow_msg_ttl = true;
            c.subject_delete_marker_ttl = Some(ttl);
        }
        c.metadata = self.metadata.clone();
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_keys() {
        assert_eq!(validate_bucket("cfg_1-a"), Ok(()));
        for bad in ["", "a.b", "a b", "a*", "ü"] {
            assert!(validate_bucket(bad).is_err(), "{bad:?}");
        }
        for good in ["a", "a.b", "a/b=c_d-e", "A9"] {
            assert_eq!(validate_key(good), Ok(()), "{good:?}");
        }
        for bad in ["", ".a", "a.", "a..b", "a b", "a*", "a>", "_kv.x", "ü"] {
            assert!(validate_key(bad).is_err(), "{bad:?}");
        }
        for good in ["a.*", ">", "a.>", "*.b", "a"] {
            assert_eq!(validate_key_filter(good), Ok(()), "{good:?}");
        }
        for bad in ["a.>.b", "a..b", "", "a*b"] {
            assert!(validate_key_filter(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn subjects() -> Result<(), KvError> {
        assert_eq!(stream_name("cfg"), "KV_cfg");
        assert_eq!(key_subject("cfg", "a.b"), "$KV.cfg.a.b");
        assert_eq!(put_subject(&ApiPrefix::new(), "cfg", "d")?, "$KV.cfg.d");
        assert_eq!(
            put_subject(&ApiPrefix::domain("hub"), "cfg", "d")?,
            "$JS.hub.API.$KV.cfg.d"
        );
        assert!(put_subject(&ApiPrefix::new(), "cfg", "a..b").is_err());
        assert_eq!(key_from_subject("cfg", "$KV.cfg.a.b"), Some("a.b"));
        assert_eq!(key_from_subject("cfg", "$KV.cfgx.a"), None);
        assert_eq!(key_from_subject("cfg", "$KV.cfg."), None);
        assert_eq!(key_from_subject("cfg", "orders.new"), None);
        Ok(())
    }

    #[test]
    fn bucket_stream_config() -> Result<(), KvError> {
        let mut kv = KeyValueConfig::new("cfg");
        kv.history = 5;
        kv.max_age = Duration::from_secs(60);
        kv.compression = true;
        kv.limit_marker_ttl = Some(Duration::from_secs(5));
        let c = kv.to_stream_config()?;
        assert_eq!(
            serde_json::to_value(&c).expect("serializes"),
            json!({"name":"KV_cfg","subjects":["$KV.cfg.>"],"max_msgs_per_subject":5,
                   "max_age":60_000_000_000u64,"discard":"new","duplicate_window":60_000_000_000u64,
                   "compression":"s2","allow_direct":true,"allow_rollup_hdrs":true,"deny_delete":true,
                   "allow_msg_ttl":true,"subject_delete_marker_ttl":5_000_000_000u64})
        );
        assert_eq!(
            KeyValueConfig::new("b")
                .to_stream_config()?
                .duplicate_window,
            Duration::from_secs(120)
        );
        kv.history = 65;
        assert_eq!(kv.to_stream_config(), Err(KvError::InvalidHistory(65)));
        kv.history = 0;
        assert_eq!(kv.to_stream_config(), Err(KvError::InvalidHistory(0)));
        assert!(KeyValueConfig::new("a.b").to_stream_config().is_err());
        Ok(())
    }

    #[test]
    fn operations_and_write_headers() {
        assert_eq!(Operation::from_headers(None, None), Operation::Put);
        assert_eq!(
            Operation::from_headers(Some("DEL"), None),
            Operation::Delete
        );
        assert_eq!(
            Operation::from_headers(Some("PURGE"), None),
            Operation::Purge
        );
        assert_eq!(
            Operation::from_headers(None, Some("MaxAge")),
            Operation::Purge
        );
        assert_eq!(
            Operation::from_headers(None, Some("Purge")),
            Operation::Purge
        );
        assert_eq!(
            Operation::from_headers(None, Some("Remove")),
            Operation::Delete
        );
        assert_eq!(delete_headers(), vec![("KV-Operation", "DEL".to_owned())]);
        assert_eq!(
            purge_headers(Some(Duration::from_secs(5))),
            vec![
                ("KV-Operation", "PURGE".to_owned()),
                ("Nats-Rollup", "sub".to_owned()),
                ("Nats-TTL", "5s".to_owned())
            ]
        );
        assert_eq!(
            create_options().headers(),
            vec![("Nats-Expected-Last-Subject-Sequence", "0".to_owned())]
        );
        assert_eq!(
            update_options(7).headers(),
            vec![("Nats-Expected-Last-Subject-Sequence", "7".to_owned())]
        );
    }
}
