//! `StreamConfig`: what a stream stores, how long, and where, with the server's defaults.
//!
//! Serialization omits every field left at its "unset" value (an empty option, `false`,
//! zero, or -1 for the "unlimited" limits), so a config built here sends exactly the
//! fields the caller set and lets the server fill in its defaults. Parsing accepts the
//! server's fully filled config, unknown fields and `null` lists.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::asset_metadata::{self, ServerMetadata};
use super::json::{self, is_false, is_unlimited, is_zero, is_zero_duration, unlimited};
pub use super::stream_source::{ExternalStream, StreamSource, SubjectTransform};

/// How messages are retained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RetentionPolicy {
    /// Keep messages until a limit (count, bytes, age) removes them.
    #[default]
    #[serde(rename = "limits")]
    Limits,
    /// Keep messages while a consumer still has to deliver them.
    #[serde(rename = "interest")]
    Interest,
    /// Remove each message once one consumer acknowledged it.
    #[serde(rename = "workqueue")]
    WorkQueue,
}

/// Where the stream's messages are stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageType {
    /// On disk.
    #[default]
    File,
    /// In memory only.
    Memory,
}

/// What happens when a limit is reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiscardPolicy {
    /// Drop the oldest messages to make room.
    #[default]
    Old,
    /// Refuse new messages.
    New,
}

/// On-disk compression (server 2.10+).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Uncompressed.
    #[default]
    None,
    /// S2 compression.
    S2,
}

/// Where replicas are placed in a cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// Cluster name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Server tags that every replica's server must have.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub tags: Vec<String>,
    /// Preferred leader server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<String>,
}

/// Republish stored messages to another subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RePublish {
    /// Which stored subjects to republish.
    #[serde(default)]
    pub src: String,
    /// Where to republish them.
    #[serde(default)]
    pub dest: String,
    /// Republish headers only (with `Nats-Msg-Size`), not the payload.
    #[serde(default, skip_serializing_if = "is_false")]
    pub headers_only: bool,
}

/// Defaults the stream applies to consumers created on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerLimits {
    /// Default inactive threshold.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::nanos_opt"
    )]
    pub inactive_threshold: Option<Duration>,
    /// Default maximum of unacknowledged messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ack_pending: Option<i64>,
}

impl ConsumerLimits {
    fn is_unset(&self) -> bool {
        *self == Self::default()
    }
}

