//! Key-value buckets on top of streams (ADR-8).

mod batch_read;
pub(crate) mod watch;

use std::time::Duration;

use bytes::Bytes;
use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::api::ApiPrefix;
use natbus_proto::jetstream::features::Feature;
use natbus_proto::jetstream::kv::{
    self, BucketStatus, Entry, KeyValueConfig, Operation, create_options, update_options,
};
use natbus_proto::jetstream::publish::PublishOptions;
use natbus_proto::jetstream::stream_msg::GetRequest;

use crate::RequestOptions;
use crate::jetstream::bucket::{bucket_stream_info, delete_bucket_stream, headers};
use crate::jetstream::context::JetStream;
use crate::jetstream::error::JetStreamError;
use crate::jetstream::stream::find_stored;

/// A key-value bucket.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) js: JetStream,
    pub(crate) bucket: String,
    pub(crate) stream: String,
    allow_direct: bool,
}

impl JetStream {
    /// Creates a bucket (a stream `KV_<bucket>` configured as nats.go does).
    ///
    /// # Errors
    /// An invalid bucket name or history, or API errors (a bucket with another config).
    pub async fn create_key_value(&self, config: KeyValueConfig) -> Result<Store, JetStreamError> {
        let stream = self.create_stream(config.to_stream_config()?).await?;
        Ok(Store::new(
            self.clone(),
            &config.bucket,
            stream.cached_info().config.allow_direct,
        ))
    }

    /// Opens an existing bucket.
    ///
    /// # Errors
    /// [`JetStreamError::BucketNotFound`], or JetStream unavailable.
    pub async fn key_value(&self, bucket: &str) -> Result<Store, JetStreamError> {
        kv::validate_bucket(bucket)?;
        let info = bucket_stream_info(self, &kv::stream_name(bucket), || {
            JetStreamError::BucketNotFound(bucket.to_owned())
        })
        .await?;
        Ok(Store::new(self.clone(), bucket, info.config.allow_direct))
    }

    /// Deletes a bucket and all its keys.
    ///
    /// # Errors
    /// [`JetStreamError::BucketNotFound`], or JetStream unavailable.
    pub async fn delete_key_value(&self, bucket: &str) -> Result<bool, JetStreamError> {
        kv::validate_bucket(bucket)?;
        delete_bucket_stream(self, &kv::stream_name(bucket), || {
            JetStreamError::BucketNotFound(bucket.to_owned())
        })
        .await
    }
}

