//! The NATS wire format: protocol operations, an incremental decoder and an encoder.

pub mod decode;
pub mod encode;
pub mod ops;

pub use decode::{ClientDecoder, DecodeError, DecodeLimits, ServerDecoder};
pub use ops::{ClientOp, ServerOp};
