//! `BusEnvelope`: the envelope fields of a received message.

use natbus_proto::message::Message;
use serde::de::DeserializeOwned;

use super::trace::{
    self, CONTENT_TYPE_HEADER, CORRELATION_ID_HEADER, SENDER_HEADER, TRACE_ID_HEADER,
    TRACEPARENT_HEADER,
};

/// A read-only view of a received [`Message`]'s envelope: content type, sender, trace and
/// correlation ids, and the payload as text or JSON. Missing headers read as `None`; header
/// names match case-insensitively.
#[derive(Debug, Clone, Copy)]
pub struct BusEnvelope<'a> {
    message: &'a Message,
}

impl<'a> From<&'a Message> for BusEnvelope<'a> {
    fn from(message: &'a Message) -> Self {
        BusEnvelope { message }
    }
}

impl<'a> BusEnvelope<'a> {
    /// The message this view reads.
    pub fn message(&self) -> &'a Message {
        self.message
    }

    /// Any header's first value.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.message.headers.as_ref()?.get(name)
    }

    /// The `Content-Type`, e.g. `application/json`.
    pub fn content_type(&self) -> Option<&'a str> {
        self.header(CONTENT_TYPE_HEADER)
    }

    /// The `X-Sender`.
    pub fn sender(&self) -> Option<&'a str> {
        self.header(SENDER_HEADER)
    }

    /// The trace id: the trace-id field of a valid `traceparent` when there is one (so
    /// W3C tracing systems and natbus agree), otherwise `X-Trace-Id`.
    pub fn trace_id(&self) -> Option<&'a str> {
        self.header(TRACEPARENT_HEADER)
            .and_then(trace::traceparent_trace_id)
            .or_else(|| self.header(TRACE_ID_HEADER))
    }

    /// The raw `traceparent` header, for handing to a tracing library.
    pub fn traceparent(&self) -> Option<&'a str> {
        self.header(TRACEPARENT_HEADER)
    }

    /// The `X-Correlation-Id`.
    pub fn correlation_id(&self) -> Option<&'a str> {
        self.header(CORRELATION_ID_HEADER)
    }

    /// The payload as UTF-8 text.
    ///
    /// # Errors
    /// When the payload is not valid UTF-8 (e.g. a binary payload).
    pub fn text(&self) -> Result<&'a str, std::str::Utf8Error> {
        std::str::from_utf8(&self.message.payload)
    }

    /// The payload parsed as JSON into `T`. The content type is not checked, so messages
    /// from publishers that do not set it still parse.
    ///
    /// # Errors
    /// When the payload is not JSON of `T`'s shape.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.message.payload)
    }

    /// True when the content type says JSON (`application/json`, with or without
    /// parameters such as `; charset=utf-8`).
    pub fn is_json(&self) -> bool {
        self.content_type().is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(trace::JSON_CONTENT_TYPE))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::BusMessage;
    use super::*;

    const TID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    #[test]
    fn reads_back_what_the_builder_wrote() {
        let message = BusMessage::json("orders.created", &serde_json::json!({"id": "123"}))
            .expect("JSON encodes")
            .sender("orders-svc")
            .correlation_id("order-123")
            .trace_id(TID)
            .into_message()
            .expect("valid subject");
        let envelope = BusEnvelope::from(&message);
        assert_eq!(envelope.content_type(), Some("application/json"));
        assert!(envelope.is_json());
        assert_eq!(envelope.sender(), Some("orders-svc"));
        assert_eq!(envelope.correlation_id(), Some("order-123"));
        assert_eq!(envelope.trace_id(), Some(TID));
        let tp = envelope
            .traceparent()
            .expect("a W3C trace id emits traceparent");
        assert_eq!(trace::traceparent_trace_id(tp), Some(TID));
        assert_eq!(envelope.text(), Ok(r#"{"id":"123"}"#));
        let value: serde_json::Value = envelope.json().expect("JSON payload");
        assert_eq!(value["id"], "123");
    }

    #[test]
    fn traceparent_wins_and_plain_ids_pass_through() {
        let other = "0af7651916cd43dd8448eb211c80319c";
        let message = BusMessage::bytes("a", &b"\xff\xd8"[..], "image/jpeg")
            .trace_id("order-42")
            .header("traceparent", format!("00-{other}-b7ad6b7169203331-01"))
            .into_message()
            .expect("valid subject");
        let envelope = BusEnvelope::from(&message);
        assert_eq!(envelope.trace_id(), Some(other));
        assert_eq!(envelope.content_type(), Some("image/jpeg"));
        assert!(!envelope.is_json());
        assert!(envelope.text().is_err());

        let plain = BusMessage::bytes("a", "x", "text/plain")
            .trace_id("order-42")
            .into_message()
            .expect("valid subject");
        let envelope = BusEnvelope::from(&plain);
        assert_eq!(envelope.trace_id(), Some("order-42"));
        assert_eq!(envelope.traceparent(), None, "not a W3C id: no traceparent");
    }

    #[test]
    fn missing_headers_read_as_none() {
        let message = Message {
            subject: "a".try_into().expect("valid subject"),
            reply: None,
            headers: None,
            payload: bytes::Bytes::from_static(b"hi"),
        };
        let envelope = BusEnvelope::from(&message);
        assert_eq!(
            (
                envelope.content_type(),
                envelope.sender(),
                envelope.trace_id()
            ),
            (None, None, None)
        );
        assert_eq!(envelope.text(), Ok("hi"));
    }
}
