//! A message as delivered to a subscription.

use bytes::Bytes;

use crate::headers::{HeaderMap, StatusCode};
use crate::subject::Subject;

/// A message received on a subscription (or a reply to a request).
///
/// The payload is a [`Bytes`] slice of the connection's read buffer: receiving a message
/// does not copy its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The subject the message was published to (not the subscription's pattern).
    pub subject: Subject,
    /// Where a response should be sent, if the publisher asked for one.
    pub reply: Option<Subject>,
    /// Headers, when the message was sent with any (HMSG).
    pub headers: Option<HeaderMap>,
    /// The body.
    pub payload: Bytes,
}

impl Message {
    /// The status code of a status message (e.g. 503 no responders, 100 heartbeat).
    pub fn status(&self) -> Option<StatusCode> {
        self.headers.as_ref().and_then(HeaderMap::status)
    }

    /// The status description that came with the status code, if any.
    pub fn description(&self) -> Option<&str> {
        self.headers.as_ref().and_then(HeaderMap::description)
    }

    /// Bytes this message occupies in memory accounting: subject, reply, headers, payload.
    pub fn size(&self) -> usize {
        self.subject.len()
            + self.reply.as_ref().map_or(0, |r| r.len())
            + self.headers.as_ref().map_or(0, HeaderMap::encoded_len)
            + self.payload.len()
    }
}
