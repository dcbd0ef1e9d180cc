//! The NATS wire format: protocol operations, an incremental decoder and an encoder.
//!
//! [`ops`] holds the operations as values, [`decode`] turns bytes read from a socket into
//! them (accepting input split anywhere), and [`encode`] writes them. The encoder does not
//! validate: the connection layer validates subjects and headers once, where it can report
//! the error to the caller.

pub mod decode;
pub mod encode;
pub(crate) mod itoa;
pub mod ops;

pub use decode::{ClientDecoder, DecodeError, DecodeLimits, ServerDecoder};
pub use ops::{ClientOp, ServerOp};

#[cfg(test)]
mod proptests;
