//! Decoding what a client sends: CONNECT, PUB, HPUB, SUB, UNSUB, PING, PONG.
//!
//! The client itself never needs this; tests, fuzzing and tools (a scripted server, a
//! protocol recorder) do.

use bytes::Bytes;

use super::fields::{Fields, sid_field, size_field, split_op};
use super::framer::{BodyLine, Framer, Pending, incremental_decoder};
use super::{DecodeError, field_text};
use crate::connect::ConnectInfo;
use crate::subject::{Subject, SubjectError};
use crate::wire::itoa::parse_u64;
use crate::wire::ops::ClientOp;

incremental_decoder! {
    /// Incremental decoder of client → server operations.
    ClientDecoder => ClientOp, step
}

fn step(f: &mut Framer) -> Result<Option<ClientOp>, DecodeError> {
    if f.pending.is_some() {
        return f.finish_pending()?.map(pub_op).transpose();
    }
    let Some(line) = f.next_line()? else {
        return Ok(None);
    };
    let content = &f.buf[..line.content_end];
    let (name, args_start) = split_op(content);
    let is = |op: &[u8]| name.eq_ignore_ascii_case(op);
    if is(b"CONNECT") {
        let connect: ConnectInfo = serde_json::from_slice(content[args_start..].trim_ascii())
            .map_err(|e| DecodeError::InvalidConnect(e.to_string()))?;
        f.consume(line);
        return Ok(Some(ClientOp::Connect(Box::new(connect))));
    }
    let hpub = if is(b"PUB") {
        false
    } else if is(b"HPUB") {
        true
    } else {
        let simple = if is(b"PING") {
            Some((ClientOp::Ping, "PING"))
        } else if is(b"PONG") {
            Some((ClientOp::Pong, "PONG"))
        } else {
            None
        };
        if let Some((op, op_name)) = simple {
            let got = Fields::split(content, args_start).len;
            if got != 0 {
                return Err(DecodeError::WrongArgCount { op: op_name, got });
            }
            f.consume(line);
            return Ok(Some(op));
        }
        let sub = is(b"SUB");
        if !sub && !is(b"UNSUB") {
            return Err(DecodeError::UnknownOp(field_text(name)));
        }
        f.check_args_len(line, args_start)?;
        let line_bytes = f.buf.split_to(line.next).freeze();
        let content = line_bytes.slice(..line.content_end);
        let op = if sub {
            sub_op(&content, args_start)?
        } else {
            unsub_op(&content, args_start)?
        };
        return Ok(Some(op));
    };
    f.check_args_len(line, args_start)?;
    let parsed = pub_line(content, args_start, hpub)?;
    f.check_sizes(parsed.header_len, parsed.total)?;
    match f.start_body(line, &parsed)? {
        Some(done) => pub_op(done).map(Some),
        None => Ok(None),
    }
}

/// `PUB <subject> [reply] <size>` or `HPUB <subject> [reply] <hdr> <total>`.
fn pub_line(content: &[u8], args_start: usize, hpub: bool) -> Result<BodyLine, DecodeError> {
    let fields = Fields::split(content, args_start);
    let (op, base) = if hpub { ("HPUB", 3) } else { ("PUB", 2) };
    let n = fields.len;
    if n != base && n != base + 1 {
        return Err(DecodeError::WrongArgCount { op, got: n });
    }
    let header_len = if hpub {
        Some(size_field(fields.get(content, n - 2))?)
    } else {
        None
    };
    let total = size_field(fields.get(content, n - 1))?;
    Ok(BodyLine {
        subject: fields.ranges[0],
        reply: (n == base + 1).then(|| fields.ranges[1]),
        sid: 0,
        header_len,
        total,
    })
}

/// `SUB <subject> [queue] <sid>`.
fn sub_op(content: &Bytes, args_start: usize) -> Result<ClientOp, DecodeError> {
    let fields = Fields::split(content, args_start);
    let n = fields.len;
    if n != 2 && n != 3 {
        return Err(DecodeError::WrongArgCount { op: "SUB", got: n });
    }
    let (a, b) = fields.ranges[0];
    let subject = Subject::from_wire(content.slice(a..b)).map_err(DecodeError::InvalidSubject)?;
    let queue = if n == 3 {
        let raw = fields.get(content, 1);
        let queue = std::str::from_utf8(raw).map_err(|_| {
            DecodeError::InvalidSubject(SubjectError::InvalidQueueGroup(field_text(raw)))
        })?;
        Some(queue.to_owned())
    } else {
        None
    };
    let sid = sid_field(fields.get(content, n - 1))?;
    Ok(ClientOp::Sub {
        subject,
        queue,
        sid,
    })
}

/// `UNSUB <sid> [max]`.
fn unsub_op(content: &[u8], args_start: usize) -> Result<ClientOp, DecodeError> {
    let fields = Fields::split(content, args_start);
    let n = fields.len;
    if n != 1 && n != 2 {
        return Err(DecodeError::WrongArgCount {
            op: "UNSUB",
            got: n,
        });
    }
    let sid = sid_field(fields.get(content, 0))?;
    let max = if n == 2 {
        let raw = fields.get(content, 1);
        Some(parse_u64(raw).ok_or_else(|| DecodeError::InvalidSize(field_text(raw)))?)
    } else {
        None
    };
    Ok(ClientOp::Unsub { sid, max })
}

/// A framed PUB/HPUB as an op. A server may refuse what a client sends, so an invalid
/// subject or header block is an error here (unlike a message a server delivers).
fn pub_op((pending, body): (Pending, Bytes)) -> Result<ClientOp, DecodeError> {
    let (subject, reply) = pending.subjects().map_err(DecodeError::InvalidSubject)?;
    let (headers, payload) = pending.split_body(body);
    let headers = headers.map_err(|m| DecodeError::InvalidHeaders(m.error))?;
    Ok(ClientOp::Pub {
        subject,
        reply,
        headers,
        payload,
    })
}
