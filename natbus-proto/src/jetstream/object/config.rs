//! The settings of an object store bucket, its stream config, and its status.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{ObjectError, STREAM_PREFIX, all_chunk_subjects, all_meta_subjects, validate_bucket};
use crate::jetstream::stream::{Compression, DiscardPolicy, Placement, StorageType, StreamConfig};
use crate::jetstream::stream_info::StreamInfo;

/// The settings of an object store bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectStoreConfig {
    /// Bucket name (`[A-Za-z0-9_-]+`).
    pub bucket: String,
    /// Description.
    pub description: Option<String>,
    /// How long objects live (zero = forever): the stream's `max_age`.
    pub max_age: Duration,
    /// Most bytes in the bucket, chunks and descriptions together (-1 = unlimited).
    pub max_bytes: i64,
    /// Storage.
    pub storage: StorageType,
    /// Replicas (zero = 1).
    pub replicas: usize,
    /// S2 compression on disk.
    pub compression: bool,
    /// Placement in a cluster.
    pub placement: Option<Placement>,
    /// User metadata of the bucket (kept in the stream's metadata).
    pub metadata: BTreeMap<String, String>,
}

impl ObjectStoreConfig {
    /// A bucket without limits, on file storage.
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            description: None,
            max_age: Duration::ZERO,
            max_bytes: -1,
            storage: StorageType::File,
            replicas: 0,
            compression: false,
            placement: None,
            metadata: BTreeMap::new(),
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets how long objects live (the TTL).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Sets the storage.
    pub fn storage(mut self, storage: StorageType) -> Self {
        self.storage = storage;
        self
    }

    /// The stream config of the bucket, as nats.go creates it: both subject spaces,
    /// `discard: new` (a full bucket refuses puts instead of dropping old chunks),
    /// rollups (a description replaces the previous one) and direct gets.
    ///
    /// # Errors
    /// [`ObjectError::InvalidBucket`].
    pub fn to_stream_config(&self) -> Result<StreamConfig, ObjectError> {
        validate_bucket(&self.bucket)?;
        let mut c = StreamConfig::new(super::stream_name(&self.bucket));
        c.description = self.description.clone();
        c.subjects = vec![
            all_chunk_subjects(&self.bucket),
            all_meta_subjects(&self.bucket),
        ];
        c.max_age = self.max_age;
        c.max_bytes = if self.max_bytes == 0 {
            -1
        } else {
            self.max_bytes
        };
        c.storage = self.storage;
        c.num_replicas = self.replicas;
        c.discard = DiscardPolicy::New;
        c.allow_rollup_hdrs = true;
        c.allow_direct = true;
        if self.compression {
            c.compression = Compression::S2;
        }
        c.placement = self.placement.clone();
        c.metadata = self.metadata.clone();
        Ok(c)
    }
}

/// A bucket's state, read from its stream info.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectStoreStatus {
    /// Bucket name.
    pub bucket: String,
    /// Description.
    pub description: Option<String>,
    /// How long objects live (zero = forever).
    pub max_age: Duration,
    /// Storage.
    pub storage: StorageType,
    /// Replicas.
    pub replicas: usize,
    /// Whether the bucket is sealed (read-only).
    pub sealed: bool,
    /// Bytes stored: chunks and descriptions, including the descriptions of deleted objects.
    pub size: u64,
    /// Whether the stream is S2-compressed.
    pub compressed: bool,
    /// Whether DIRECT.GET may be used (buckets made by other clients may lack it).
    pub allow_direct: bool,
    /// User metadata of the bucket.
    pub metadata: BTreeMap<String, String>,
}

impl ObjectStoreStatus {
    /// The status of a bucket from its stream's info; `None` if it is not an object store
    /// stream.
    pub fn from_stream_info(info: &StreamInfo) -> Option<Self> {
        let c = &info.config;
        let bucket = c.name.strip_prefix(STREAM_PREFIX)?;
        Some(Self {
            bucket: bucket.to_owned(),
            description: c.description.clone(),
            max_age: c.max_age,
            storage: c.storage,
            replicas: c.num_replicas,
            sealed: c.sealed,
            size: info.state.bytes,
            compressed: c.compression == Compression::S2,
            allow_direct: c.allow_direct,
            metadata: c.metadata.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bucket_stream_config() -> Result<(), ObjectError> {
        let mut cfg = ObjectStoreConfig::new("files")
            .description("docs")
            .max_age(Duration::from_secs(60))
            .storage(StorageType::Memory);
        cfg.max_bytes = 1 << 20;
        cfg.replicas = 3;
        cfg.compression = true;
        cfg.metadata.insert("team".into(), "ops".into());
        assert_eq!(
            serde_json::to_value(cfg.to_stream_config()?).expect("serializes"),
            json!({"name":"OBJ_files","description":"docs",
                   "subjects":["$O.files.C.>","$O.files.M.>"],
                   "max_bytes":1_048_576,"max_age":60_000_000_000u64,"discard":"new",
                   "storage":"memory","num_replicas":3,"compression":"s2",
                   "allow_direct":true,"allow_rollup_hdrs":true,"metadata":{"team":"ops"}})
        );
        assert_eq!(
            serde_json::to_value(ObjectStoreConfig::new("b").to_stream_config()?)
                .expect("serializes"),
            json!({"name":"OBJ_b","subjects":["$O.b.C.>","$O.b.M.>"],"discard":"new",
                   "allow_direct":true,"allow_rollup_hdrs":true})
        );
        assert_eq!(
            ObjectStoreConfig::new("a.b").to_stream_config(),
            Err(ObjectError::InvalidBucket("a.b".into()))
        );
        Ok(())
    }

    #[test]
    fn status_from_stream_info() {
        let info: StreamInfo = serde_json::from_str(r#"{"config":{"name":"OBJ_files","description":"d","max_age":5000000000,"storage":"memory","num_replicas":1,"sealed":true,"compression":"s2","allow_direct":true},"created":"2025-03-01T09:15:02Z","state":{"messages":3,"bytes":300,"first_seq":1,"first_ts":"2025-03-01T09:15:02Z","last_seq":3,"last_ts":"2025-03-01T09:15:02Z","consumer_count":0}}"#).expect("parses");
        let s = ObjectStoreStatus::from_stream_info(&info).expect("an object store");
        assert_eq!(s.bucket, "files");
        assert_eq!(s.description.as_deref(), Some("d"));
        assert_eq!(
            (s.max_age, s.storage, s.replicas, s.sealed, s.size),
            (Duration::from_secs(5), StorageType::Memory, 1, true, 300)
        );
        assert!(s.compressed && s.allow_direct);
        let mut kv = info.clone();
        kv.config.name = "KV_files".into();
        assert_eq!(ObjectStoreStatus::from_stream_info(&kv), None);
    }
}