/// The configuration of a stream (the body of STREAM.CREATE and STREAM.UPDATE).
///
/// Limits use -1 for "unlimited", the server's default, and are not sent while they are -1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StreamConfig {
    /// Stream name; must equal the name in the API subject.
    pub name: String,
    /// Free-form description (at most 4096 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Subjects the stream captures; the server uses `[name]` when empty (and not a mirror).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub subjects: Vec<String>,
    /// Retention policy.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retention: RetentionPolicy,
    /// Most consumers (-1 = unlimited).
    #[serde(default = "unlimited", skip_serializing_if = "is_unlimited")]
    pub max_consumers: i64,
    /// Most messages (-1 = unlimited).
    #[serde(default = "unlimited", skip_serializing_if = "is_unlimited")]
    pub max_msgs: i64,
    /// Most bytes (-1 = unlimited).
    #[serde(default = "unlimited", skip_serializing_if = "is_unlimited")]
    pub max_bytes: i64,
    /// Oldest message age (zero = unlimited; else at least 100 ms).
    #[serde(
        default,
        skip_serializing_if = "is_zero_duration",
        with = "crate::time::nanos"
    )]
    pub max_age: Duration,
    /// Most messages per subject (-1 = unlimited).
    #[serde(default = "unlimited", skip_serializing_if = "is_unlimited")]
    pub max_msgs_per_subject: i64,
    /// Largest message (-1 = unlimited).
    #[serde(default = "unlimited", skip_serializing_if = "is_unlimited")]
    pub max_msg_size: i32,
    /// Discard policy.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub discard: DiscardPolicy,
    /// With discard new and `max_msgs_per_subject`, refuse per subject.
    #[serde(default, skip_serializing_if = "is_false")]
    pub discard_new_per_subject: bool,
    /// Storage backend.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub storage: StorageType,
    /// Replica count (zero = the server's default of 1; at most 5).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub num_replicas: usize,
    /// Do not send publish acknowledgements.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_ack: bool,
    /// Window for `Nats-Msg-Id` deduplication (zero = server default of 2 min, or max_age).
    #[serde(
        default,
        skip_serializing_if = "is_zero_duration",
        with = "crate::time::nanos"
    )]
    pub duplicate_window: Duration,
    /// Compression (2.10+).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub compression: Compression,
    /// Answer `DIRECT.GET` requests from any replica.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_direct: bool,
    /// Mirrors of this stream answer direct gets too.
    #[serde(default, skip_serializing_if = "is_false")]
    pub mirror_direct: bool,
    /// Permit the `Nats-Rollup` header.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_rollup_hdrs: bool,
    /// Refuse message deletes (cannot be unset later).
    #[serde(default, skip_serializing_if = "is_false")]
    pub deny_delete: bool,
    /// Refuse purges (cannot be unset later).
    #[serde(default, skip_serializing_if = "is_false")]
    pub deny_purge: bool,
    /// Read-only from now on; only settable by update.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sealed: bool,
    /// First sequence number.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub first_seq: u64,
    /// Cluster placement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// The stream mirrors another one (then it has no subjects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSource>,
    /// Streams this one sources from.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub sources: Vec<StreamSource>,
    /// Rewrite subjects on store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_transform: Option<SubjectTransform>,
    /// Republish stored messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub republish: Option<RePublish>,
    /// Defaults for new consumers.
    #[serde(default, skip_serializing_if = "ConsumerLimits::is_unset")]
    pub consumer_limits: ConsumerLimits,
    /// Per-message TTLs via `Nats-TTL` (2.11+).
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_msg_ttl: bool,
    /// Leave a delete marker with this TTL when max_age removes a subject's last message
    /// (2.11+; at least 1 s; switches `allow_msg_ttl` on).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::nanos_opt"
    )]
    pub subject_delete_marker_ttl: Option<Duration>,
    /// Counter streams (2.12+).
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_msg_counter: bool,
    /// Atomic batch publish (2.12+).
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_atomic: bool,
    /// Batched publish (2.12+).
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_batched: bool,
    /// Scheduled messages (2.12+).
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_msg_schedules: bool,
    /// Persistence mode (2.12+), kept as the server's string so an update sends it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persist_mode: Option<String>,
    /// User metadata. The server adds reserved `_nats.*` keys; those are never sent back.
    #[serde(
        default,
        skip_serializing_if = "json::metadata_is_empty",
        serialize_with = "json::serialize_metadata",
        deserialize_with = "json::null_default"
    )]
    pub metadata: BTreeMap<String, String>,
}

/// The server's default duplicate window.
pub const DEFAULT_DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

