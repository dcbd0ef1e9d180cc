//! `JsMessage`: a delivered JetStream message and its blocking acknowledgements.

use std::time::Duration;

use natbus::Message;
use natbus::jetstream::{JetStreamError, MessageMetadata};

use crate::block::block_on;

/// A message delivered by a consumer, with its acknowledgements. `ack`, `nak`, `term` and
/// `in_progress` are publishes: they wait only while the outbound buffer is full, until the
/// connection writes or closes. They are not cut short by a timeout: natbus marks the
/// message acked before its ack is queued, so an ack given up half-way could not be retried.
/// [`double_ack`](Self::double_ack) waits for the server, up to the JetStream timeout.
#[derive(Debug)]
pub struct JsMessage {
    inner: natbus::jetstream::JsMessage,
}

impl JsMessage {
    pub(crate) fn new(inner: natbus::jetstream::JsMessage) -> Self {
        Self { inner }
    }

    /// The message as delivered (its reply subject is the ack subject).
    pub fn message(&self) -> &Message {
        &self.inner.message
    }

    /// What the ack subject says about this delivery (stream and consumer sequences,
    /// delivery count, timestamp, pending).
    ///
    /// # Errors
    /// As [`natbus::jetstream::JsMessage::metadata`].
    pub fn metadata(&self) -> Result<&MessageMetadata, JetStreamError> {
        self.inner.metadata()
    }

    /// The message's subject.
    pub fn subject(&self) -> &str {
        self.inner.subject()
    }

    /// The message's payload.
    pub fn payload(&self) -> &[u8] {
        self.inner.payload()
    }

    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.header(name)
    }

    /// Acknowledges: the message will not be redelivered. Fire and forget.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JsMessage::ack`].
    pub fn ack(&self) -> Result<(), JetStreamError> {
        block_on(self.inner.ack())
    }

    /// Acknowledges and waits for the server's confirmation.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JsMessage::double_ack`].
    pub fn double_ack(&self) -> Result<(), JetStreamError> {
        block_on(self.inner.double_ack())
    }

    /// Negatively acknowledges: redeliver now.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JsMessage::nak`].
    pub fn nak(&self) -> Result<(), JetStreamError> {
        block_on(self.inner.nak())
    }

    /// Negatively acknowledges: redeliver after `delay`.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JsMessage::nak_with_delay`].
    pub fn nak_with_delay(&self, delay: Duration) -> Result<(), JetStreamError> {
        block_on(self.inner.nak_with_delay(delay))
    }

    /// Terminates: never redeliver this message.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JsMessage::term`].
    pub fn term(&self) -> Result<(), JetStreamError> {
        block_on(self.inner.term())
    }

    /// Work in progress: resets the ack-wait timer; may be sent repeatedly.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JsMessage::in_progress`].
    pub fn in_progress(&self) -> Result<(), JetStreamError> {
        block_on(self.inner.in_progress())
    }

    /// The async message underneath.
    pub fn into_async(self) -> natbus::jetstream::JsMessage {
        self.inner
    }
}