impl Store {
    fn new(js: JetStream, bucket: &str, allow_direct: bool) -> Self {
        Self {
            js,
            bucket: bucket.to_owned(),
            stream: kv::stream_name(bucket),
            allow_direct,
        }
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The bucket's state (values stored, history, TTL).
    ///
    /// # Errors
    /// The bucket was deleted, or JetStream unavailable.
    pub async fn status(&self) -> Result<BucketStatus, JetStreamError> {
        let info = self.js.stream_info(&self.stream).await?;
        BucketStatus::from_stream_info(&info)
            .ok_or_else(|| JetStreamError::BucketNotFound(self.bucket.clone()))
    }

    async fn publish(
        &self,
        key: &str,
        headers: Option<HeaderMap>,
        options: &PublishOptions,
        value: Bytes,
    ) -> Result<u64, JetStreamError> {
        let subject = kv::put_subject(&self.js.prefix, &self.bucket, key)?;
        let ack = self
            .js
            .publish_with(subject, headers, options, value)
            .await?;
        Ok(ack.seq)
    }

    /// Stores `value` under `key`; returns the new revision.
    ///
    /// # Errors
    /// An invalid key, or the bucket is gone.
    pub async fn put(&self, key: &str, value: impl Into<Bytes>) -> Result<u64, JetStreamError> {
        self.publish(key, None, &PublishOptions::default(), value.into())
            .await
    }

    /// Stores `value` only if `key` has no live value (never set, deleted or purged).
    ///
    /// # Errors
    /// [`JetStreamError::KeyExists`] when it has one.
    pub async fn create(&self, key: &str, value: impl Into<Bytes>) -> Result<u64, JetStreamError> {
        self.create_inner(key, value.into(), None).await
    }

    /// [`create`](Self::create) for a value that expires after `ttl` (ADR-48, server
    /// 2.11+): the bucket must have limit markers
    /// ([`KeyValueConfig::limit_marker_ttl`]), else the server refuses it
    /// (`per-message TTL is disabled`, 10166). When it expires, watchers see a
    /// [`Operation::Purge`] marker and the key can be created again.
    ///
    /// ```no_run
    /// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
    /// use std::time::Duration;
    /// use natbus::jetstream::KeyValueConfig;
    ///
    /// let mut config = KeyValueConfig::new("sessions");
    /// config.limit_marker_ttl = Some(Duration::from_secs(60));
    /// let sessions = js.create_key_value(config).await?;
    /// sessions.create_with_ttl("user.42", "token", Duration::from_secs(900)).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`create`](Self::create); [`JetStreamError::ServerTooOld`] before 2.11,
    /// [`KvError::TtlTooShort`](natbus_proto::jetstream::kv::KvError::TtlTooShort) below 1 s.
    pub async fn create_with_ttl(
        &self,
        key: &str,
        value: impl Into<Bytes>,
        ttl: Duration,
    ) -> Result<u64, JetStreamError> {
        self.check_ttl(ttl).await?;
        self.create_inner(key, value.into(), Some(ttl)).await
    }

    /// Per-key TTLs need 2.11 and at least a second.
    async fn check_ttl(&self, ttl: Duration) -> Result<(), JetStreamError> {
        self.js.require(Feature::MessageTtl).await?;
        if ttl < Duration::from_secs(1) {
            return Err(kv::KvError::TtlTooShort(ttl).into());
        }
        Ok(())
    }

    async fn create_inner(
        &self,
        key: &str,
        value: Bytes,
        ttl: Option<Duration>,
    ) -> Result<u64, JetStreamError> {
        let with_ttl = |mut options: PublishOptions| {
            options.ttl = ttl;
            options
        };
        match self
            .publish(key, None, &with_ttl(create_options()), value.clone())
            .await
        {
            Err(JetStreamError::Api(e)) if e.is_wrong_last_sequence() => {
                match self.last_entry(key).await? {
                    Some(marker) if marker.operation != Operation::Put => {
                        match self
                            .publish(key, None, &with_ttl(update_options(marker.revision)), value)
                            .await
                        {
                            Err(JetStreamError::Api(e)) if e.is_wrong_last_sequence() => {
                                Err(JetStreamError::KeyExists {
                                    key: key.to_owned(),
                                })
                            }
                            other => other,
                        }
                    }
                    _ => Err(JetStreamError::KeyExists {
                        key: key.to_owned(),
                    }),
                }
            }
            other => other,
        }
    }

    /// Stores `value` only if the key's latest revision is `revision` (compare and set).
    ///
    /// # Errors
    /// An API error with `is_wrong_last_sequence` when someone else wrote first.
    pub async fn update(
        &self,
        key: &str,
        value: impl Into<Bytes>,
        revision: u64,
    ) -> Result<u64, JetStreamError> {
        self.publish(key, None, &update_options(revision), value.into())
            .await
    }

    /// Deletes the key (older revisions stay in the history).
    ///
    /// # Errors
    /// An invalid key, or the bucket is gone.
    pub async fn delete(&self, key: &str) -> Result<u64, JetStreamError> {
        self.publish(
            key,
            Some(headers(kv::delete_headers())),
            &PublishOptions::default(),
            Bytes::new(),
        )
        .await
    }

    /// Purges the key: removes all its revisions, leaving one purge marker.
    ///
    /// # Errors
    /// An invalid key, or the bucket is gone.
    pub async fn purge(&self, key: &str) -> Result<u64, JetStreamError> {
        self.publish(
            key,
            Some(headers(kv::purge_headers(None))),
            &PublishOptions::default(),
            Bytes::new(),
        )
        .await
    }

    /// [`purge`](Self::purge), and the purge marker itself is removed after `ttl` (ADR-48,
    /// server 2.11+; the bucket needs limit markers): afterwards nothing of the key is
    /// left, not even in its history.
    ///
    /// # Errors
    /// As [`create_with_ttl`](Self::create_with_ttl).
    pub async fn purge_with_ttl(&self, key: &str, ttl: Duration) -> Result<u64, JetStreamError> {
        self.check_ttl(ttl).await?;
        self.publish(
            key,
            Some(headers(kv::purge_headers(Some(ttl)))),
            &PublishOptions::default(),
            Bytes::new(),
        )
        .await
    }

    /// The latest value of `key`; `None` when unset, deleted or purged.
    ///
    /// # Errors
    /// An invalid key, or JetStream unavailable.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, JetStreamError> {
        Ok(self.entry(key).await?.map(|e| e.value))
    }

