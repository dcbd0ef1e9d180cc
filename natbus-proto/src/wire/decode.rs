//! Incremental decoders: bytes in (split anywhere), protocol operations out.
//!
//! Both decoders share a [`Framer`] that owns the read buffer and finds control lines and
//! bodies; [`ServerDecoder`] and [`ClientDecoder`] only interpret the fields. Bodies are
//! split off the buffer as [`Bytes`] (no copy), and when a whole message is already buffered
//! its control line and body are split off in one go, so the subject, reply and payload of a
//! message are slices of one shared allocation.
//!
//! After any error a decoder is poisoned: the stream is no longer framed, so it keeps
//! returning the error until [`ServerDecoder::reset`] (a new connection).

mod client;
mod server;

use bytes::{Buf, Bytes, BytesMut};

pub use client::ClientDecoder;
pub use server::ServerDecoder;

use super::itoa::{parse_u64, parse_usize};
use crate::headers::{HeaderError, HeaderMap};
use crate::info::DEFAULT_MAX_PAYLOAD;
use crate::subject::{Subject, SubjectError};

/// Bytes a line may run past `max_control_line` before the arguments are even measured:
/// room for the longest op name and its separator. Lets an incomplete line be refused early.
const OP_SLACK: usize = 16;

/// Most bytes reserved ahead for a body that is still arriving.
const MAX_RESERVE: usize = 8 * 1024 * 1024;

/// Most fields any operation has (HMSG: subject, sid, reply, header size, total size).
const MAX_FIELDS: usize = 5;

/// Size limits that protect the decoder from a peer that is not speaking NATS.
#[derive(Clone, Copy, Debug)]
pub struct DecodeLimits {
    /// Longest argument part of a control line (the server default is 4096). INFO and
    /// CONNECT lines carry JSON and may instead be as long as `max_payload`.
    pub max_control_line: usize,
    /// Largest body (headers + payload); update it from INFO with `set_max_payload`.
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
    /// A body larger than `max_payload`.
    #[error("message body of {size} bytes exceeds max_payload ({max} bytes)")]
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
    /// A header block that does not parse.
    #[error("invalid message headers")]
    InvalidHeaders(#[source] HeaderError),
    /// A subject (or queue group) field that is empty or not UTF-8.
    #[error("invalid subject in control line")]
    InvalidSubject(#[source] SubjectError),
}

/// A lossy, shortened copy of a field for an error message.
fn field_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).into_owned()
}

/// Where a complete control line sits in the buffer.
#[derive(Clone, Copy)]
struct LineEnd {
    /// End of the line's content (before CR LF or LF).
    content_end: usize,
    /// First byte after the LF.
    next: usize,
}

/// The fields of a control line, as ranges into the line.
struct Fields {
    ranges: [(usize, usize); MAX_FIELDS],
    len: usize,
}

impl Fields {
    /// Splits `line[start..]` on runs of spaces and tabs; `len` counts every field even past
    /// [`MAX_FIELDS`], so a wrong count is reported as such.
    fn split(line: &[u8], start: usize) -> Fields {
        let mut fields = Fields {
            ranges: [(0, 0); MAX_FIELDS],
            len: 0,
        };
        let mut i = start;
        while i < line.len() {
            while i < line.len() && is_blank(line[i]) {
                i += 1;
            }
            if i == line.len() {
                break;
            }
            let begin = i;
            while i < line.len() && !is_blank(line[i]) {
                i += 1;
            }
            if fields.len < MAX_FIELDS {
                fields.ranges[fields.len] = (begin, i);
            }
            fields.len += 1;
        }
        fields
    }

    fn get<'a>(&self, line: &'a [u8], i: usize) -> &'a [u8] {
        let (a, b) = self.ranges[i];
        &line[a..b]
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Splits a control line into its op name and the index where the arguments start.
fn split_op(line: &[u8]) -> (&[u8], usize) {
    let end = line.iter().position(|&b| is_blank(b)).unwrap_or(line.len());
    (&line[..end], end)
}

/// The argument text after the op, without surrounding blanks.
fn trimmed_args(line: &[u8], start: usize) -> &[u8] {
    let args = &line[start..];
    let from = args
        .iter()
        .position(|&b| !is_blank(b))
        .unwrap_or(args.len());
    let to = args
        .iter()
        .rposition(|&b| !is_blank(b))
        .map_or(from, |i| i + 1);
    &args[from..to]
}

