//! One stored message as `stream get` and `stream view` print it: text, or a JSON object
//! `{"stream", "seq", "subject", "time", "headers", "data"}`.

use std::time::SystemTime;

use natbus_tokio::HeaderMap;
use natbus_tokio::proto::time::format_rfc3339;
use serde_json::{Map, Value, json};

use crate::message;

/// A message stored in a stream, however it was read.
pub struct Item<'a> {
    /// The stream's name.
    pub stream: &'a str,
    /// Its stream sequence.
    pub seq: u64,
    /// The subject it was published to.
    pub subject: &'a str,
    /// When the stream stored it.
    pub time: SystemTime,
    /// Its headers (without the ones a read adds).
    pub headers: Option<&'a HeaderMap>,
    /// Its payload.
    pub payload: &'a [u8],
}

impl Item<'_> {
    /// `Item: ORDERS#4 received <time> on Subject orders.new`, headers, payload.
    pub fn text(&self) -> Vec<u8> {
        let mut out = format!(
            "Item: {}#{} received {} on Subject {}\n\n",
            self.stream,
            self.seq,
            format_rfc3339(self.time),
            self.subject
        )
        .into_bytes();
        if let Some(h) = self.headers.filter(|h| !h.is_empty()) {
            out.extend_from_slice(b"Headers:\n");
            for line in message::render_headers(h).lines() {
                out.extend_from_slice(format!("  {line}\n").as_bytes());
            }
            out.push(b'\n');
        }
        out.extend_from_slice(self.payload);
        out.push(b'\n');
        out
    }

    /// The JSON object of the message.
    pub fn json(&self) -> Value {
        let mut object = Map::new();
        object.insert("stream".into(), json!(self.stream));
        object.insert("seq".into(), json!(self.seq));
        object.insert("subject".into(), json!(self.subject));
        object.insert("time".into(), json!(format_rfc3339(self.time)));
        if let Some(h) = self.headers {
            object.insert("headers".into(), message::headers_json(h));
        }
        message::insert_payload(&mut object, "data", self.payload);
        Value::Object(object)
    }
}
