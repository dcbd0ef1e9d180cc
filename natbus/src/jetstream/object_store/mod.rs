//! Object stores (ADR-20): values of any size, stored as chunks in a stream.
//!
//! A put streams the data in chunks to a fresh chunk subject, then publishes the object's
//! description; a get reads the description, then the chunks with an ordered consumer,
//! checking size and SHA-256 digest at the end. The layout (subjects, JSON, digest) is
//! [`natbus_proto::jetstream::object`]; this module does the requests, `put.rs`
//! the writing, `read.rs` the reading, `link.rs` links, `update.rs` renames and other
//! description changes, and `watch.rs` watching.

mod link;
pub(crate) mod put;
pub(crate) mod read;
mod update;
pub(crate) mod watch;

use natbus_proto::jetstream::consumer::DeliverPolicy;
use natbus_proto::jetstream::errors::STREAM_SEALED;
use natbus_proto::jetstream::object::{
    self, ObjectError, ObjectInfo, ObjectStoreConfig, ObjectStoreStatus,
};
use natbus_proto::jetstream::publish::PublishOptions;
use natbus_proto::jetstream::stream_msg::GetRequest;

use crate::jetstream::bucket::{bucket_stream_info, delete_bucket_stream, headers};
use crate::jetstream::consumers::ordered::OrderedOptions;
use crate::jetstream::context::JetStream;
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;
use crate::jetstream::stream::{Stream, find_stored};

/// An object store bucket.
///
/// ```no_run
/// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
/// use natbus::jetstream::{ObjectMeta, ObjectStoreConfig};
///
/// let obs = js.create_object_store(ObjectStoreConfig::new("files")).await?;
/// let report = std::fs::read("report.pdf").unwrap_or_default();
/// let meta = ObjectMeta::new("reports/2025.pdf").description("yearly report");
/// let info = obs.put_bytes(meta, report).await?; // or put(name, any AsyncRead)
/// println!("{} bytes in {} chunks, {}", info.size, info.chunks, info.digest);
///
/// let mut object = obs.get("reports/2025.pdf").await?;
/// while let Some(chunk) = object.next().await {
///     let chunk = chunk?; // the last item is an error if size or digest do not match
///     println!("{} bytes", chunk.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ObjectStore {
    pub(crate) js: JetStream,
    pub(crate) bucket: String,
    pub(crate) stream: Stream,
}

impl JetStream {
    /// Creates an object store (a stream `OBJ_<bucket>` configured as nats.go does).
    ///
    /// # Errors
    /// An invalid bucket name, or API errors (a bucket with another config).
    pub async fn create_object_store(
        &self,
        config: ObjectStoreConfig,
    ) -> Result<ObjectStore, JetStreamError> {
        let stream = self.create_stream(config.to_stream_config()?).await?;
        Ok(ObjectStore {
            js: self.clone(),
            bucket: config.bucket,
            stream,
        })
    }

    /// Opens an existing object store.
    ///
    /// # Errors
    /// [`JetStreamError::ObjectStoreNotFound`], or JetStream unavailable.
    pub async fn object_store(&self, bucket: &str) -> Result<ObjectStore, JetStreamError> {
        object::validate_bucket(bucket)?;
        let info = bucket_stream_info(self, &object::stream_name(bucket), || {
            JetStreamError::ObjectStoreNotFound(bucket.to_owned())
        })
        .await?;
        Ok(ObjectStore {
            js: self.clone(),
            bucket: bucket.to_owned(),
            stream: Stream::new(self.clone(), info),
        })
    }

    /// Deletes an object store and all its objects.
    ///
    /// # Errors
    /// [`JetStreamError::ObjectStoreNotFound`], or JetStream unavailable.
    pub async fn delete_object_store(&self, bucket: &str) -> Result<bool, JetStreamError> {
        object::validate_bucket(bucket)?;
        delete_bucket_stream(self, &object::stream_name(bucket), || {
            JetStreamError::ObjectStoreNotFound(bucket.to_owned())
        })
        .await
    }
}

impl ObjectStore {
    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The bucket's state (bytes stored, TTL, sealed), from its stream info.
    ///
    /// # Errors
    /// The bucket was deleted, or JetStream unavailable.
    pub async fn status(&self) -> Result<ObjectStoreStatus, JetStreamError> {
        let info = self.js.stream_info(self.stream.name()).await?;
        ObjectStoreStatus::from_stream_info(&info)
            .ok_or_else(|| JetStreamError::ObjectStoreNotFound(self.bucket.clone()))
    }

    /// Seals the bucket for good (the stream's `sealed: true`): its objects stay
    /// readable, but puts, updates, links and deletes fail with
    /// [`JetStreamError::ObjectStoreSealed`]. Sealing a sealed bucket changes nothing.
    ///
    /// # Errors
    /// The bucket was deleted, or JetStream unavailable.
    pub async fn seal(&self) -> Result<ObjectStoreStatus, JetStreamError> {
        let mut info = self.js.stream_info(self.stream.name()).await?;
        if !info.config.sealed {
            info.config.sealed = true;
            info = self
                .js
                .update_stream(info.config)
                .await?
                .cached_info()
                .clone();
        }
        ObjectStoreStatus::from_stream_info(&info)
            .ok_or_else(|| JetStreamError::ObjectStoreNotFound(self.bucket.clone()))
    }

