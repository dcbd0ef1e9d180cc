//! The message envelope: a payload with its content type, sender, trace id and correlation
//! id carried in headers, so that every consumer can read them the same way.
//!
//! Sending: build a [`BusMessage`] with [`BusMessage::json`] (sets
//! `content-type: application/json`) or [`BusMessage::bytes`] (any content type), add
//! [`sender`](BusMessage::sender), [`trace_id`](BusMessage::trace_id),
//! [`correlation_id`](BusMessage::correlation_id) or any [`header`](BusMessage::header), then
//! [`publish`](BusMessage::publish) it (or [`Client::publish_bus`]).
//!
//! Receiving: [`BusEnvelope::from(&message)`](BusEnvelope) reads the same fields back, plus
//! [`text`](BusEnvelope::text) and [`json`](BusEnvelope::json) views of the payload.
//! From JetStream, [`ReceivedMessage`] reads the same fields and adds the acknowledgements
//! (`ack`, `nak`, `term`, `in_progress`) and the delivery metadata; it is what
//! [`Bus`](crate::bus::Bus) handlers receive.
//!
//! The header names are in [`trace`]'s constants: `content-type`, `X-Sender`, `X-Trace-Id`,
//! `X-Correlation-Id`, and the W3C `traceparent`; they are written exactly so (as the Python
//! NATBus reads them) and read in any case. The trace id a sender set is the one receivers
//! read; a W3C-shaped one also goes into `traceparent`, so traces connect across services
//! that speak W3C trace context; services built with
//! [`service`](crate::service) copy `traceparent`, `X-Trace-Id` and `X-Correlation-Id` from
//! each request to its reply.
//!
//! ```no_run
//! # async fn demo(client: natbus::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use natbus::envelope::{BusEnvelope, BusMessage};
//!
//! let mut sub = client.subscribe("orders.created").await?;
//! BusMessage::json("orders.created", &serde_json::json!({"id": "123"}))?
//!     .sender("orders-svc")
//!     .correlation_id("order-123")
//!     .trace_id("4bf92f3577b34da6a3ce929d0e0e4736")
//!     .publish(&client)
//!     .await?;
//! if let Some(message) = sub.next().await {
//!     let envelope = BusEnvelope::from(&message);
//!     assert_eq!(envelope.sender(), Some("orders-svc"));
//!     let order: serde_json::Value = envelope.json()?;
//!     # let _ = order;
//! }
//! # Ok(()) }
//! ```

#[cfg(feature = "jetstream")]
mod jetstream;
mod received;
pub mod trace;

use bytes::Bytes;
use natbus_proto::headers::HeaderMap;
use natbus_proto::message::Message;
use natbus_proto::subject::Subject;
use serde::Serialize;

use crate::client::{Client, RequestOptions};
use crate::error::{PublishError, RequestError};
#[cfg(feature = "jetstream")]
pub use jetstream::ReceivedMessage;
pub use received::BusEnvelope;
use trace::{
    CONTENT_TYPE_HEADER, CORRELATION_ID_HEADER, JSON_CONTENT_TYPE, SENDER_HEADER, TRACE_ID_HEADER,
    TRACEPARENT_HEADER,
};

/// Why a [`BusMessage`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BusMessageError {
    /// The value could not be serialized as JSON (for example a map with non-string keys).
    #[error("could not encode the message payload as JSON; check the type's Serialize")]
    Json(#[source] serde_json::Error),
}

/// An outgoing message with envelope headers. Build it, then publish it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusMessage {
    /// Where it goes.
    pub subject: String,
    /// Where a receiver should answer, if anywhere.
    pub reply: Option<String>,
    /// The envelope headers and any others added.
    pub headers: HeaderMap,
    /// The body.
    pub payload: Bytes,
}

