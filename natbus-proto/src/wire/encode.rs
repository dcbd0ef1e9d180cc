//! Writing protocol operations into a [`BytesMut`].
//!
//! Every function appends one complete operation (control line upper case, CR LF endings).
//! **Nothing here validates**: subjects, queue groups and headers are checked once by the
//! caller ([`validate_publish`](crate::subject::validate_publish),
//! [`HeaderMap::validate`]), so the hot path does not pay for it twice. Feeding unchecked
//! input produces bytes the server will reject, never a panic.

use bytes::{BufMut, BytesMut};

use super::itoa::write_u64;
use super::ops::{ClientOp, ServerOp};
use crate::connect::ConnectInfo;
use crate::headers::HeaderMap;
use crate::message::Message;

const CRLF: &[u8] = b"\r\n";

/// Writes `CONNECT {json}\r\n`.
pub fn encode_connect(out: &mut BytesMut, connect: &ConnectInfo) {
    out.extend_from_slice(b"CONNECT ");
    write_json(out, connect);
    out.extend_from_slice(CRLF);
}

/// Writes `INFO {json}\r\n` (what a server sends; for tests and tools).
fn encode_info(out: &mut BytesMut, info: &crate::info::ServerInfo) {
    out.extend_from_slice(b"INFO ");
    write_json(out, info);
    out.extend_from_slice(CRLF);
}

fn write_json<T: serde::Serialize>(out: &mut BytesMut, value: &T) {
    serde_json::to_writer(out.writer(), value).expect(
        "INFO/CONNECT hold only strings, integers, booleans and lists with string keys, \
         which always serialize, and writing into a BytesMut cannot fail",
    );
}

/// Writes a `PUB` (or `HPUB` when `headers` is given) with its payload and trailer.
pub fn encode_pub(
    out: &mut BytesMut,
    subject: &str,
    reply: Option<&str>,
    headers: Option<&HeaderMap>,
    payload: &[u8],
) {
    encode_pub_prefix(out, subject, reply, headers, payload.len());
    out.extend_from_slice(payload);
    out.extend_from_slice(CRLF);
}

/// Writes the `PUB`/`HPUB` control line and the header block, but not the payload.
///
/// The caller then sends `payload_len` bytes of payload followed by `\r\n`, e.g. as separate
/// chunks of a vectored write so that a large payload is never copied.
pub fn encode_pub_prefix(
    out: &mut BytesMut,
    subject: &str,
    reply: Option<&str>,
    headers: Option<&HeaderMap>,
    payload_len: usize,
) {
    match headers {
        Some(headers) => {
            let header_len = headers.encoded_len();
            out.reserve(subject.len() + reply.map_or(0, str::len) + 48 + header_len);
            out.extend_from_slice(b"HPUB ");
            write_subjects(out, subject, reply);
            write_usize(out, header_len);
            out.extend_from_slice(b" ");
            write_usize(out, header_len.saturating_add(payload_len));
            out.extend_from_slice(CRLF);
            headers.encode(out);
        }
        None => {
            out.reserve(subject.len() + reply.map_or(0, str::len) + 32);
            out.extend_from_slice(b"PUB ");
            write_subjects(out, subject, reply);
            write_usize(out, payload_len);
            out.extend_from_slice(CRLF);
        }
    }
}

/// Writes `subject [reply] ` (each followed by a space).
fn write_subjects(out: &mut BytesMut, subject: &str, reply: Option<&str>) {
    out.extend_from_slice(subject.as_bytes());
    out.extend_from_slice(b" ");
    if let Some(reply) = reply {
        out.extend_from_slice(reply.as_bytes());
        out.extend_from_slice(b" ");
    }
}

fn write_usize(out: &mut BytesMut, n: usize) {
    // usize is at most 64 bits on every supported target.
    write_u64(out, n as u64);
}

