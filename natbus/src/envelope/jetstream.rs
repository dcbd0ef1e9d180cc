//! `ReceivedMessage`: a JetStream delivery read through the envelope, with its acks.
//!
//! It is what [`Bus`](crate::bus::Bus) handlers receive, and can wrap any [`JsMessage`]
//! from the JetStream API too. It is cheap to clone (one shared delivery), so the bus can
//! hand one clone to the handler and keep another to acknowledge automatically once the
//! handler returns; it remembers whether the handler already settled the message, so a
//! message is never acknowledged twice.

use std::str::Utf8Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::metadata::MessageMetadata;
use natbus_proto::message::Message;
use serde::de::DeserializeOwned;

use super::BusEnvelope;
use crate::jetstream::{JetStreamError, JsMessage};

/// A message delivered by a JetStream consumer: the envelope fields (content type, sender,
/// trace and correlation ids), the payload as bytes, text or JSON, the delivery metadata,
/// and the acknowledgements `ack`, `nak`, `nak_with_delay`, `term` and `in_progress`.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    delivery: JsMessage,
    /// Set by the first `ack`, `nak` or `term` sent through this message.
    settled: AtomicBool,
}

impl From<JsMessage> for ReceivedMessage {
    fn from(delivery: JsMessage) -> Self {
        ReceivedMessage::new(delivery)
    }
}

impl ReceivedMessage {
    /// Wraps a delivery from a JetStream consumer.
    pub fn new(delivery: JsMessage) -> Self {
        ReceivedMessage {
            inner: Arc::new(Inner {
                delivery,
                settled: AtomicBool::new(false),
            }),
        }
    }

    /// The envelope view of the message.
    pub fn envelope(&self) -> BusEnvelope<'_> {
        BusEnvelope::from(&self.inner.delivery.message)
    }

    /// The subject the message was published to.
    pub fn subject(&self) -> &str {
        self.inner.delivery.subject()
    }

    /// The `content-type`, e.g. `application/json` or `image/jpeg`.
    pub fn content_type(&self) -> Option<&str> {
        self.envelope().content_type()
    }

    /// The `X-Sender`.
    pub fn sender(&self) -> Option<&str> {
        self.envelope().sender()
    }

    /// The trace id the sender set (`X-Trace-Id`; from `traceparent` only when that is
    /// missing).
    pub fn trace_id(&self) -> Option<&str> {
        self.envelope().trace_id()
    }

    /// The raw W3C `traceparent`, for a tracing library.
    pub fn traceparent(&self) -> Option<&str> {
        self.envelope().traceparent()
    }

    /// The `X-Correlation-Id`.
    pub fn correlation_id(&self) -> Option<&str> {
        self.envelope().correlation_id()
    }

    /// Any header's first value (names match case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.envelope().header(name)
    }

    /// All headers, as published (plus the `Nats-*` headers the server may add).
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.inner.delivery.message.headers.as_ref()
    }

    /// The payload as published.
    pub fn payload(&self) -> &Bytes {
        &self.inner.delivery.message.payload
    }

    /// The payload as UTF-8 text.
    ///
    /// # Errors
    /// When the payload is not valid UTF-8 (a binary payload).
    pub fn text(&self) -> Result<&str, Utf8Error> {
        self.envelope().text()
    }

    /// The same as [`text`](Self::text), under the name the Python NATBus used.
    ///
    /// # Errors
    /// When the payload is not valid UTF-8.
    pub fn as_text(&self) -> Result<&str, Utf8Error> {
        self.text()
    }

    /// The payload parsed as JSON into `T` (the content type is not checked).
    ///
    /// # Errors
    /// When the payload is not JSON of `T`'s shape.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        self.envelope().json()
    }

    /// True when the content type says JSON.
    pub fn is_json(&self) -> bool {
        self.envelope().is_json()
    }

    /// Stream, consumer, sequences, delivery count, timestamp and pending count, parsed
    /// from the ack subject on first use (see [`JsMessage::metadata`]).
    ///
    /// # Errors
    /// [`JetStreamError::Metadata`] when the ack subject is malformed.
    pub fn metadata(&self) -> Result<&MessageMetadata, JetStreamError> {
        self.inner.delivery.metadata()
    }

    /// The core message (subject, ack subject as reply, headers, payload).
    pub fn message(&self) -> &Message {
        &self.inner.delivery.message
    }

    /// The underlying JetStream delivery.
    pub fn js_message(&self) -> &JsMessage {
        &self.inner.delivery
    }

    /// True once `ack`, `double_ack`, `nak`, `nak_with_delay`, `term` or
    /// `term_with_reason` was called on this message (or a clone of it).
    pub fn is_acknowledged(&self) -> bool {
        self.inner.settled.load(Ordering::Acquire)
    }

    fn settle(&self) {
        self.inner.settled.store(true, Ordering::Release);
    }

    /// Acknowledges: the message is done and will not be redelivered.
    ///
    /// # Errors
    /// The connection is closed.
    pub async fn ack(&self) -> Result<(), JetStreamError> {
        self.settle();
        self.inner.delivery.ack().await
    }

    /// Acknowledges and waits for the server to confirm it (up to the ack timeout).
    ///
    /// # Errors
    /// [`JetStreamError::TimedOut`] when no confirmation came.
    pub async fn double_ack(&self) -> Result<(), JetStreamError> {
        self.settle();
        self.inner.delivery.double_ack().await
    }

    /// Negatively acknowledges: redeliver now.
    ///
    /// # Errors
    /// The connection is closed.
    pub async fn nak(&self) -> Result<(), JetStreamError> {
        self.settle();
        self.inner.delivery.nak().await
    }

    /// Negatively acknowledges: redeliver after `delay`.
    ///
    /// # Errors
    /// The connection is closed.
    pub async fn nak_with_delay(&self, delay: Duration) -> Result<(), JetStreamError> {
        self.settle();
        self.inner.delivery.nak_with_delay(delay).await
    }

    /// Terminates: never redeliver this message.
    ///
    /// # Errors
    /// The connection is closed.
    pub async fn term(&self) -> Result<(), JetStreamError> {
        self.settle();
        self.inner.delivery.term().await
    }

    /// Terminates with a reason the server puts into its advisory.
    ///
    /// # Errors
    /// The connection is closed.
    pub async fn term_with_reason(&self, reason: &str) -> Result<(), JetStreamError> {
        self.settle();
        self.inner.delivery.term_with_reason(reason).await
    }

    /// Still working on it: resets the server's ack-wait timer (may be sent repeatedly;
    /// does not settle the message).
    ///
    /// # Errors
    /// The connection is closed.
    pub async fn in_progress(&self) -> Result<(), JetStreamError> {
        self.inner.delivery.in_progress().await
    }
}

impl JsMessage {
    /// The envelope fields of this delivery (content type, sender, trace and correlation
    /// ids, text and JSON views).
    pub fn envelope(&self) -> BusEnvelope<'_> {
        BusEnvelope::from(&self.message)
    }
}
