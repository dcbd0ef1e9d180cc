//! A message as delivered to a subscription.

use bytes::Bytes;

use crate::headers::{HeaderError, HeaderMap, StatusCode};
use crate::subject::Subject;

/// A message received on a subscription (or a reply to a request).
///
/// The payload is a [`Bytes`] slice of the connection's read buffer: receiving a message
/// does not copy its body.
///
/// Headers are written by whoever published the message, and nats-server forwards them
/// without checking: a block that does not parse does not cost the message (nor the
/// connection). It arrives with `headers` unset and the block as received in
/// `malformed_headers`, for the application to log, inspect or acknowledge as it sees fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The subject the message was published to (not the subscription's pattern).
    pub subject: Subject,
    /// Where a response should be sent, if the publisher asked for one.
    pub reply: Option<Subject>,
    /// Headers, when the message was sent with any (HMSG) and they parse.
    pub headers: Option<HeaderMap>,
    /// The header block as received, when the message came with one that does not parse;
    /// `headers` is `None` then. See [`MalformedHeaders`].
    pub malformed_headers: Option<MalformedHeaders>,
    /// The body.
    pub payload: Bytes,
}

/// A header block that could not be parsed, kept as it was received.
///
/// Any client can publish one (a bare CR or LF inside a value, a line without a colon, an
/// empty name, bytes that are not UTF-8, no `NATS/1.0` line at all), and the server
/// delivers it as it is. The message framing does not depend on the block's contents, so
/// such a message is delivered like any other; only its headers are unavailable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedHeaders {
    /// The block as received, from its first byte to the end of its final empty line.
    pub raw: Bytes,
    /// Why it does not parse.
    pub error: HeaderError,
}

impl Message {
    /// A message with a subject and a payload, no reply subject and no headers.
    pub fn new(subject: Subject, payload: Bytes) -> Message {
        Message {
            subject,
            reply: None,
            headers: None,
            malformed_headers: None,
            payload,
        }
    }

    /// The status code of a status message (e.g. 503 no responders, 100 heartbeat).
    pub fn status(&self) -> Option<StatusCode> {
        self.headers.as_ref().and_then(HeaderMap::status)
    }

    /// The status description that came with the status code, if any.
    pub fn description(&self) -> Option<&str> {
        self.headers.as_ref().and_then(HeaderMap::description)
    }

    /// True when the message came with a header block that does not parse (see
    /// [`malformed_headers`](Self::malformed_headers)).
    pub fn has_malformed_headers(&self) -> bool {
        self.malformed_headers.is_some()
    }

    /// Bytes this message occupies in memory accounting: subject, reply, headers, payload.
    pub fn size(&self) -> usize {
        self.subject.len()
            + self.reply.as_ref().map_or(0, |r| r.len())
            + self.headers.as_ref().map_or(0, HeaderMap::encoded_len)
            + self.malformed_headers.as_ref().map_or(0, |m| m.raw.len())
            + self.payload.len()
    }
}
