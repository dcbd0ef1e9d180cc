//! Atomic batches (ADR-50) over natbus-proto's [`AtomicBatch`]: all messages stored, or
//! none.

use bytes::Bytes;
use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::batch::atomic::{AtomicBatch, AtomicMessage, Commit};
use natbus_proto::jetstream::features::Feature;
use natbus_proto::jetstream::publish::PubAck;

use super::super::context::{JetStream, random_name};
use super::super::error::JetStreamError;
use crate::{RequestError, RequestOptions};

/// An atomic batch being published: [`add`](Self::add) messages, then
/// [`commit`](Self::commit) with the last one. The stream (created with `allow_atomic`,
/// nats-server 2.12+) stores every message of the batch or none of them; at most 1,000
/// messages per batch (the server's default limit), and a batch without a message for
/// 10 s is abandoned by the server. Dropping it without a commit abandons it too.
///
/// ```no_run
/// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
/// let mut batch = js.atomic_batch();
/// batch.add("orders.1.address", None, "1 Main St").await?;
/// batch.add("orders.1.city", None, "Springfield").await?;
/// let ack = batch.commit("orders.1.zip", None, "12345").await?;
/// assert_eq!(ack.count, 3); // all three stored, as sequences ack.seq-2 ..= ack.seq
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct AtomicBatchPublisher {
    js: JetStream,
    batch: AtomicBatch,
}

impl JetStream {
    /// Starts an atomic batch with a fresh unique id; see [`AtomicBatchPublisher`].
    pub fn atomic_batch(&self) -> AtomicBatchPublisher {
        // A NUID: 22 characters, a valid batch id.
        let id = random_name(&self.client);
        let batch = AtomicBatch::new(id).unwrap_or_else(|_| unreachable!("a NUID is a valid id"));
        AtomicBatchPublisher {
            js: self.clone(),
            batch,
        }
    }
}

impl AtomicBatchPublisher {
    /// The batch id (`Nats-Batch-Id`).
    pub fn id(&self) -> &str {
        self.batch.id()
    }

    /// Messages sent so far.
    pub fn len(&self) -> u64 {
        self.batch.sent()
    }

    /// Whether no message was sent yet.
    pub fn is_empty(&self) -> bool {
        self.batch.sent() == 0
    }

    /// Adds a message. The first one waits for the server to open the batch, so a stream
    /// without `allow_atomic` or a missing stream fails here; the others are sent without
    /// waiting.
    ///
    /// # Errors
    /// [`JetStreamError::ServerTooOld`] before 2.12; [`JetStreamError::Batch`] with
    /// [`BatchError::Rejected`](natbus_proto::jetstream::batch::BatchError::Rejected) (e.g.
    /// `allow_atomic` off) or `NoStream`; a timeout; after a failure or the commit, `Finished`.
    pub async fn add(
        &mut self,
        subject: impl AsRef<str>,
        headers: Option<HeaderMap>,
        payload: impl Into<Bytes>,
    ) -> Result<(), JetStreamError> {
        if self.batch.sent() == 0 {
            self.js.require(Feature::AtomicBatch).await?;
        }
        let message = self.batch.add()?;
        self.send(subject.as_ref(), headers, payload.into(), message)
            .await
            .map(|_| ())
    }

    /// Adds the last message and commits the batch: the [`PubAck`] is the last message's,
    /// with `batch` and `count` set.
    ///
    /// # Errors
    /// As [`add`](Self::add), plus every rejection of the commit: a lost message
    /// (`is_batch_incomplete`), too many messages (`is_batch_too_large`), a failed
    /// `Nats-Expected-*` check, a duplicate `Nats-Msg-Id`.
    pub async fn commit(
        mut self,
        subject: impl AsRef<str>,
        headers: Option<HeaderMap>,
        payload: impl Into<Bytes>,
    ) -> Result<PubAck, JetStreamError> {
        if self.batch.sent() == 0 {
            self.js.require(Feature::AtomicBatch).await?;
        }
        let message = self.batch.commit(Commit::Store)?;
        match self
            .send(subject.as_ref(), headers, payload.into(), message)
            .await?
        {
            Some(ack) => Ok(ack),
            None => Err(JetStreamError::Batch(
                natbus_proto::jetstream::batch::BatchError::InvalidReply(
                    "an empty reply to the commit".into(),
                ),
            )),
        }
    }

    /// Publishes one message of the batch; for one that wants a reply, waits for it.
    async fn send(
        &mut self,
        subject: &str,
        headers: Option<HeaderMap>,
        payload: Bytes,
        message: AtomicMessage,
    ) -> Result<Option<PubAck>, JetStreamError> {
        let mut headers = headers.unwrap_or_default();
        for (name, value) in message.headers {
            headers.insert(name, value);
        }
        let client = &self.js.client;
        if !message.wants_reply {
            return match client
                .publish_full(subject, None, Some(&headers), payload)
                .await
            {
                Ok(()) => Ok(None),
                Err(e) => {
                    self.batch.abandon();
                    Err(e.into())
                }
            };
        }
        let options = RequestOptions {
            headers: Some(headers),
            timeout: Some(self.js.timeout),
        };
        match client.request_with(subject, payload, options).await {
            Ok(reply) => Ok(self.batch.handle_reply(&reply.payload)?),
            Err(RequestError::NoResponders { .. }) => Err(self.batch.handle_no_responders().into()),
            Err(e) => {
                self.batch.abandon();
                Err(JetStreamError::from_publish_request(e))
            }
        }
    }
}