/// Writes `SUB subject [queue] sid\r\n`.
pub fn encode_sub(out: &mut BytesMut, subject: &str, queue: Option<&str>, sid: u64) {
    out.extend_from_slice(b"SUB ");
    write_subjects(out, subject, queue);
    write_u64(out, sid);
    out.extend_from_slice(CRLF);
}

/// Writes `UNSUB sid [max]\r\n`.
pub fn encode_unsub(out: &mut BytesMut, sid: u64, max: Option<u64>) {
    out.extend_from_slice(b"UNSUB ");
    write_u64(out, sid);
    if let Some(max) = max {
        out.extend_from_slice(b" ");
        write_u64(out, max);
    }
    out.extend_from_slice(CRLF);
}

/// Writes `PING\r\n`.
pub fn encode_ping(out: &mut BytesMut) {
    out.extend_from_slice(b"PING\r\n");
}

/// Writes `PONG\r\n`.
pub fn encode_pong(out: &mut BytesMut) {
    out.extend_from_slice(b"PONG\r\n");
}

/// Writes any client operation.
pub fn encode_client_op(out: &mut BytesMut, op: &ClientOp) {
    match op {
        ClientOp::Connect(info) => encode_connect(out, info),
        ClientOp::Pub {
            subject,
            reply,
            headers,
            payload,
        } => encode_pub(out, subject, reply.as_deref(), headers.as_ref(), payload),
        ClientOp::Sub {
            subject,
            queue,
            sid,
        } => encode_sub(out, subject, queue.as_deref(), *sid),
        ClientOp::Unsub { sid, max } => encode_unsub(out, *sid, *max),
        ClientOp::Ping => encode_ping(out),
        ClientOp::Pong => encode_pong(out),
    }
}

/// Writes any server operation: `MSG`/`HMSG`, `INFO`, `PING`, `PONG`, `+OK`, `-ERR`.
///
/// Clients never send these; this exists for tests, fuzzing and tools (e.g. a scripted
/// server).
pub fn encode_server_op(out: &mut BytesMut, op: &ServerOp) {
    match op {
        ServerOp::Info(info) => encode_info(out, info),
        ServerOp::Msg { sid, message } => encode_msg(out, *sid, message),
        ServerOp::Ping => encode_ping(out),
        ServerOp::Pong => encode_pong(out),
        ServerOp::Ok => out.extend_from_slice(b"+OK\r\n"),
        ServerOp::Err(text) => {
            out.extend_from_slice(b"-ERR '");
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(b"'\r\n");
        }
        ServerOp::Undeliverable { frame, .. } => out.extend_from_slice(frame),
    }
}

/// Writes `MSG subject sid [reply] size` or the `HMSG` form, then the body and trailer. A
/// header block that did not parse is written back as it was received.
fn encode_msg(out: &mut BytesMut, sid: u64, message: &Message) {
    let raw_headers = match (&message.headers, &message.malformed_headers) {
        (None, Some(malformed)) => Some(&malformed.raw),
        _ => None,
    };
    let header_len = message
        .headers
        .as_ref()
        .map(HeaderMap::encoded_len)
        .or(raw_headers.map(|raw| raw.len()));
    out.extend_from_slice(if header_len.is_some() {
        b"HMSG "
    } else {
        b"MSG "
    });
    out.extend_from_slice(message.subject.as_bytes());
    out.extend_from_slice(b" ");
    write_u64(out, sid);
    out.extend_from_slice(b" ");
    if let Some(reply) = &message.reply {
        out.extend_from_slice(reply.as_bytes());
        out.extend_from_slice(b" ");
    }
    if let Some(header_len) = header_len {
        write_usize(out, header_len);
        out.extend_from_slice(b" ");
    }
    write_usize(out, header_len.unwrap_or(0) + message.payload.len());
    out.extend_from_slice(CRLF);
    if let Some(headers) = &message.headers {
        headers.encode(out);
    } else if let Some(raw) = raw_headers {
        out.extend_from_slice(raw);
    }
    out.extend_from_slice(&message.payload);
    out.extend_from_slice(CRLF);
}

#[cfg(test)]
mod tests;
