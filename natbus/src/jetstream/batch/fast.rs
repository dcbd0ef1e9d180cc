//! Fast-ingest batches (ADR-50, nats-server 2.14+): the async driver of natbus-proto's
//! [`FastBatch`] state machine, over one inbox subscription.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;

use bytes::Bytes;
use natbus_proto::headers::{HeaderMap, StatusCode};
use natbus_proto::jetstream::batch::BatchError;
use natbus_proto::jetstream::batch::fast::{FastBatch, FastBatchConfig, FastEvent, Readiness};
use natbus_proto::jetstream::features::Feature;
use natbus_proto::jetstream::publish::PubAck;
use natbus_proto::message::Message;
use natbus_proto::time::deadline;

use super::super::context::{JetStream, random_name};
use super::super::error::JetStreamError;
use crate::subscriber::Subscriber;

/// Where a message stands in a fast-ingest batch, as [`FastPublisher::add`] returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FastAck {
    /// The message's sequence in the batch (from 1).
    pub batch_seq: u64,
    /// The highest batch sequence the server acknowledged so far: with
    /// [`GapMode::Fail`](natbus_proto::jetstream::batch::fast::GapMode::Fail) every
    /// message up to it is stored, so the application may release them.
    pub ack_seq: u64,
}

/// A fast-ingest batch being published: [`add`](Self::add) messages as fast as the
/// server's flow control allows, then [`commit`](Self::commit) (or
/// [`commit_eob`](Self::commit_eob)). The stream needs `allow_batched` (nats-server 2.14+).
/// There is no size limit and no atomicity: with the default gap mode (`Fail`) what is
/// stored has no holes, and a lost or refused message ends the batch with an error.
///
/// ```no_run
/// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
/// use natbus::jetstream::FastBatchConfig;
/// let mut batch = js.fast_batch(FastBatchConfig::default()).await?;
/// for i in 0..10_000 {
///     batch.add("metrics.cpu", None, format!("{i}")).await?;
/// }
/// let ack = batch.commit_eob().await?;
/// assert_eq!(ack.count, 10_000);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct FastPublisher {
    js: JetStream,
    batch: FastBatch,
    sub: Subscriber,
    /// The subject of the last message: pings and an end-of-batch commit go there.
    last_subject: Option<String>,
}

impl JetStream {
    /// Starts a fast-ingest batch; see [`FastPublisher`]. Subscribes to the batch's inbox.
    ///
    /// # Errors
    /// [`JetStreamError::ServerTooOld`] before nats-server 2.14; a failed subscribe.
    pub async fn fast_batch(
        &self,
        config: FastBatchConfig,
    ) -> Result<FastPublisher, JetStreamError> {
        self.require(Feature::FastBatch).await?;
        let inbox = self.client.new_inbox();
        let batch = FastBatch::new(config, &inbox, random_name(&self.client), self.now())?;
        let sub = self.client.subscribe(batch.subscription()).await?;
        Ok(FastPublisher {
            js: self.clone(),
            batch,
            sub,
            last_subject: None,
        })
    }
}

impl FastPublisher {
    /// The batch id.
    pub fn id(&self) -> &str {
        self.batch.id()
    }

    /// The state machine, for its counters ([`FastBatch::acked`], [`FastBatch::flow`]).
    pub fn state(&self) -> &FastBatch {
        &self.batch
    }

    /// Gaps and refused messages reported so far (with `GapMode::Ok` they do not end the
    /// batch), oldest first; at most [`MAX_EVENTS`](natbus_proto::jetstream::batch::fast::MAX_EVENTS)
    /// are kept.
    pub fn take_events(&mut self) -> Vec<FastEvent> {
        std::iter::from_fn(|| self.batch.poll_event()).collect()
    }

    /// Adds a message, first waiting while the server's flow control says to (and, for
    /// the first message, for the server to accept the batch).
    ///
    /// # Errors
    /// [`JetStreamError::Batch`]: the stream refused the batch (`allow_batched` off),
    /// no stream captures the subject, a gap or refused message ended the batch (gap
    /// mode `Fail`), or the server stopped answering; a publish error.
    pub async fn add(
        &mut self,
        subject: impl AsRef<str>,
        headers: Option<&HeaderMap>,
        payload: impl Into<Bytes>,
    ) -> Result<FastAck, JetStreamError> {
        if self.wait().await? == Readiness::Over {
            return Err(self.ended());
        }
        let reply = self.batch.append(self.js.now())?;
        self.publish(subject.as_ref(), &reply, headers, payload.into())
            .await?;
        // The server's first answer says whether the batch is on, and how fast.
        if self.batch.sent() == 1 && self.wait().await? == Readiness::Over {
            return Err(self.ended());
        }
        Ok(FastAck {
            batch_seq: self.batch.sent(),
            ack_seq: self.batch.acked(),
        })
    }