    /// `e`, or [`JetStreamError::ObjectStoreSealed`] when the server refused a write
    /// because the bucket is sealed: the API error alone would not say which bucket.
    pub(crate) fn sealed_or(&self, e: JetStreamError) -> JetStreamError {
        match e.api_error() {
            Some(api) if api.is(STREAM_SEALED) => {
                JetStreamError::ObjectStoreSealed(self.bucket.clone())
            }
            _ => e,
        }
    }

    pub(crate) fn not_found(&self, name: &str) -> JetStreamError {
        JetStreamError::ObjectNotFound {
            bucket: self.bucket.clone(),
            name: name.to_owned(),
        }
    }

    /// The newest description of `name`, deleted ones included.
    pub(crate) async fn description(
        &self,
        name: &str,
    ) -> Result<Option<ObjectInfo>, JetStreamError> {
        let allow_direct = self.stream.cached_info().config.allow_direct;
        read_description(&self.js, &self.bucket, allow_direct, name).await
    }

    /// The description of an object: size, chunks, digest, headers, when it was stored.
    ///
    /// # Errors
    /// [`JetStreamError::ObjectNotFound`] when it does not exist or was deleted.
    pub async fn info(&self, name: &str) -> Result<ObjectInfo, JetStreamError> {
        self.description(name)
            .await?
            .filter(|info| !info.deleted)
            .ok_or_else(|| self.not_found(name))
    }

    /// Deletes an object: its description is replaced by a "deleted" one and its chunks
    /// are purged.
    ///
    /// # Errors
    /// [`JetStreamError::ObjectNotFound`] when it does not exist or was deleted already,
    /// [`JetStreamError::ObjectStoreSealed`].
    pub async fn delete(&self, name: &str) -> Result<(), JetStreamError> {
        let info = self.info(name).await?;
        let mut deleted = info.to_deleted(self.js.client.runtime().system_time());
        self.publish_description(&mut deleted).await?;
        self.stream
            .purge_subject(&object::chunk_subject(&self.bucket, &info.nuid))
            .await
            .map_err(|e| self.sealed_or(e))?;
        Ok(())
    }

    /// The descriptions of every object that exists now (deleted ones left out).
    ///
    /// # Errors
    /// A description that is not ADR-20 JSON, or JetStream unavailable.
    pub async fn list(&self) -> Result<Vec<ObjectInfo>, JetStreamError> {
        let options = OrderedOptions::default()
            .filter(object::all_meta_subjects(&self.bucket))
            .deliver(DeliverPolicy::LastPerSubject);
        let messages = self
            .js
            .ordered_consumer(self.stream.name(), options)
            .await?
            .collect_initial(self.js.client.runtime(), self.js.timeout, "object listing")
            .await?;
        let mut out = Vec::with_capacity(messages.len());
        for msg in messages {
            let stored_at = msg.metadata()?.timestamp;
            match ObjectInfo::from_meta_message(&msg.message.payload, stored_at) {
                Ok(info) if !info.deleted => out.push(info),
                Ok(_) => {}
                Err(e) => skip_unreadable(&self.bucket, &msg, &e),
            }
        }
        Ok(out)
    }

    /// Publishes a description with `Nats-Rollup: sub`, which removes the older ones,
    /// and sets its `mtime` to this client's clock.
    pub(crate) async fn publish_description(
        &self,
        info: &mut ObjectInfo,
    ) -> Result<(), JetStreamError> {
        info.mtime = self.js.client.runtime().system_time();
        let subject = object::publish_to(
            &self.js.prefix,
            object::meta_subject(&self.bucket, &info.name)?,
        );
        self.js
            .publish_with(
                subject,
                Some(headers(object::meta_headers())),
                &PublishOptions::default(),
                info.to_json(),
            )
            .await
            .map_err(|e| self.sealed_or(e))?;
        Ok(())
    }
}

/// The newest description of `name` in `bucket`, deleted ones included; `allow_direct`
/// when the bucket's stream is known to allow DIRECT.GET.
pub(crate) async fn read_description(
    js: &JetStream,
    bucket: &str,
    allow_direct: bool,
    name: &str,
) -> Result<Option<ObjectInfo>, JetStreamError> {
    let request = GetRequest::last_by_subject(object::meta_subject(bucket, name)?);
    let stream = object::stream_name(bucket);
    let Some(msg) = find_stored(js, &stream, allow_direct, &request).await? else {
        return Ok(None);
    };
    Ok(Some(ObjectInfo::from_meta_message(&msg.payload, msg.time)?))
}

/// Logs a description that does not parse: another client wrote it, and it must not hide
/// the other objects of the bucket (listings and watches skip it, naming it here).
fn skip_unreadable(bucket: &str, msg: &JsMessage, error: &ObjectError) {
    let subject = msg.subject();
    let object = object::name_from_meta_subject(bucket, subject);
    tracing::warn!(%bucket, ?object, %subject, %error, "skipping an object whose description cannot be read");
}