impl BusMessage {
    /// A message whose payload is `value` as JSON, with `content-type: application/json`.
    ///
    /// # Errors
    /// [`BusMessageError::Json`] when `value` cannot be serialized.
    pub fn json<T: Serialize + ?Sized>(
        subject: impl Into<String>,
        value: &T,
    ) -> Result<Self, BusMessageError> {
        let payload = serde_json::to_vec(value).map_err(BusMessageError::Json)?;
        Ok(Self::bytes(subject, payload, JSON_CONTENT_TYPE))
    }

    /// A message with a binary payload passed through as is, labelled `content_type`
    /// (e.g. `image/jpeg`; an empty one is not sent).
    pub fn bytes(
        subject: impl Into<String>,
        payload: impl Into<Bytes>,
        content_type: &str,
    ) -> Self {
        let mut headers = HeaderMap::new();
        if !content_type.is_empty() {
            headers.insert(CONTENT_TYPE_HEADER, content_type);
        }
        BusMessage {
            subject: subject.into(),
            reply: None,
            headers,
            payload: payload.into(),
        }
    }

    /// Names the sender (`X-Sender`).
    pub fn sender(self, sender: impl Into<String>) -> Self {
        self.header(SENDER_HEADER, sender)
    }

    /// Sets the trace id (`X-Trace-Id`), and when it is a W3C trace id (32 hex digits, or a
    /// UUID) also a `traceparent` with a new span id, replacing any earlier one.
    pub fn trace_id(self, trace_id: impl Into<String>) -> Self {
        let trace_id = trace_id.into();
        let w3c = trace::w3c_trace_id(&trace_id);
        let mut message = self.header(TRACE_ID_HEADER, trace_id);
        match w3c {
            Some(id) => {
                let traceparent = trace::new_traceparent(&id, crate::random_seed());
                message.headers.insert(TRACEPARENT_HEADER, traceparent);
            }
            None => {
                message.headers.remove(TRACEPARENT_HEADER);
            }
        }
        message
    }

    /// Sets the correlation id (`X-Correlation-Id`).
    pub fn correlation_id(self, correlation_id: impl Into<String>) -> Self {
        self.header(CORRELATION_ID_HEADER, correlation_id)
    }

    /// Sets any header, replacing earlier values of the same name.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Asks receivers to answer on `reply`.
    pub fn reply(mut self, reply: impl Into<String>) -> Self {
        self.reply = Some(reply.into());
        self
    }

    /// Publishes the message on `client`.
    ///
    /// # Errors
    /// As [`Client::publish_full`], including header values a header cannot hold.
    pub async fn publish(self, client: &Client) -> Result<(), PublishError> {
        client.publish_bus(self).await
    }

    /// The message as a received [`Message`] would look, e.g. to test a handler.
    ///
    /// # Errors
    /// [`PublishError`] when the subject or reply subject is invalid.
    pub fn into_message(self) -> Result<Message, PublishError> {
        let subject = Subject::try_from(self.subject)?;
        let reply = self.reply.map(Subject::try_from).transpose()?;
        Ok(Message {
            subject,
            reply,
            headers: Some(self.headers),
            malformed_headers: None,
            payload: self.payload,
        })
    }
}

impl Client {
    /// Publishes a [`BusMessage`] with its envelope headers.
    ///
    /// # Errors
    /// As [`publish_full`](Self::publish_full).
    pub async fn publish_bus(&self, message: BusMessage) -> Result<(), PublishError> {
        self.publish_full(
            &message.subject,
            message.reply.as_deref(),
            Some(&message.headers),
            message.payload,
        )
        .await
    }

    /// Sends a [`BusMessage`] as a request and waits for the reply (its reply subject, if
    /// set, is replaced by the request's inbox).
    ///
    /// # Errors
    /// As [`request_with`](Self::request_with).
    pub async fn request_bus(&self, message: BusMessage) -> Result<Message, RequestError> {
        let options = RequestOptions {
            headers: Some(message.headers),
            timeout: None,
        };
        self.request_with(message.subject, message.payload, options)
            .await
    }
}
