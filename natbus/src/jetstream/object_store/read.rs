//! Reading an object back: its chunks in order, checked against size and digest.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream as _;
use natbus_proto::jetstream::object::{self, ObjectDigest, ObjectError, ObjectInfo};

use super::ObjectStore;
use crate::jetstream::consumers::ordered::{OrderedMessages, OrderedOptions};
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;
use crate::runtime::sleep_for;
use crate::{BoxFuture, Runtime};

/// Most bytes [`Object::bytes`] reserves up front: the recorded size comes from the
/// server, so a corrupt one must not make it allocate gigabytes before reading anything.
const MAX_RESERVE: usize = 16 << 20;

/// An object being read: its [`info`](Self::info), and its data as a stream of chunks
/// (`futures_core::Stream<Item = Result<Bytes, JetStreamError>>`, or [`next`](Self::next)).
///
/// After the last chunk the stream checks the size and SHA-256 digest the store recorded
/// and ends with an [`ObjectError::DigestMismatch`] or [`ObjectError::SizeMismatch`] item
/// when they differ, so data is only known good once the stream has ended without error.
pub struct Object {
    info: ObjectInfo,
    /// `None` when nothing is stored (an empty object).
    chunks: Option<OrderedMessages>,
    digest: ObjectDigest,
    read_size: u64,
    read_chunks: u32,
    /// All chunks are in; the next poll checks them.
    complete: bool,
    done: bool,
    rt: Arc<dyn Runtime>,
    timeout: Duration,
    /// The wait for the next chunk, started when one is awaited.
    sleep: Option<BoxFuture<()>>,
}

impl std::fmt::Debug for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Object")
            .field("info", &self.info)
            .field("read_size", &self.read_size)
            .field("read_chunks", &self.read_chunks)
            .finish_non_exhaustive()
    }
}

impl ObjectStore {
    /// Opens an object for reading (see [`Object`]). A link to an object is followed
    /// (once) and the target read, from its own bucket; the [`Object`]'s info is then the
    /// target's.
    ///
    /// # Errors
    /// [`JetStreamError::ObjectNotFound`] when it (or a link's target) does not exist or
    /// was deleted, [`ObjectError::BucketLink`] for a link to a whole bucket,
    /// [`ObjectError::LinkToLink`] for a link to a link,
    /// [`JetStreamError::ObjectStoreNotFound`] when a link's bucket is gone, or JetStream
    /// unavailable.
    pub async fn get(&self, name: &str) -> Result<Object, JetStreamError> {
        let info = self.info(name).await?;
        let (store, info) = self.read_target(info).await?;
        let chunks = if info.size == 0 && info.chunks == 0 {
            None
        } else {
            let options =
                OrderedOptions::default().filter(object::chunk_subject(&store.bucket, &info.nuid));
            Some(
                store
                    .js
                    .ordered_consumer(store.stream.name(), options)
                    .await?,
            )
        };
        Ok(Object {
            // Nothing stored means nothing to wait for: go straight to the checks.
            complete: chunks.as_ref().is_none_or(|c| c.initial_pending() == 0),
            info,
            chunks,
            digest: ObjectDigest::new(),
            read_size: 0,
            read_chunks: 0,
            done: false,
            rt: self.js.client.runtime().clone(),
            timeout: self.js.timeout,
            sleep: None,
        })
    }
}

impl Object {
    /// The object's description.
    pub fn info(&self) -> &ObjectInfo {
        &self.info
    }

    /// The next chunk; `None` once the object was read and checked.
    // An async `next` as users know it from `StreamExt`, without that import.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> impl Future<Output = Option<Result<Bytes, JetStreamError>>> + '_ {
        std::future::poll_fn(move |cx| Pin::new(&mut *self).poll_next(cx))
    }

    /// Reads the whole object into memory (as much memory as the object is large) and
    /// checks it.
    ///
    /// # Errors
    /// As the stream's items: corrupt data, a timeout, or a lost connection.
    pub async fn bytes(mut self) -> Result<Bytes, JetStreamError> {
        let size = usize::try_from(self.info.size).unwrap_or(usize::MAX);
        let mut out = BytesMut::with_capacity(size.min(MAX_RESERVE));
        while let Some(chunk) = self.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.freeze())
    }

    /// Ends the read: size and digest against the description.
    fn check(&mut self) -> Result<(), JetStreamError> {
        self.done = true;
        self.chunks = None;
        if self.read_size != self.info.size {
            return Err(ObjectError::SizeMismatch {
                name: self.info.name.clone(),
                expected: self.info.size,
                actual: self.read_size,
            }
            .into());
        }
        let digest = std::mem::take(&mut self.digest);
        Ok(digest.verify(&self.info.name, &self.info.digest)?)
    }

    /// Takes in one delivered chunk.
    fn on_chunk(&mut self, msg: JsMessage) -> Result<Bytes, JetStreamError> {
        let pending = msg.metadata()?.pending;
        let chunk = msg.message.payload;
        self.digest.update(&chunk);
        self.read_size += chunk.len() as u64;
        self.read_chunks = self.read_chunks.saturating_add(1);
        if self.read_size > self.info.size {
            // More data than recorded: stop before reading any further.
            return self.check().map(|()| Bytes::new());
        }
        self.complete = pending == 0 || self.read_chunks >= self.info.chunks;
        Ok(chunk)
    }
}

impl futures_core::Stream for Object {
    type Item = Result<Bytes, JetStreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let Some(chunks) = this.chunks.as_mut().filter(|_| !this.complete) else {
            return Poll::Ready(this.check().err().map(Err));
        };
        let failed = match Pin::new(chunks).poll_next(cx) {
            Poll::Ready(Some(Ok(msg))) => {
                this.sleep = None;
                let chunk = this.on_chunk(msg);
                if chunk.is_err() {
                    this.done = true;
                }
                return Poll::Ready(Some(chunk));
            }
            Poll::Ready(Some(Err(e))) => e,
            Poll::Ready(None) => JetStreamError::Closed,
            Poll::Pending => {
                let (rt, timeout) = (&this.rt, this.timeout);
                let sleep = this.sleep.get_or_insert_with(|| sleep_for(&**rt, timeout));
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                JetStreamError::Timeout {
                    what: "object chunk",
                    timeout,
                }
            }
        };
        this.done = true;
        this.chunks = None;
        Poll::Ready(Some(Err(failed)))
    }
}