impl StreamConfig {
    /// A config with only a name; every other field is unset (the server's defaults).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: None,
            subjects: Vec::new(),
            retention: RetentionPolicy::Limits,
            max_consumers: -1,
            max_msgs: -1,
            max_bytes: -1,
            max_age: Duration::ZERO,
            max_msgs_per_subject: -1,
            max_msg_size: -1,
            discard: DiscardPolicy::Old,
            discard_new_per_subject: false,
            storage: StorageType::File,
            num_replicas: 0,
            no_ack: false,
            duplicate_window: Duration::ZERO,
            compression: Compression::None,
            allow_direct: false,
            mirror_direct: false,
            allow_rollup_hdrs: false,
            deny_delete: false,
            deny_purge: false,
            sealed: false,
            first_seq: 0,
            placement: None,
            mirror: None,
            sources: Vec::new(),
            subject_transform: None,
            republish: None,
            consumer_limits: ConsumerLimits::default(),
            allow_msg_ttl: false,
            subject_delete_marker_ttl: None,
            allow_msg_counter: false,
            allow_atomic: false,
            allow_batched: false,
            allow_msg_schedules: false,
            persist_mode: None,
            metadata: BTreeMap::new(),
        }
    }

    /// Sets the captured subjects.
    pub fn subjects<S: Into<String>>(mut self, subjects: impl IntoIterator<Item = S>) -> Self {
        self.subjects = subjects.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the storage type.
    pub fn storage(mut self, storage: StorageType) -> Self {
        self.storage = storage;
        self
    }

    /// Sets the retention policy.
    pub fn retention(mut self, retention: RetentionPolicy) -> Self {
        self.retention = retention;
        self
    }

    /// Sets the maximum message age.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Sets the replica count.
    pub fn replicas(mut self, n: usize) -> Self {
        self.num_replicas = n;
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds a user metadata entry (nats-server 2.10+). Keys starting with `_nats.` are the
    /// server's and are never sent.
    ///
    /// ```
    /// use natbus_proto::jetstream::stream::StreamConfig;
    ///
    /// let config = StreamConfig::new("ORDERS").metadata("owner", "billing");
    /// assert_eq!(config.user_metadata().get("owner"), Some(&"billing"));
    /// ```
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The user's metadata entries, without the server's `_nats.` ones.
    pub fn user_metadata(&self) -> BTreeMap<&str, &str> {
        asset_metadata::user_metadata(&self.metadata)
    }

    /// What the server recorded in the metadata: its version and API level, and the level
    /// this stream needs (nats-server 2.11+; see [`ServerMetadata`]).
    pub fn server_metadata(&self) -> ServerMetadata {
        ServerMetadata::from_metadata(&self.metadata)
    }

    /// This config as the server would fill it in: subjects `[name]` when none (and no
    /// mirror or sources), unlimited limits as -1, one replica, and the duplicate window
    /// (2 min, or `max_age` when that is smaller).
    pub fn with_server_defaults(&self) -> Self {
        let mut c = self.clone();
        if c.subjects.is_empty() && c.mirror.is_none() && c.sources.is_empty() {
            c.subjects.push(c.name.clone());
        }
        for limit in [
            &mut c.max_consumers,
            &mut c.max_msgs,
            &mut c.max_bytes,
            &mut c.max_msgs_per_subject,
        ] {
            if *limit == 0 {
                *limit = -1;
            }
        }
        if c.max_msg_size == 0 {
            c.max_msg_size = -1;
        }
        if c.num_replicas == 0 {
            c.num_replicas = 1;
        }
        if c.duplicate_window.is_zero() {
            c.duplicate_window = if !c.max_age.is_zero() && c.max_age < DEFAULT_DUPLICATE_WINDOW {
                c.max_age
            } else {
                DEFAULT_DUPLICATE_WINDOW
            };
        }
        if c.subject_delete_marker_ttl.is_some() {
            c.allow_msg_ttl = true;
        }
        c
    }

    /// Whether `other` (typically the config a server returned) is the same stream config:
    /// both are compared with server defaults filled in and without the reserved `_nats.*`
    /// metadata keys. Use it to tell "already exists, identical" from "exists, different".
    pub fn is_equivalent(&self, other: &StreamConfig) -> bool {
        let (mut a, mut b) = (self.with_server_defaults(), other.with_server_defaults());
        let (ma, mb) = (
            json::user_metadata(&a.metadata),
            json::user_metadata(&b.metadata),
        );
        if ma != mb {
            return false;
        }
        a.metadata.clear();
        b.metadata.clear();
        a == b
    }
}

/// The body of STREAM.CREATE: a config plus the optional `pedantic` flag (the server then
/// rejects instead of silently adjusting values).
#[derive(Debug, Clone, Serialize)]
pub struct StreamCreateRequest<'a> {
    /// The config.
    #[serde(flatten)]
    pub config: &'a StreamConfig,
    /// Reject instead of adjusting.
    #[serde(skip_serializing_if = "is_false")]
    pub pedantic: bool,
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