    /// Adds the last message and ends the batch; resolves to its [`PubAck`] (`batch`,
    /// `count`) once the server stored everything.
    ///
    /// # Errors
    /// As [`add`](Self::add).
    pub async fn commit(
        mut self,
        subject: impl AsRef<str>,
        headers: Option<&HeaderMap>,
        payload: impl Into<Bytes>,
    ) -> Result<PubAck, JetStreamError> {
        if !self.batch.is_stopping() {
            let reply = self.batch.commit(true, self.js.now())?;
            self.publish(subject.as_ref(), &reply, headers, payload.into())
                .await?;
        }
        self.outcome().await
    }

    /// Ends the batch without storing another message (an empty end-of-batch message to
    /// the last message's subject); resolves to the [`PubAck`] of the last stored message.
    ///
    /// # Errors
    /// As [`add`](Self::add); [`BatchError::EmptyCommit`] for a batch without messages.
    pub async fn commit_eob(mut self) -> Result<PubAck, JetStreamError> {
        if !self.batch.is_stopping() {
            let reply = self.batch.commit(false, self.js.now())?;
            let subject = self.last_subject.clone().unwrap_or_default();
            self.publish(&subject, &reply, None, Bytes::new()).await?;
        }
        self.outcome().await
    }

    async fn publish(
        &mut self,
        subject: &str,
        reply: &str,
        headers: Option<&HeaderMap>,
        payload: Bytes,
    ) -> Result<(), JetStreamError> {
        self.js
            .client
            .publish_full(subject, Some(reply), headers, payload)
            .await?;
        if self.last_subject.as_deref() != Some(subject) {
            self.last_subject = Some(subject.to_owned());
        }
        Ok(())
    }

    /// Waits for the batch's end and returns it.
    async fn outcome(&mut self) -> Result<PubAck, JetStreamError> {
        while self.wait().await? != Readiness::Over {
            // Only a commit is waited for here, and after it the batch never says Send.
        }
        match self.batch.poll_outcome() {
            Some(outcome) => outcome.map_err(JetStreamError::Batch),
            None => Err(BatchError::Finished.into()),
        }
    }

    /// Feeds the batch its answers (and timeouts, sending pings) while it says to wait.
    /// Returns [`Readiness::Send`] or [`Readiness::Over`].
    async fn wait(&mut self) -> Result<Readiness, JetStreamError> {
        loop {
            while let Some(msg) = self.sub.try_next() {
                self.feed(&msg);
            }
            while let Some(ping) = self.batch.poll_ping() {
                let subject = self.last_subject.clone().unwrap_or_default();
                self.js
                    .client
                    .publish_full(&subject, Some(&ping), None, Bytes::new())
                    .await?;
            }
            let readiness = self.batch.readiness();
            if readiness != Readiness::Wait {
                return Ok(readiness);
            }
            // While waiting there is always a deadline (the state machine's ack timeout).
            let at = self
                .batch
                .poll_timeout()
                .unwrap_or_else(|| deadline(self.js.now(), self.js.timeout));
            let mut sleep = self.js.client.runtime().sleep_until(at);
            let sub = &mut self.sub;
            let next = poll_fn(|cx| {
                if let Poll::Ready(msg) = Pin::new(&mut sub.next()).poll(cx) {
                    return Poll::Ready(Some(msg));
                }
                sleep.as_mut().poll(cx).map(|()| None)
            })
            .await;
            match next {
                Some(Some(msg)) => self.feed(&msg),
                Some(None) => return Err(JetStreamError::Closed),
                None => self.batch.handle_timeout(self.js.now()),
            }
        }
    }

    /// The error that ended the batch (when [`wait`](Self::wait) says it is over).
    fn ended(&mut self) -> JetStreamError {
        match self.batch.poll_outcome() {
            Some(Err(e)) => e.into(),
            _ => BatchError::Finished.into(),
        }
    }

    fn feed(&mut self, msg: &Message) {
        let now = self.js.now();
        if msg.status() == Some(StatusCode::NO_RESPONDERS) {
            self.batch.handle_no_responders(now);
        } else {
            self.batch.handle_reply(&msg.payload, now);
        }
    }
}
