//! [`FrameReader`]: the frames a server sends, taken apart as they arrive.

use super::FrameError;
use super::frame::{FrameHeader, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN, Opcode};

/// What [`FrameReader::read`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadOutput<'a> {
    /// Nothing complete yet: the bytes consumed were (part of) a header or of a control
    /// frame's payload, kept by the reader. Feed more.
    Pending,
    /// Payload bytes of a binary or text message, a slice of the input. NATS is a byte
    /// stream, so they go straight to its decoder whatever the message boundaries.
    Data(&'a [u8]),
    /// A ping: answer with a pong carrying the same payload.
    Ping(ControlPayload),
    /// A pong (natbus sends no pings; a pong is ignored).
    Pong(ControlPayload),
    /// The server began the closing handshake: answer with a close frame, then the stream
    /// is over. The reader reads nothing more.
    Close(CloseFrame),
}

/// The payload of a control frame, at most 125 bytes, held without allocating.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ControlPayload {
    bytes: [u8; MAX_CONTROL_PAYLOAD],
    len: u8,
}

impl ControlPayload {
    /// The payload bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::fmt::Debug for ControlPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ControlPayload({:?})",
            self.as_bytes().escape_ascii().to_string()
        )
    }
}

/// A close frame: status code and reason, both optional.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseFrame {
    /// The status code (1000 normal, 1001 going away, ...), when the frame has one.
    pub code: Option<u16>,
    payload: ControlPayload,
}

impl CloseFrame {
    /// The reason text, lossily decoded (it is only ever shown to a person).
    pub fn reason(&self) -> String {
        let bytes = self.payload.as_bytes();
        String::from_utf8_lossy(bytes.get(2..).unwrap_or_default()).into_owned()
    }
}

impl std::fmt::Display for CloseFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Some(code) => write!(f, "status {code}")?,
            None => write!(f, "no status")?,
        }
        let reason = self.reason();
        if !reason.is_empty() {
            write!(f, ", \"{}\"", reason.escape_debug())?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Collecting a header; `have` bytes of it are in `header`.
    Header { have: u8 },
    /// Inside a data frame's payload.
    Data { left: u64 },
    /// Collecting a control frame's payload.
    Control { opcode: Opcode, len: u8, have: u8 },
    /// A close frame was read, or an error: nothing more is accepted.
    Done,
}

/// Takes apart the frames a server sends, incrementally: bytes split anywhere, no
/// allocation, memory fixed at a header and one control payload.
///
/// Data frames are never buffered: their payload is handed out as slices of the input as
/// soon as it arrives. So a frame's length costs no memory, and none is imposed beyond the
/// protocol's own 2^63 - 1: nats-server puts everything pending for a client into one frame,
/// which under load holds many messages, so a frame ceiling would cut healthy traffic. Each
/// NATS message inside is held to the client's inbound ceiling by the NATS decoder.
///
/// After an error, or a close frame, the reader is poisoned and repeats that error.
#[derive(Clone, Debug)]
pub struct FrameReader {
    state: State,
    header: [u8; MAX_HEADER_LEN],
    control: [u8; MAX_CONTROL_PAYLOAD],
    /// A fragmented message is open: continuation frames are expected.
    in_message: bool,
    poisoned: Option<FrameError>,
}

impl Default for FrameReader {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameReader {
    /// A reader at the start of a stream.
    pub fn new() -> Self {
        FrameReader {
            state: State::Header { have: 0 },
            header: [0; MAX_HEADER_LEN],
            control: [0; MAX_CONTROL_PAYLOAD],
            in_message: false,
            poisoned: None,
        }
    }

    /// Consumes bytes from the start of `input` and returns how many, with what they
    /// completed. Call again with the rest of the input until it is all consumed; a call
    /// with non-empty input always consumes at least one byte, unless the stream is over.
    ///
    /// To take at most `n` payload bytes (the room left in a read buffer), pass at most
    /// `n` bytes of input.
    ///
    /// # Errors
    /// [`FrameError`] when the server breaks RFC 6455; the stream cannot go on.
    pub fn read<'a>(&mut self, input: &'a [u8]) -> Result<(usize, ReadOutput<'a>), FrameError> {
        if let Some(err) = &self.poisoned {
            return Err(err.clone());
        }
        let result = self.step(input);
        if let Err(err) = &result {
            self.poisoned = Some(err.clone());
            self.state = State::Done;
        }
        result
    }

