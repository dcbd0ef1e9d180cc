//! Object stores (ADR-20): values of any size, stored as chunks in a stream.
//!
//! A put streams the data in chunks to a fresh chunk subject, then publishes the object's
//! description; a get reads the description, then the chunks with an ordered consumer,
//! checking size and SHA-256 digest at the end. The layout (subjects, JSON, digest) is
//! [`natbus_proto::jetstream::object`]; this file does the requests.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::time::SystemTime;

use bytes::Bytes;
use futures_io::AsyncRead;
use natbus_proto::jetstream::consumer::DeliverPolicy;
use natbus_proto::jetstream::object::{
    self, ObjectDigest, ObjectInfo, ObjectMeta, ObjectStoreConfig, ObjectStoreStatus,
};
use natbus_proto::jetstream::publish::PublishOptions;
use natbus_proto::jetstream::stream_msg::GetRequest;

use super::bucket::{bucket_stream_info, delete_bucket_stream, headers};
use super::context::{JetStream, random_name};
use super::error::JetStreamError;
use super::ordered::OrderedOptions;
use super::publish_async::PubAckFuture;
use super::stream::{Stream, find_stored};

/// Chunks of a put whose PubAck is awaited at once. A put holds at most this many chunks
/// plus the one being read, so its memory is about five chunks (640 KiB by default),
/// whatever the object's size.
const PUT_WINDOW: usize = 4;

/// An object store bucket.
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

    pub(crate) fn not_found(&self, name: &str) -> JetStreamError {
        JetStreamError::ObjectNotFound {
            bucket: self.bucket.clone(),
            name: name.to_owned(),
        }
    }

    /// The newest description of `name`, deleted ones included.
    async fn description(&self, name: &str) -> Result<Option<ObjectInfo>, JetStreamError> {
        let request = GetRequest::last_by_subject(object::meta_subject(&self.bucket, name)?);
        let allow_direct = self.stream.cached_info().config.allow_direct;
        let Some(msg) = find_stored(&self.js, self.stream.name(), allow_direct, &request).await?
        else {
            return Ok(None);
        };
        Ok(Some(ObjectInfo::from_meta_message(&msg.payload, msg.time)?))
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

    /// Stores the data read from `data` under `meta`'s name (a `&str` is a name), replacing
    /// any object of that name once the new one is complete. Reads and publishes one chunk
    /// at a time, with a few chunks awaiting their ack, so memory stays at a few chunks.
    /// The returned info's `mtime` is this client's clock at the put.
    ///
    /// # Errors
    /// An empty name or zero chunk size, [`JetStreamError::ReadData`] when `data` fails,
    /// or a publish error (e.g. the bucket is full). The chunks already written are then
    /// purged and the previous object, if any, stays.
    pub async fn put(
        &self,
        meta: impl Into<ObjectMeta>,
        mut data: impl AsyncRead + Unpin,
    ) -> Result<ObjectInfo, JetStreamError> {
        let meta = meta.into();
        let chunk_size = meta.validated_chunk_size()?;
        let previous = self.description(&meta.name).await?;
        let nuid = random_name();
        let chunks = object::chunk_subject(&self.bucket, &nuid);
        let mut info = ObjectInfo::new(&self.bucket, nuid, meta, chunk_size);
        let mut written = self
            .write_chunks(&chunks, chunk_size, &mut data, &mut info)
            .await;
        if written.is_ok() {
            written = self.publish_description(&mut info).await;
        }
        if let Err(e) = written {
            // Best effort: the error that stopped the put matters more than a failed
            // cleanup, which leaves only unreferenced chunks behind.
            let _ = self.stream.purge_subject(&chunks).await;
            return Err(e);
        }
        if let Some(old) = previous.filter(|p| !p.deleted && !p.nuid.is_empty()) {
            self.stream
                .purge_subject(&object::chunk_subject(&self.bucket, &old.nuid))
                .await?;
        }
        Ok(info)
    }

    /// Stores `data` under `meta`'s name; see [`put`](Self::put).
    ///
    /// # Errors
    /// As [`put`](Self::put).
    pub async fn put_bytes(
        &self,
        meta: impl Into<ObjectMeta>,
        data: impl Into<Bytes>,
    ) -> Result<ObjectInfo, JetStreamError> {
        let data: Bytes = data.into();
        self.put(meta, &data[..]).await
    }

    /// Deletes an object: its description is replaced by a "deleted" one and its chunks
    /// are purged.
    ///
    /// # Errors
    /// [`JetStreamError::ObjectNotFound`] when it does not exist or was deleted already.
    pub async fn delete(&self, name: &str) -> Result<(), JetStreamError> {
        let info = self.info(name).await?;
        let mut deleted = info.to_deleted(SystemTime::now());
        self.publish_description(&mut deleted).await?;
        self.stream
            .purge_subject(&object::chunk_subject(&self.bucket, &info.nuid))
            .await?;
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
            let info = ObjectInfo::from_meta_message(&msg.message.payload, stored_at)?;
            if !info.deleted {
                out.push(info);
            }
        }
        Ok(out)
    }

    /// Publishes a description with `Nats-Rollup: sub`, which removes the older ones.
    async fn publish_description(&self, info: &mut ObjectInfo) -> Result<(), JetStreamError> {
        info.mtime = SystemTime::now();
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
            .await?;
        Ok(())
    }

    /// Publishes `data` in chunks to `subject`, counting size, chunks and digest in `info`.
    async fn write_chunks(
        &self,
        subject: &str,
        chunk_size: u32,
        data: &mut (impl AsyncRead + Unpin),
        info: &mut ObjectInfo,
    ) -> Result<(), JetStreamError> {
        let target = object::publish_to(&self.js.prefix, subject.to_owned());
        let size = usize::try_from(chunk_size).unwrap_or(usize::MAX);
        let mut digest = ObjectDigest::new();
        let mut acks: VecDeque<PubAckFuture> = VecDeque::with_capacity(PUT_WINDOW);
        loop {
            let chunk = read_chunk(data, size)
                .await
                .map_err(JetStreamError::ReadData)?;
            if chunk.is_empty() {
                break;
            }
            let full = chunk.len() == size;
            digest.update(&chunk);
            info.size += chunk.len() as u64;
            info.chunks = info.chunks.checked_add(1).ok_or_else(|| {
                JetStreamError::InvalidOption(
                    "an object has at most 2^32-1 chunks: use a bigger chunk size".to_owned(),
                )
            })?;
            if acks.len() >= PUT_WINDOW {
                if let Some(ack) = acks.pop_front() {
                    ack.await?;
                }
            }
            let ack = self
                .js
                .publish_async(&target, None, &PublishOptions::default(), chunk)
                .await?;
            acks.push_back(ack);
            if !full {
                break;
            }
        }
        for ack in acks {
            ack.await?;
        }
        info.digest = digest.finish();
        Ok(())
    }
}

/// Reads up to `size` bytes, fewer only at the end of the data.
async fn read_chunk(data: &mut (impl AsyncRead + Unpin), size: usize) -> io::Result<Bytes> {
    let mut buf = vec![0u8; size];
    let mut filled = 0;
    while filled < size {
        let read = poll_fn(|cx| Pin::new(&mut *data).poll_read(cx, &mut buf[filled..])).await;
        match read {
            Ok(0) => break,
            // A reader claiming more than the buffer holds is not trusted past it.
            Ok(n) => filled += n.min(size - filled),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(Bytes::from(buf))
}
