//! The frame header of RFC 6455 §5.2, and masking (§5.3).

use super::FrameError;

/// The longest frame header: 2 bytes, 8 of extended length, 4 of masking key.
pub const MAX_HEADER_LEN: usize = 14;

/// The longest payload of a control frame (close, ping, pong).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// What a frame carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Opcode {
    /// The next fragment of a text or binary message.
    Continuation,
    /// The first (or only) frame of a text message.
    Text,
    /// The first (or only) frame of a binary message.
    Binary,
    /// The closing handshake.
    Close,
    /// A ping, answered by a pong with the same payload.
    Ping,
    /// A pong.
    Pong,
}

impl Opcode {
    fn from_bits(bits: u8) -> Option<Opcode> {
        Some(match bits {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xA => Opcode::Pong,
            _ => return None,
        })
    }

    fn bits(self) -> u8 {
        match self {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xA,
        }
    }

    /// True for close, ping and pong, which may come between the fragments of a message.
    pub fn is_control(self) -> bool {
        matches!(self, Opcode::Close | Opcode::Ping | Opcode::Pong)
    }
}

/// A frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// The last frame of its message.
    pub fin: bool,
    /// What the frame carries.
    pub opcode: Opcode,
    /// The masking key: a client masks every frame, a server none.
    pub mask: Option<[u8; 4]>,
    /// Payload length in bytes.
    pub len: u64,
}

impl FrameHeader {
    /// Parses the header at the start of `input`: `Ok(None)` when `input` holds only part
    /// of it, otherwise the header and its length in bytes.
    ///
    /// # Errors
    /// [`FrameError`] for reserved bits (no extension was negotiated), an unknown opcode, a
    /// length over 2^63 - 1, and a control frame that is fragmented or longer than 125 bytes.
    pub fn parse(input: &[u8]) -> Result<Option<(FrameHeader, usize)>, FrameError> {
        let [b0, b1, ..] = *input else {
            return Ok(None);
        };
        if b0 & 0x70 != 0 {
            return Err(FrameError::ReservedBits);
        }
        let opcode = Opcode::from_bits(b0 & 0x0F).ok_or(FrameError::UnknownOpcode(b0 & 0x0F))?;
        let fin = b0 & 0x80 != 0;
        let masked = b1 & 0x80 != 0;
        let (len, mut at) = match b1 & 0x7F {
            126 => match input.get(2..4) {
                Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
                None => return Ok(None),
            },
            127 => match input.get(2..10) {
                Some(b) => {
                    let mut bytes = [0u8; 8];
                    bytes.copy_from_slice(b);
                    (u64::from_be_bytes(bytes), 10)
                }
                None => return Ok(None),
            },
            short => (u64::from(short), 2),
        };
        if len > i64::MAX as u64 {
            return Err(FrameError::LengthTooLarge);
        }
        if opcode.is_control() && (!fin || len > MAX_CONTROL_PAYLOAD as u64) {
            return Err(FrameError::BadControlFrame);
        }
        let mask = if masked {
            let Some(key) = input.get(at..at + 4) else {
                return Ok(None);
            };
            at += 4;
            Some([key[0], key[1], key[2], key[3]])
        } else {
            None
        };
        let header = FrameHeader {
            fin,
            opcode,
            mask,
            len,
        };
        Ok(Some((header, at)))
    }

    /// Writes the header into `out` and returns how many bytes it took (2 to 14), using
    /// the shortest length encoding.
    pub fn encode(&self, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
        out[0] = if self.fin { 0x80 } else { 0 } | self.opcode.bits();
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut at = if self.len < 126 {
            // Below 126, so it fits the 7 bits.
            out[1] = mask_bit | self.len as u8;
            2
        } else if let Ok(len) = u16::try_from(self.len) {
            out[1] = mask_bit | 126;
            out[2..4].copy_from_slice(&len.to_be_bytes());
            4
        } else {
            out[1] = mask_bit | 127;
            out[2..10].copy_from_slice(&self.len.to_be_bytes());
            10
        };
        if let Some(key) = self.mask {
            out[at..at + 4].copy_from_slice(&key);
            at += 4;
        }
        at
    }
}

/// XORs `data` with `key`, `data` starting at byte `offset` of the frame's payload. Masking
/// twice with the same key and offset restores the bytes.
pub fn apply_mask(data: &mut [u8], key: [u8; 4], offset: u64) {
    // The key, rotated so that data[0] meets the key byte of its payload position.
    let shift = (offset % 4) as u32;
    let rotated = u32::from_be_bytes(key).rotate_left(8 * shift).to_be_bytes();
    let wide = u64::from_ne_bytes([
        rotated[0], rotated[1], rotated[2], rotated[3], rotated[0], rotated[1], rotated[2],
        rotated[3],
    ]);
    let mut chunks = data.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    for (i, byte) in chunks.into_remainder().iter_mut().enumerate() {
        *byte ^= rotated[i % 4];
    }
}
