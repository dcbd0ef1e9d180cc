//! [`FrameWriter`]: the frames a client sends, masked.

use std::ops::Deref;

use super::frame::{FrameHeader, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN, Opcode, apply_mask};
use crate::prng::Prng;

/// Writes client frames: every frame masked with a fresh key (RFC 6455 §5.3).
///
/// The keys come from the seeded [`Prng`], so a seeded run writes the same bytes every
/// time. That generator is not cryptographically secure, and need not be here: masking
/// exists so that a script in a browser cannot choose the bytes an intermediary sees
/// (§10.3); natbus is not a script in a browser (a browser masks its own frames), and over
/// `wss://` no intermediary sees the frames at all.
#[derive(Clone, Debug)]
pub struct FrameWriter {
    rng: Prng,
}

impl FrameWriter {
    /// A writer whose masking keys are determined by `seed`.
    pub fn new(seed: u64) -> Self {
        FrameWriter {
            rng: Prng::new(seed),
        }
    }

    /// Appends to `out` one final binary frame holding the first `max` bytes (or fewer,
    /// when they hold fewer) of the concatenation of `chunks`, and returns how many payload
    /// bytes it took. `out` grows by at most `max` plus a header.
    ///
    /// The payload is copied, since masking changes every byte.
    pub fn binary<S: Deref<Target = [u8]>>(
        &mut self,
        out: &mut Vec<u8>,
        chunks: &[S],
        max: usize,
    ) -> usize {
        let total = chunks
            .iter()
            .map(|c| c.len())
            .fold(0usize, usize::saturating_add)
            .min(max);
        let key = self.begin(out, Opcode::Binary, total);
        let start = out.len();
        let mut left = total;
        for chunk in chunks {
            if left == 0 {
                break;
            }
            let n = chunk.len().min(left);
            out.extend_from_slice(&chunk[..n]);
            left -= n;
        }
        apply_mask(&mut out[start..], key, 0);
        total
    }

    /// Appends a pong answering a ping with `payload` (at most 125 bytes; longer is cut).
    pub fn pong(&mut self, out: &mut Vec<u8>, payload: &[u8]) {
        self.control(out, Opcode::Pong, payload);
    }

    /// Appends a close frame with `code` and a `reason` (cut to fit 125 bytes).
    pub fn close(&mut self, out: &mut Vec<u8>, code: u16, reason: &str) {
        let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
        payload[..2].copy_from_slice(&code.to_be_bytes());
        let reason = reason.as_bytes();
        let n = reason.len().min(MAX_CONTROL_PAYLOAD - 2);
        payload[2..2 + n].copy_from_slice(&reason[..n]);
        self.control(out, Opcode::Close, &payload[..2 + n]);
    }

    fn control(&mut self, out: &mut Vec<u8>, opcode: Opcode, payload: &[u8]) {
        let payload = &payload[..payload.len().min(MAX_CONTROL_PAYLOAD)];
        let key = self.begin(out, opcode, payload.len());
        let start = out.len();
        out.extend_from_slice(payload);
        apply_mask(&mut out[start..], key, 0);
    }

    /// Appends the header of a final frame of `len` bytes and returns its masking key.
    fn begin(&mut self, out: &mut Vec<u8>, opcode: Opcode, len: usize) -> [u8; 4] {
        // The low half of one draw: four bytes of key.
        let key = (self.rng.next_u64() as u32).to_be_bytes();
        let header = FrameHeader {
            fin: true,
            opcode,
            mask: Some(key),
            len: len as u64,
        };
        let mut bytes = [0u8; MAX_HEADER_LEN];
        let n = header.encode(&mut bytes);
        out.reserve(n + len);
        out.extend_from_slice(&bytes[..n]);
        key
    }
}
