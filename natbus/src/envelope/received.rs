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

    /// The `content-type`, e.g. `application/json`.
    pub fn content_type(&self) -> Option<&'a str> {
        self.header(CONTENT_TYPE_HEADER)
    }

    /// The `X-Sender`.
    pub fn sender(&self) -> Option<&'a str> {
        self.header(SENDER_HEADER)
    }

    /// The trace id the sender set: `X-Trace-Id` as written; without it, the trace-id
    /// field of a valid `traceparent`. A `traceparent` naming a different trace than
    /// `X-Trace-Id` does not override it (the mismatch is logged at debug level; read it
    /// with [`traceparent`](Self::traceparent)).
    pub fn trace_id(&self) -> Option<&'a str> {
        let parent = self
            .header(TRACEPARENT_HEADER)
            .and_then(trace::traceparent_trace_id);
        let Some(given) = self.header(TRACE_ID_HEADER) else {
            return parent;
        };
        if let Some(parent) = parent {
            if trace::w3c_trace_id(given).as_deref() != Some(parent) {
                tracing::debug!(subject = %self.message.subject, trace_id = given, traceparent_trace_id = parent,
                    "X-Trace-Id and traceparent name different traces; using X-Trace-Id");
            }
        }
        Some(given)
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
    use natbus_proto::headers::HeaderMap;

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
    fn the_senders_trace_id_wins_over_traceparent() {
        let other = "0af7651916cd43dd8448eb211c80319c";
        let message = BusMessage::bytes("a", &b"\xff\xd8"[..], "image/jpeg")
            .trace_id("order-42")
            .header("traceparent", format!("00-{other}-b7ad6b7169203331-01"))
            .into_message()
            .expect("valid subject");
        let envelope = BusEnvelope::from(&message);
        assert_eq!(envelope.trace_id(), Some("order-42"));
        assert_eq!(envelope.content_type(), Some("image/jpeg"));
        assert!(!envelope.is_json());
        assert!(envelope.text().is_err());

        // A UUID reads back as written, with a traceparent of the same trace.
        let uuid = "4BF92F35-77B3-4DA6-A3CE-929D0E0E4736";
        let message = BusMessage::bytes("a", "x", "text/plain")
            .trace_id(uuid)
            .into_message()
            .expect("valid subject");
        let envelope = BusEnvelope::from(&message);
        assert_eq!(envelope.trace_id(), Some(uuid));
        let parent = envelope.traceparent().and_then(trace::traceparent_trace_id);
        assert_eq!(parent, Some(TID));

        // Only a traceparent: its trace id.
        let message = BusMessage::bytes("a", "x", "text/plain")
            .header("traceparent", format!("00-{other}-b7ad6b7169203331-01"))
            .into_message()
            .expect("valid subject");
        assert_eq!(BusEnvelope::from(&message).trace_id(), Some(other));

        let plain = BusMessage::bytes("a", "x", "text/plain")
            .trace_id("order-42")
            .into_message()
            .expect("valid subject");
        let envelope = BusEnvelope::from(&plain);
        assert_eq!(envelope.trace_id(), Some("order-42"));
        assert_eq!(envelope.traceparent(), None, "not a W3C id: no traceparent");
    }

    #[test]
    fn header_names_are_the_python_natbus_ones_and_read_in_any_case() {
        let message = BusMessage::json("a", &1)
            .expect("JSON")
            .sender("s")
            .correlation_id("c")
            .trace_id("t")
            .into_message()
            .expect("valid subject");
        let headers = message.headers.as_ref().expect("headers");
        let names: Vec<&str> = headers.iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            ["content-type", "X-Sender", "X-Correlation-Id", "X-Trace-Id"]
        );
        let shouted: HeaderMap = [
            ("CONTENT-TYPE", "application/json"),
            ("x-sender", "py"),
            ("x-trace-id", "t-1"),
            ("x-correlation-id", "c-1"),
        ]
        .into_iter()
        .collect();
        let message = Message {
            subject: "a".try_into().expect("valid subject"),
            reply: None,
            headers: Some(shouted),
            malformed_headers: None,
            payload: bytes::Bytes::from_static(b"1"),
        };
        let envelope = BusEnvelope::from(&message);
        assert!(envelope.is_json());
        assert_eq!(
            (
                envelope.sender(),
                envelope.trace_id(),
                envelope.correlation_id()
            ),
            (Some("py"), Some("t-1"), Some("c-1"))
        );
    }

    #[test]
    fn missing_headers_read_as_none() {
        let message = Message {
            subject: "a".try_into().expect("valid subject"),
            reply: None,
            headers: None,
            malformed_headers: None,
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
