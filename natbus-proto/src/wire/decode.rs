//! Incremental decoders: bytes in (split anywhere), protocol operations out.
//!
//! Both decoders share a `Framer` (see `framer.rs`) that owns the read buffer and finds control lines and
//! bodies; [`ServerDecoder`] and [`ClientDecoder`] only interpret the fields. Bodies are
//! split off the buffer as [`Bytes`](bytes::Bytes) (no copy), and when a whole message is already buffered
//! its control line and body are split off in one go, so the subject, reply and payload of a
//! message are slices of one shared allocation.
//!
//! After any error a decoder is poisoned: the stream is no longer framed, so it keeps
//! returning the error until [`ServerDecoder::reset`] (a new connection).

mod client;
mod fields;
mod framer;
mod server;

pub use client::ClientDecoder;
pub use server::ServerDecoder;

use crate::headers::HeaderError;
use crate::info::DEFAULT_MAX_PAYLOAD;
use crate::subject::SubjectError;

/// Size limits that protect the decoder from a peer that is not speaking NATS.
#[derive(Clone, Copy, Debug)]
pub struct DecodeLimits {
    /// Longest argument part of a control line (the server default is 4096). INFO and
    /// CONNECT lines carry JSON and may instead be as long as `max_payload`.
    pub max_control_line: usize,
    /// Largest body (headers + payload); INFO and CONNECT lines may be as long. A body
    /// announced larger is refused on its control line, before any of it is buffered.
    /// A client should not take this from the server's INFO alone (see
    /// `ConnectionConfig::max_inbound_message`).
    pub max_payload: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_control_line: 4096,
            max_payload: DEFAULT_MAX_PAYLOAD,
        }
    }
}

/// Why the byte stream could not be decoded. The connection must be closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A control line (or its arguments) is longer than the limit.
    #[error(
        "control line longer than {max} bytes: the peer is not speaking NATS, or raise the limit"
    )]
    ControlLineTooLong {
        /// The limit that was exceeded.
        max: usize,
    },
    /// A body larger than `max_payload`, refused on its control line.
    #[error(
        "message of {size} bytes refused: larger than the limit of {max} bytes for one message"
    )]
    PayloadTooLarge {
        /// Announced size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A size or count that is not an unsigned decimal number that fits 64 bits.
    #[error("invalid size {0:?}: expected an unsigned decimal number")]
    InvalidSize(String),
    /// A subscription id that is not an unsigned decimal number.
    #[error("invalid sid {0:?}: natbus uses decimal subscription ids")]
    InvalidSid(String),
    /// An operation with the wrong number of fields.
    #[error("{op} with {got} arguments: malformed control line")]
    WrongArgCount {
        /// The operation.
        op: &'static str,
        /// How many fields it had.
        got: usize,
    },
    /// HMSG/HPUB whose header size is larger than its total size.
    #[error("header size {header} is larger than total size {total}")]
    HeaderSizeExceedsTotal {
        /// Announced header size.
        header: usize,
        /// Announced total size.
        total: usize,
    },
    /// The body is not followed by exactly CR LF: the sizes and the bytes disagree.
    #[error("message body not followed by CR LF: announced size does not match the data")]
    BadTrailer,
    /// An operation name this side of the protocol does not know (lossy, shortened).
    #[error("unknown protocol operation {0:?}")]
    UnknownOp(String),
    /// INFO JSON that does not parse.
    #[error("invalid INFO JSON: {0}")]
    InvalidInfo(String),
    /// CONNECT JSON that does not parse.
    #[error("invalid CONNECT JSON: {0}")]
    InvalidConnect(String),
    /// A header block of an HPUB that does not parse ([`ClientDecoder`] only: a message a
    /// server delivers keeps such a block raw, in `Message::malformed_headers`).
    #[error("invalid message headers")]
    InvalidHeaders(#[source] HeaderError),
    /// A subject (or queue group) field that is empty or not UTF-8 ([`ClientDecoder`] only:
    /// the [`ServerDecoder`] reports such a message as `ServerOp::Undeliverable`).
    #[error("invalid subject in control line")]
    InvalidSubject(#[source] SubjectError),
}

impl DecodeError {
    /// What the error suggests about the port, when it suggests something: a server that
    /// answers a NATS client in HTTP is a WebSocket (or plain HTTP) port.
    pub fn wrong_port_hint(&self) -> Option<&'static str> {
        match self {
            DecodeError::UnknownOp(op) if op.starts_with("HTTP/") => Some(
                "the server answered in HTTP: this is a WebSocket or HTTP port (use ws:// or wss:// for a WebSocket port)",
            ),
            _ => None,
        }
    }
}

/// A lossy, shortened copy of a field for an error message.
fn field_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).into_owned()
}

#[cfg(test)]
mod tests;
