//! NATS over WebSocket: a sans-IO client codec for RFC 6455.
//!
//! - [`ClientHandshake`]: the HTTP upgrade request, and the check of the server's answer
//!   down to `Sec-WebSocket-Accept`.
//! - [`FrameReader`]: the server's frames, taken apart as bytes arrive; data payloads are
//!   handed out as slices of the input, never buffered.
//! - [`FrameWriter`]: the client's frames, masked.
//! - [`frame`]: the header format and masking underneath.
//!
//! # Why a codec of our own
//!
//! The issue asked for a well-kept WebSocket crate unless a sans-IO codec here is clearly
//! better. tungstenite (with async-tungstenite over `futures-io`) is the obvious crate; it
//! is runtime-agnostic too. This codec is the better fit for four reasons:
//!
//! 1. **NATS is a byte stream.** tungstenite assembles whole messages and hands out one
//!    allocated buffer per message; natbus wants the opposite, the payload bytes streamed
//!    into the NATS decoder as they arrive. Here the reader allocates nothing and holds at
//!    most a header and one control payload (139 bytes), whatever the frame sizes; the
//!    writer fills one reused buffer per frame.
//! 2. **Memory bounds are ours.** nats-server puts everything pending for a client into
//!    one frame, so a frame legitimately holds many messages and can outgrow any
//!    per-message ceiling. A message-assembling library needs a frame/message ceiling
//!    that must be both generous (not to cut healthy traffic) and small (not to allocate
//!    it); streaming needs none, and each NATS message inside stays held to the client's
//!    inbound ceiling by the NATS decoder.
//! 3. **Determinism.** Key and masking randomness come from the connection's seeded
//!    generator (tungstenite draws from `rand`'s thread RNG), so a seeded run writes the
//!    same bytes, and the whole codec is tested byte by byte without sockets or a runtime,
//!    like the rest of this crate.
//! 4. **Size.** The client side without extensions is a few hundred lines; tungstenite
//!    brings `http`, `httparse`, `rand` and `utf-8` for server-side and message-level
//!    features NATS does not use. SHA-1 for the accept check is RustCrypto's `sha1`, of
//!    the same family as the `sha2` already used.
//!
//! permessage-deflate is never negotiated, and a response that enables an extension or a
//! subprotocol is refused.
//!
//! # Using it
//!
//! ```
//! use natbus_proto::websocket::{ClientHandshake, FrameReader, FrameWriter, ReadOutput};
//!
//! let mut handshake = ClientHandshake::new("nats.example", 443, "/nats", true, *b"the sample nonce");
//! assert!(handshake.request().starts_with(b"GET /nats HTTP/1.1\r\nHost: nats.example\r\n"));
//! // Write the request, then feed what the server answers until `Some`.
//! let response = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
//!     Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\
//!     \x82\x05INFO ";
//! let end = handshake.handle_response(response).expect("accepted").expect("complete");
//! // Bytes after the response are frames: a binary frame of 5 bytes.
//! let mut reader = FrameReader::new();
//! let mut rest = &response[end..];
//! let mut nats = Vec::new();
//! while !rest.is_empty() {
//!     let (used, output) = reader.read(rest).expect("valid frames");
//!     if let ReadOutput::Data(bytes) = output {
//!         nats.extend_from_slice(bytes);
//!     }
//!     rest = &rest[used..];
//! }
//! assert_eq!(nats, b"INFO ");
//! // Frames to the server are masked.
//! let mut out = Vec::new();
//! let taken = FrameWriter::new(1).binary(&mut out, &[&b"PING\r\n"[..]], 64 * 1024);
//! assert_eq!((taken, out.len()), (6, 2 + 4 + 6));
//! ```

pub mod frame;
mod handshake;
mod reader;
mod writer;

pub use handshake::{ClientHandshake, MAX_RESPONSE};
pub use reader::{CloseFrame, ControlPayload, FrameReader, ReadOutput};
pub use writer::FrameWriter;

/// Why the server did not open a WebSocket.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// A NATS server answered (its INFO line) instead of an HTTP upgrade.
    #[error(
        "a plain NATS server answered instead of a WebSocket upgrade: this is a NATS port, so use nats:// or tls:// for it, or the server's WebSocket port"
    )]
    NatsPort,
    /// The answer is not HTTP at all.
    #[error("the server did not answer the WebSocket upgrade in HTTP (it sent '{0}')")]
    NotHttp(String),
    /// An HTTP answer other than 101: a wrong path, a refused origin, a proxy error.
    #[error("the server refused the WebSocket upgrade: HTTP {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Refused {
        /// The status code and reason phrase.
        status: String,
        /// The start of the response body, when it came with the headers.
        body: String,
    },
    /// 101 without `Upgrade: websocket` and `Connection: Upgrade`.
    #[error("the server's 101 response lacks 'Upgrade: websocket' or 'Connection: Upgrade'")]
    MissingUpgrade,
    /// `Sec-WebSocket-Accept` missing or wrong: not an answer to this request.
    #[error("the server's Sec-WebSocket-Accept does not match the key sent")]
    BadAccept,
    /// The server enabled an extension or subprotocol that was not asked for.
    #[error("the server enabled something that was not asked for: '{0}'")]
    Unrequested(String),
    /// The response headers exceed [`MAX_RESPONSE`].
    #[error("the server's WebSocket upgrade response is longer than {MAX_RESPONSE} bytes")]
    TooLong,
    /// The connection closed before any answer.
    #[error("the server closed the connection without answering the WebSocket upgrade")]
    ClosedWithoutAnswer,
    /// The connection closed in the middle of the response.
    #[error("the server closed the connection in the middle of the WebSocket upgrade response")]
    Truncated,
}

/// How the server broke RFC 6455 after the upgrade. The connection cannot go on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A reserved bit is set: no extension was negotiated.
    #[error("WebSocket frame with a reserved bit set (no extension was negotiated)")]
    ReservedBits,
    /// An opcode RFC 6455 does not define.
    #[error("WebSocket frame with unknown opcode {0:#x}")]
    UnknownOpcode(u8),
    /// A 64-bit length with its top bit set.
    #[error("WebSocket frame length over 2^63 - 1")]
    LengthTooLarge,
    /// A close, ping or pong frame that is fragmented or longer than 125 bytes.
    #[error("WebSocket control frame fragmented or longer than 125 bytes")]
    BadControlFrame,
    /// A close frame with a one-byte payload.
    #[error("WebSocket close frame with a one-byte payload")]
    BadCloseFrame,
    /// A server frame with a mask: servers must not mask.
    #[error("masked WebSocket frame from the server (servers must not mask)")]
    MaskedServerFrame,
    /// A new message began before the fragmented one ended.
    #[error("WebSocket message began before the previous fragmented one ended")]
    UnfinishedMessage,
    /// A continuation frame with no message to continue.
    #[error("WebSocket continuation frame outside a fragmented message")]
    StrayContinuation,
}

#[cfg(test)]
mod tests;