fn size_field(bytes: &[u8]) -> Result<usize, DecodeError> {
    parse_usize(bytes).ok_or_else(|| DecodeError::InvalidSize(field_text(bytes)))
}

fn sid_field(bytes: &[u8]) -> Result<u64, DecodeError> {
    parse_u64(bytes).ok_or_else(|| DecodeError::InvalidSid(field_text(bytes)))
}

/// True for an INFO or CONNECT line, which carries JSON and has a longer limit.
fn is_json_line(prefix: &[u8]) -> bool {
    let starts =
        |op: &[u8]| prefix.len() >= op.len() && prefix[..op.len()].eq_ignore_ascii_case(op);
    starts(b"INFO") || starts(b"CONNECT")
}

/// A message whose control line was read but whose body is still arriving.
struct Pending {
    sid: u64,
    subject: Subject,
    reply: Option<Subject>,
    header_len: Option<usize>,
    total: usize,
}

/// The sizes and field ranges of a MSG/HMSG/PUB/HPUB control line.
struct BodyLine {
    subject: (usize, usize),
    reply: Option<(usize, usize)>,
    sid: u64,
    header_len: Option<usize>,
    total: usize,
}

/// The read buffer, control-line framing and poison state shared by both decoders.
struct Framer {
    buf: BytesMut,
    /// How far the current incomplete line was already searched for LF.
    scanned: usize,
    limits: DecodeLimits,
    poisoned: Option<DecodeError>,
    pending: Option<Pending>,
}

impl Framer {
    fn new(limits: DecodeLimits) -> Framer {
        Framer {
            buf: BytesMut::new(),
            scanned: 0,
            limits,
            poisoned: None,
            pending: None,
        }
    }

    fn reset(&mut self) {
        self.buf.clear();
        self.scanned = 0;
        self.poisoned = None;
        self.pending = None;
    }

    /// Runs one decoding step with the poison rule applied around it.
    fn guarded<T>(
        &mut self,
        step: impl FnOnce(&mut Framer) -> Result<Option<T>, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        if let Some(e) = &self.poisoned {
            return Err(e.clone());
        }
        let result = step(self);
        if let Err(e) = &result {
            self.poisoned = Some(e.clone());
            self.pending = None;
        }
        result
    }

    fn line_limit(&self, prefix: &[u8]) -> usize {
        if is_json_line(prefix) {
            self.limits.max_control_line.max(self.limits.max_payload)
        } else {
            self.limits.max_control_line
        }
    }

    /// Finds the next complete control line, remembering how far it searched.
    ///
    /// A line longer than the limit is refused even before its LF arrives.
    fn next_line(&mut self) -> Result<Option<LineEnd>, DecodeError> {
        match memchr::memchr(b'\n', &self.buf[self.scanned..]) {
            Some(i) => {
                let lf = self.scanned + i;
                self.scanned = 0;
                let content_end = if lf > 0 && self.buf[lf - 1] == b'\r' {
                    lf - 1
                } else {
                    lf
                };
                let limit = self.line_limit(&self.buf[..content_end]);
                if content_end > limit + OP_SLACK {
                    return Err(DecodeError::ControlLineTooLong { max: limit });
                }
                Ok(Some(LineEnd {
                    content_end,
                    next: lf + 1,
                }))
            }
            None => {
                self.scanned = self.buf.len();
                // The last byte may be the CR of the line end, hence the extra 1.
                let limit = self.line_limit(&self.buf);
                if self.buf.len() > limit + OP_SLACK + 1 {
                    return Err(DecodeError::ControlLineTooLong { max: limit });
                }
                Ok(None)
            }
        }
    }

    /// Checks the exact argument length of a non-JSON control line.
    fn check_args_len(&self, line: LineEnd, args_start: usize) -> Result<(), DecodeError> {
        let args = trimmed_args(&self.buf[..line.content_end], args_start);
        if args.len() > self.limits.max_control_line {
            return Err(DecodeError::ControlLineTooLong {
                max: self.limits.max_control_line,
            });
        }
        Ok(())
    }