    /// The latest entry of `key`; `None` when unset, deleted or purged.
    ///
    /// # Errors
    /// An invalid key, or JetStream unavailable.
    pub async fn entry(&self, key: &str) -> Result<Option<Entry>, JetStreamError> {
        Ok(self
            .last_entry(key)
            .await?
            .filter(|e| e.operation == Operation::Put))
    }

    /// The entry of `key` at `revision`; `None` when that revision is not this key's or
    /// no longer stored.
    ///
    /// # Errors
    /// An invalid key, or JetStream unavailable.
    pub async fn entry_at(
        &self,
        key: &str,
        revision: u64,
    ) -> Result<Option<Entry>, JetStreamError> {
        kv::validate_key(key)?;
        let entry = self.get_entry(GetRequest::sequence(revision)).await?;
        Ok(entry.filter(|e| e.key == key && e.operation == Operation::Put))
    }

    /// The newest message of `key`, markers included.
    async fn last_entry(&self, key: &str) -> Result<Option<Entry>, JetStreamError> {
        kv::validate_key(key)?;
        if self.allow_direct {
            return self.direct_last(key).await;
        }
        let subject = kv::key_subject(&self.bucket, key);
        self.get_entry(GetRequest::last_by_subject(subject)).await
    }

    async fn get_entry(&self, request: GetRequest) -> Result<Option<Entry>, JetStreamError> {
        find_stored(&self.js, &self.stream, self.allow_direct, &request)
            .await?
            .map(|m| Ok(Entry::from_stored(&self.bucket, &m)?))
            .transpose()
    }

    /// `DIRECT.GET.KV_<b>.$KV.<b>.<key>`: the last message on the key, no JSON body.
    async fn direct_last(&self, key: &str) -> Result<Option<Entry>, JetStreamError> {
        let subject = ApiPrefix::direct_get_last(
            &self.js.prefix,
            &self.stream,
            &kv::key_subject(&self.bucket, key),
        )?;
        let msg = self
            .js
            .client
            .request_with(
                &subject,
                Bytes::new(),
                RequestOptions {
                    headers: None,
                    timeout: Some(self.js.timeout),
                },
            )
            .await
            .map_err(JetStreamError::from_api_request)?;
        match msg.status().map(|s| s.as_u16()) {
            Some(404) => return Ok(None),
            Some(code) => {
                return Err(JetStreamError::Status {
                    code,
                    description: msg.description().unwrap_or_default().to_owned(),
                });
            }
            None => {}
        }
        let headers = msg.headers.unwrap_or_default();
        Ok(Some(Entry::from_direct_get(
            &self.bucket,
            |n| headers.get(n),
            msg.payload,
        )?))
    }
}
