//! The read buffer shared by both decoders: finding control lines (with the length limits),
//! splitting bodies off as `Bytes`, and the poison state.

use bytes::{Buf, Bytes, BytesMut};

use super::fields::trimmed_args;
use super::{DecodeError, DecodeLimits};
use crate::headers::HeaderMap;
use crate::message::MalformedHeaders;
use crate::subject::{Subject, SubjectError};

/// Bytes a line may run past `max_control_line` before the arguments are even measured:
/// room for the longest op name and its separator. Lets an incomplete line be refused early.
const OP_SLACK: usize = 16;

/// Most bytes reserved ahead for a body that is still arriving.
const MAX_RESERVE: usize = 8 * 1024 * 1024;

/// Where a complete control line sits in the buffer.
#[derive(Clone, Copy)]
pub(super) struct LineEnd {
    /// End of the line's content (before CR LF or LF).
    pub(super) content_end: usize,
    /// First byte after the LF.
    pub(super) next: usize,
}

/// True for an INFO or CONNECT line, which carries JSON and has a longer limit.
fn is_json_line(prefix: &[u8]) -> bool {
    let starts =
        |op: &[u8]| prefix.len() >= op.len() && prefix[..op.len()].eq_ignore_ascii_case(op);
    starts(b"INFO") || starts(b"CONNECT")
}

/// A message whose control line was read, with its subject and reply still as bytes: what
/// an invalid one means is up to each decoder (the framing is intact either way).
pub(super) struct Pending {
    /// The control line, CR LF included.
    pub(super) line: Bytes,
    pub(super) subject: (usize, usize),
    pub(super) reply: Option<(usize, usize)>,
    pub(super) sid: u64,
    pub(super) header_len: Option<usize>,
    pub(super) total: usize,
}

/// The sizes and field ranges of a MSG/HMSG/PUB/HPUB control line.
pub(super) struct BodyLine {
    pub(super) subject: (usize, usize),
    pub(super) reply: Option<(usize, usize)>,
    pub(super) sid: u64,
    pub(super) header_len: Option<usize>,
    pub(super) total: usize,
}

/// The read buffer, control-line framing and poison state shared by both decoders.
pub(super) struct Framer {
    pub(super) buf: BytesMut,
    /// How far the current incomplete line was already searched for LF.
    pub(super) scanned: usize,
    pub(super) limits: DecodeLimits,
    pub(super) poisoned: Option<DecodeError>,
    pub(super) pending: Option<Pending>,
}

impl Framer {
    pub(super) fn new(limits: DecodeLimits) -> Framer {
        Framer {
            buf: BytesMut::new(),
            scanned: 0,
            limits,
            poisoned: None,
            pending: None,
        }
    }

    pub(super) fn reset(&mut self) {
        self.buf.clear();
        self.scanned = 0;
        self.poisoned = None;
        self.pending = None;
    }