    /// Drops a line that produced an operation without a body.
    fn consume(&mut self, line: LineEnd) {
        self.buf.advance(line.next);
    }

    /// Checks the sizes of a body-carrying line against the limits.
    fn check_sizes(&self, header_len: Option<usize>, total: usize) -> Result<(), DecodeError> {
        if total > self.limits.max_payload {
            return Err(DecodeError::PayloadTooLarge {
                size: total,
                max: self.limits.max_payload,
            });
        }
        match header_len {
            Some(header) if header > total => {
                Err(DecodeError::HeaderSizeExceedsTotal { header, total })
            }
            _ => Ok(()),
        }
    }

    /// Starts a body-carrying op whose control line was parsed.
    ///
    /// When the whole frame is already buffered it is split off in one go and returned;
    /// otherwise only the line is split off and the op waits in `pending` for its body.
    fn start_body(
        &mut self,
        line: LineEnd,
        parsed: &BodyLine,
    ) -> Result<Option<(Pending, Bytes)>, DecodeError> {
        let body_start = line.next;
        // Saturating: `max_payload` may be set as high as `usize::MAX`.
        let frame_end = body_start.saturating_add(parsed.total).saturating_add(2);
        if self.buf.len() >= frame_end {
            let frame = self.buf.split_to(frame_end).freeze();
            // Subjects first, as on the slow path, so errors do not depend on read sizes.
            let pending = Pending::new(&frame, parsed)?;
            if &frame[frame_end - 2..] != b"\r\n" {
                return Err(DecodeError::BadTrailer);
            }
            return Ok(Some((pending, frame.slice(body_start..frame_end - 2))));
        }
        let line_bytes = self.buf.split_to(body_start).freeze();
        self.pending = Some(Pending::new(&line_bytes, parsed)?);
        self.check_partial_trailer(parsed.total)?;
        // Bounded, so a huge announced size cannot make us allocate it up front.
        let missing = parsed
            .total
            .saturating_add(2)
            .saturating_sub(self.buf.len());
        self.buf.reserve(missing.min(MAX_RESERVE));
        Ok(None)
    }

    /// Refuses a body whose trailer is already visibly wrong, instead of waiting for a byte
    /// that would not fix it.
    fn check_partial_trailer(&self, total: usize) -> Result<(), DecodeError> {
        match self.buf.get(total) {
            Some(&b) if b != b'\r' => Err(DecodeError::BadTrailer),
            _ => Ok(()),
        }
    }

    /// Completes the pending op once its body and trailer have arrived.
    fn finish_pending(&mut self) -> Result<Option<(Pending, Bytes)>, DecodeError> {
        let Some(total) = self.pending.as_ref().map(|p| p.total) else {
            return Ok(None);
        };
        if self.buf.len() < total.saturating_add(2) {
            self.check_partial_trailer(total)?;
            return Ok(None);
        }
        if &self.buf[total..total + 2] != b"\r\n" {
            return Err(DecodeError::BadTrailer);
        }
        let body = self.buf.split_to(total).freeze();
        self.buf.advance(2);
        Ok(self.pending.take().map(|p| (p, body)))
    }
}

impl Pending {
    /// Takes the subject and reply out of the (frozen) control line.
    fn new(line: &Bytes, parsed: &BodyLine) -> Result<Pending, DecodeError> {
        let subject = |(a, b): (usize, usize)| {
            Subject::from_wire(line.slice(a..b)).map_err(DecodeError::InvalidSubject)
        };
        Ok(Pending {
            sid: parsed.sid,
            subject: subject(parsed.subject)?,
            reply: parsed.reply.map(subject).transpose()?,
            header_len: parsed.header_len,
            total: parsed.total,
        })
    }

    /// Splits the body into headers and payload.
    fn split_body(&self, body: Bytes) -> Result<(Option<HeaderMap>, Bytes), DecodeError> {
        match self.header_len {
            None => Ok((None, body)),
            Some(len) => {
                let headers =
                    HeaderMap::parse(&body[..len]).map_err(DecodeError::InvalidHeaders)?;
                Ok((Some(headers), body.slice(len..)))
            }
        }
    }
}

#[cfg(test)]
mod tests;