    /// True once the server's close frame was read: the stream is over.
    pub fn is_closed(&self) -> bool {
        self.state == State::Done && self.poisoned.is_none()
    }

    fn step<'a>(&mut self, input: &'a [u8]) -> Result<(usize, ReadOutput<'a>), FrameError> {
        match self.state {
            State::Header { have } => self.read_header(input, usize::from(have)),
            State::Data { left } => {
                let n = usize::try_from(left).map_or(input.len(), |left| left.min(input.len()));
                let left = left - n as u64;
                if left == 0 {
                    self.state = State::Header { have: 0 };
                } else {
                    self.state = State::Data { left };
                }
                Ok((n, ReadOutput::Data(&input[..n])))
            }
            State::Control { opcode, len, have } => {
                let (len, have) = (usize::from(len), usize::from(have));
                let n = (len - have).min(input.len());
                self.control[have..have + n].copy_from_slice(&input[..n]);
                if have + n < len {
                    // Under 126, so it fits.
                    self.state = State::Control {
                        opcode,
                        len: len as u8,
                        have: (have + n) as u8,
                    };
                    return Ok((n, ReadOutput::Pending));
                }
                Ok((n, self.control_done(opcode, len)?))
            }
            State::Done => Ok((0, ReadOutput::Pending)),
        }
    }

    fn read_header<'a>(
        &mut self,
        input: &'a [u8],
        have: usize,
    ) -> Result<(usize, ReadOutput<'a>), FrameError> {
        // Parse from the input directly when no earlier bytes are held (the usual case);
        // otherwise add to the held bytes, one header's worth at most.
        let (parsed, taken) = if have == 0 {
            match FrameHeader::parse(input)? {
                Some((header, len)) => (header, len),
                None => {
                    self.header[..input.len()].copy_from_slice(input);
                    // Shorter than a header, so it fits.
                    self.state = State::Header {
                        have: input.len() as u8,
                    };
                    return Ok((input.len(), ReadOutput::Pending));
                }
            }
        } else {
            let n = (MAX_HEADER_LEN - have).min(input.len());
            self.header[have..have + n].copy_from_slice(&input[..n]);
            match FrameHeader::parse(&self.header[..have + n])? {
                Some((header, len)) => (header, len - have),
                None => {
                    self.state = State::Header {
                        have: (have + n) as u8,
                    };
                    return Ok((n, ReadOutput::Pending));
                }
            }
        };
        self.start_frame(parsed)?;
        // An empty control frame is complete with its header.
        if let State::Control { opcode, len: 0, .. } = self.state {
            return Ok((taken, self.control_done(opcode, 0)?));
        }
        Ok((taken, ReadOutput::Pending))
    }

    fn start_frame(&mut self, header: FrameHeader) -> Result<(), FrameError> {
        if header.mask.is_some() {
            return Err(FrameError::MaskedServerFrame);
        }
        match header.opcode {
            Opcode::Text | Opcode::Binary if self.in_message => {
                return Err(FrameError::UnfinishedMessage);
            }
            Opcode::Continuation if !self.in_message => {
                return Err(FrameError::StrayContinuation);
            }
            Opcode::Text | Opcode::Binary | Opcode::Continuation => {
                self.in_message = !header.fin;
                self.state = if header.len == 0 {
                    State::Header { have: 0 }
                } else {
                    State::Data { left: header.len }
                };
            }
            control => {
                // Parsing checked that a control payload is at most 125 bytes.
                let len = header.len as u8;
                self.state = State::Control {
                    opcode: control,
                    len,
                    have: 0,
                };
            }
        }
        Ok(())
    }

    fn control_done(
        &mut self,
        opcode: Opcode,
        len: usize,
    ) -> Result<ReadOutput<'static>, FrameError> {
        let mut payload = ControlPayload {
            bytes: [0; MAX_CONTROL_PAYLOAD],
            len: len as u8,
        };
        payload.bytes[..len].copy_from_slice(&self.control[..len]);
        self.state = State::Header { have: 0 };
        Ok(match opcode {
            Opcode::Ping => ReadOutput::Ping(payload),
            Opcode::Pong => ReadOutput::Pong(payload),
            _ => {
                if len == 1 {
                    return Err(FrameError::BadCloseFrame);
                }
                let code =
                    (len >= 2).then(|| u16::from_be_bytes([payload.bytes[0], payload.bytes[1]]));
                self.state = State::Done;
                ReadOutput::Close(CloseFrame { code, payload })
            }
        })
    }
}
