//! Writing an object: its data in chunks, with a bounded window of acks, then its
//! description.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;

use bytes::Bytes;
use futures_io::AsyncRead;
use natbus_proto::jetstream::object::{self, ObjectDigest, ObjectInfo, ObjectMeta};
use natbus_proto::jetstream::publish::PublishOptions;

use super::ObjectStore;
use crate::jetstream::context::random_name;
use crate::jetstream::error::JetStreamError;
use crate::jetstream::publish_async::PubAckFuture;

/// Chunks of a put whose PubAck is awaited at once. A put holds at most this many chunks
/// plus the one being read, so its memory is about five chunks (640 KiB by default),
/// whatever the object's size.
const PUT_WINDOW: usize = 4;

impl ObjectStore {
    /// Stores the data read from `data` under `meta`'s name (a `&str` is a name), replacing
    /// any object of that name once the new one is complete. Reads and publishes one chunk
    /// at a time, with a few chunks awaiting their ack, so memory stays at a few chunks.
    /// The returned info's `mtime` is this client's clock at the put.
    ///
    /// # Errors
    /// An empty name or zero chunk size, [`JetStreamError::ReadData`] when `data` fails,
    /// [`JetStreamError::ObjectStoreSealed`], or a publish error (e.g. the bucket is
    /// full). The chunks already written are then
    /// purged and the previous object, if any, stays.
    pub async fn put(
        &self,
        meta: impl Into<ObjectMeta>,
        mut data: impl AsyncRead + Unpin,
    ) -> Result<ObjectInfo, JetStreamError> {
        let meta = meta.into();
        let chunk_size = meta.validated_chunk_size()?;
        let previous = self.description(&meta.name).await?;
        let nuid = random_name(&self.js.client);
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
            return Err(self.sealed_or(e));
        }
        if let Some(old) = previous.filter(|p| !p.deleted && !p.nuid.is_empty()) {
            self.stream
                .purge_subject(&object::chunk_subject(&self.bucket, &old.nuid))
                .await
                .map_err(|e| self.sealed_or(e))?;
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

    /// Publishes `data` in chunks to `subject`, counting size, chunks and digest in `info`.
    /// Returns only once every chunk published is acked (or failed), so a purge after a
    /// failure cannot overtake a chunk still in flight.
    async fn write_chunks(
        &self,
        subject: &str,
        chunk_size: u32,
        data: &mut (impl AsyncRead + Unpin),
        info: &mut ObjectInfo,
    ) -> Result<(), JetStreamError> {
        let mut acks = VecDeque::with_capacity(PUT_WINDOW);
        let published = self
            .publish_chunks(subject, chunk_size, data, info, &mut acks)
            .await;
        let mut settled = Ok(());
        for ack in acks {
            if let Err(e) = ack.await {
                settled = settled.and(Err(e));
            }
        }
        published.and(settled)
    }

    /// The loop of [`write_chunks`](Self::write_chunks); leaves the last acks in `acks`.
    async fn publish_chunks(
        &self,
        subject: &str,
        chunk_size: u32,
        data: &mut (impl AsyncRead + Unpin),
        info: &mut ObjectInfo,
        acks: &mut VecDeque<PubAckFuture>,
    ) -> Result<(), JetStreamError> {
        let target = object::publish_to(&self.js.prefix, subject.to_owned());
        let size = usize::try_from(chunk_size).unwrap_or(usize::MAX);
        let mut digest = ObjectDigest::new();
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