    /// Runs one decoding step with the poison rule applied around it.
    pub(super) fn guarded<T>(
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

    pub(super) fn line_limit(&self, prefix: &[u8]) -> usize {
        if is_json_line(prefix) {
            self.limits.max_control_line.max(self.limits.max_payload)
        } else {
            self.limits.max_control_line
        }
    }

    /// Finds the next complete control line, remembering how far it searched.
    ///
    /// A line longer than the limit is refused even before its LF arrives.
    pub(super) fn next_line(&mut self) -> Result<Option<LineEnd>, DecodeError> {
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
    pub(super) fn check_args_len(
        &self,
        line: LineEnd,
        args_start: usize,
    ) -> Result<(), DecodeError> {
        let args = trimmed_args(&self.buf[..line.content_end], args_start);
        if args.len() > self.limits.max_control_line {
            return Err(DecodeError::ControlLineTooLong {
                max: self.limits.max_control_line,
            });
        }
        Ok(())
    }

    /// Drops a line that produced an operation without a body.
    pub(super) fn consume(&mut self, line: LineEnd) {
        self.buf.advance(line.next);
    }

    /// Checks the sizes of a body-carrying line against the limits.
    pub(super) fn check_sizes(
        &self,
        header_len: Option<usize>,
        total: usize,
    ) -> Result<(), DecodeError> {
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
    pub(super) fn start_body(
        &mut self,
        line: LineEnd,
        parsed: &BodyLine,
    ) -> Result<Option<(Pending, Bytes)>, DecodeError> {
        let body_start = line.next;
        // Saturating: `max_payload` may be set as high as `usize::MAX`.
        let frame_end = body_start.saturating_add(parsed.total).saturating_add(2);
        if self.buf.len() >= frame_end {
            let frame = self.buf.split_to(frame_end).freeze();
            if &frame[frame_end - 2..] != b"\r\n" {
                return Err(DecodeError::BadTrailer);
            }
            let pending = Pending::new(frame.slice(..body_start), parsed);
            return Ok(Some((pending, frame.slice(body_start..frame_end - 2))));
        }
        let line_bytes = self.buf.split_to(body_start).freeze();
        self.pending = Some(Pending::new(line_bytes, parsed));
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
    pub(super) fn check_partial_trailer(&self, total: usize) -> Result<(), DecodeError> {
        match self.buf.get(total) {
            Some(&b) if b != b'\r' => Err(DecodeError::BadTrailer),
            _ => Ok(()),
        }
    }

    /// Completes the pending op once its body and trailer have arrived.
    pub(super) fn finish_pending(&mut self) -> Result<Option<(Pending, Bytes)>, DecodeError> {
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
    pub(super) fn new(line: Bytes, parsed: &BodyLine) -> Pending {
        Pending {
            line,
            subject: parsed.subject,
            reply: parsed.reply,
            sid: parsed.sid,
            header_len: parsed.header_len,
            total: parsed.total,
        }
    }

    /// The subject and reply subject, checked (non-empty UTF-8).
    pub(super) fn subjects(&self) -> Result<(Subject, Option<Subject>), SubjectError> {
        let subject = |(a, b): (usize, usize)| Subject::from_wire(self.line.slice(a..b));
        Ok((subject(self.subject)?, self.reply.map(subject).transpose()?))
    }

    /// Splits the body into the header block (parsed, or kept raw when it does not parse)
    /// and the payload.
    pub(super) fn split_body(
        &self,
        body: Bytes,
    ) -> (Result<Option<HeaderMap>, MalformedHeaders>, Bytes) {
        match self.header_len {
            None => (Ok(None), body),
            Some(len) => {
                let raw = body.slice(..len);
                let headers = HeaderMap::parse(&raw)
                    .map(Some)
                    .map_err(|error| MalformedHeaders { raw, error });
                (headers, body.slice(len..))
            }
        }
    }

    /// The whole frame as received: control line, body and trailer (a copy; only for
    /// frames that cannot be delivered, which are rare).
    pub(super) fn frame(&self, body: &[u8]) -> Bytes {
        let mut frame = Vec::with_capacity(self.line.len() + body.len() + 2);
        frame.extend_from_slice(&self.line);
        frame.extend_from_slice(body);
        frame.extend_from_slice(b"\r\n");
        Bytes::from(frame)
    }
}

/// Defines a public incremental decoder around a [`Framer`] and a `step` function: the
/// server and client decoders differ only in the operations their step recognises.
macro_rules! incremental_decoder {
    ($(#[$meta:meta])* $name:ident => $op:ty, $step:path) => {
        $(#[$meta])*
        pub struct $name {
            framer: $crate::wire::decode::framer::Framer,
        }

        impl $name {
            /// A decoder with an empty buffer.
            pub fn new(limits: $crate::wire::decode::DecodeLimits) -> Self {
                $name {
                    framer: $crate::wire::decode::framer::Framer::new(limits),
                }
            }

            /// Updates the body limit, e.g. from the server's INFO `max_payload`.
            pub fn set_max_payload(&mut self, max_payload: usize) {
                self.framer.limits.max_payload = max_payload;
            }

            /// Appends bytes read from the socket.
            pub fn extend(&mut self, data: &[u8]) {
                self.framer.buf.extend_from_slice(data);
            }

            /// The next complete operation, or `Ok(None)` when more bytes are needed.
            ///
            /// # Errors
            /// A [`DecodeError`](crate::wire::DecodeError) when the stream is malformed. The
            /// decoder is then poisoned and returns the same error until `reset`: close the
            /// connection.
            pub fn decode(&mut self) -> Result<Option<$op>, $crate::wire::decode::DecodeError> {
                self.framer.guarded($step)
            }

            /// Clears the buffer and the poison, for a new connection.
            pub fn reset(&mut self) {
                self.framer.reset();
            }

            /// Bytes received but not yet returned as operations.
            pub fn buffered(&self) -> usize {
                self.framer.buf.len()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("buffered", &self.framer.buf.len())
                    .field("poisoned", &self.framer.poisoned)
                    .finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use incremental_decoder;
