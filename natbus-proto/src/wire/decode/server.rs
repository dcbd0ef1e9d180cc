//! Decoding what a server sends: MSG, HMSG, INFO, PING, PONG, +OK, -ERR.

use super::fields::{Fields, sid_field, size_field, split_op, trimmed_args};
use super::framer::{BodyLine, Framer, Pending, incremental_decoder};
use super::{DecodeError, field_text};
use crate::info::ServerInfo;
use crate::message::Message;
use crate::wire::ops::ServerOp;

incremental_decoder! {
    /// Incremental decoder of server → client operations.
    ///
    /// Feed it whatever the socket returned with [`extend`](ServerDecoder::extend), then call
    /// [`decode`](ServerDecoder::decode) until it returns `Ok(None)`.
    ServerDecoder => ServerOp, step
}

fn step(f: &mut Framer) -> Result<Option<ServerOp>, DecodeError> {
    if f.pending.is_some() {
        return f.finish_pending()?.map(message_op).transpose();
    }
    let Some(line) = f.next_line()? else {
        return Ok(None);
    };
    let content = &f.buf[..line.content_end];
    let (name, args_start) = split_op(content);
    let op = if name.eq_ignore_ascii_case(b"MSG") {
        false
    } else if name.eq_ignore_ascii_case(b"HMSG") {
        true
    } else {
        let op = simple_op(name, content, args_start)?;
        if !matches!(op, ServerOp::Info(_)) {
            f.check_args_len(line, args_start)?;
        }
        f.consume(line);
        return Ok(Some(op));
    };
    f.check_args_len(line, args_start)?;
    let parsed = msg_line(content, args_start, op)?;
    f.check_sizes(parsed.header_len, parsed.total)?;
    match f.start_body(line, &parsed)? {
        Some(done) => message_op(done).map(Some),
        None => Ok(None),
    }
}

/// Every op without a body.
fn simple_op(name: &[u8], content: &[u8], args_start: usize) -> Result<ServerOp, DecodeError> {
    let no_args = |op: ServerOp, op_name: &'static str| {
        let got = Fields::split(content, args_start).len;
        if got == 0 {
            Ok(op)
        } else {
            Err(DecodeError::WrongArgCount { op: op_name, got })
        }
    };
    if name.eq_ignore_ascii_case(b"PING") {
        no_args(ServerOp::Ping, "PING")
    } else if name.eq_ignore_ascii_case(b"PONG") {
        no_args(ServerOp::Pong, "PONG")
    } else if name.eq_ignore_ascii_case(b"+OK") {
        no_args(ServerOp::Ok, "+OK")
    } else if name.eq_ignore_ascii_case(b"-ERR") {
        Ok(ServerOp::Err(err_text(trimmed_args(content, args_start))))
    } else if name.eq_ignore_ascii_case(b"INFO") {
        ServerInfo::parse(&content[args_start..])
            .map(|info| ServerOp::Info(Box::new(info)))
            .map_err(|e| DecodeError::InvalidInfo(e.to_string()))
    } else {
        Err(DecodeError::UnknownOp(field_text(name)))
    }
}

/// The `-ERR` text without its single quotes.
fn err_text(args: &[u8]) -> String {
    let text = match args {
        [b'\'', inner @ .., b'\''] => inner,
        other => other,
    };
    String::from_utf8_lossy(text).into_owned()
}

/// `MSG <subject> <sid> [reply] <size>` or `HMSG <subject> <sid> [reply] <hdr> <total>`.
fn msg_line(content: &[u8], args_start: usize, hmsg: bool) -> Result<BodyLine, DecodeError> {
    let fields = Fields::split(content, args_start);
    let (op, base) = if hmsg { ("HMSG", 4) } else { ("MSG", 3) };
    let n = fields.len;
    if n != base && n != base + 1 {
        return Err(DecodeError::WrongArgCount { op, got: n });
    }
    let sid = sid_field(fields.get(content, 1))?;
    let header_len = if hmsg {
        Some(size_field(fields.get(content, n - 2))?)
    } else {
        None
    };
    let total = size_field(fields.get(content, n - 1))?;
    Ok(BodyLine {
        subject: fields.ranges[0],
        reply: (n == base + 1).then(|| fields.ranges[2]),
        sid,
        header_len,
        total,
    })
}

/// A framed message as an op. What other clients wrote is not the server's fault: a header
/// block that does not parse is delivered raw, and a subject that is not UTF-8 (which
/// cannot be a [`Subject`](crate::subject::Subject)) makes the message undeliverable; the
/// stream stays framed either way.
fn message_op((pending, body): (Pending, bytes::Bytes)) -> Result<ServerOp, DecodeError> {
    let (subject, reply) = match pending.subjects() {
        Ok(subjects) => subjects,
        Err(error) => {
            return Ok(ServerOp::Undeliverable {
                sid: pending.sid,
                error,
                frame: pending.frame(&body),
            });
        }
    };
    let (headers, payload) = pending.split_body(body);
    let (headers, malformed_headers) = match headers {
        Ok(headers) => (headers, None),
        Err(malformed) => (None, Some(malformed)),
    };
    Ok(ServerOp::Msg {
        sid: pending.sid,
        message: Message {
            subject,
            reply,
            headers,
            malformed_headers,
            payload,
        },
    })
}
