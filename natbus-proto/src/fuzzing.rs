//! Fuzzing entry points, shared by the cargo-fuzz targets in `fuzz/` and by a stable
//! `#[test]` that replays the seed corpus and every past crasher.
//!
//! Each function panics when an invariant breaks:
//! - decoding never panics or hangs;
//! - decoding the input in one piece and in chunks (the first byte picks the chunk size)
//!   yields the same operations and the same error;
//! - a poisoned decoder repeats its error;
//! - every decoded operation, encoded again and decoded, is the same operation.

use bytes::BytesMut;

use crate::headers::HeaderMap;
use crate::wire::decode::{ClientDecoder, DecodeError, DecodeLimits, ServerDecoder};
use crate::wire::encode::{encode_client_op, encode_server_op};
use crate::wire::ops::{ClientOp, ServerOp};

/// Small limits so that the fuzzer reaches the limit checks with small inputs.
const FUZZ_LIMITS: DecodeLimits = DecodeLimits {
    max_control_line: 512,
    max_payload: 4096,
};

/// Generous limits for re-decoding: re-encoding may lengthen a line (canonical JSON or
/// header block), which must not count as a failure.
const ROUND_TRIP_LIMITS: DecodeLimits = DecodeLimits {
    max_control_line: 1 << 20,
    max_payload: 1 << 24,
};

/// The common surface of both decoders.
trait Decoder {
    type Op: PartialEq + std::fmt::Debug;
    fn create(limits: DecodeLimits) -> Self;
    fn feed(&mut self, data: &[u8]);
    fn next(&mut self) -> Result<Option<Self::Op>, DecodeError>;
    fn left(&self) -> usize;
    fn encode(out: &mut BytesMut, op: &Self::Op);
}

impl Decoder for ServerDecoder {
    type Op = ServerOp;
    fn create(limits: DecodeLimits) -> Self {
        ServerDecoder::new(limits)
    }
    fn feed(&mut self, data: &[u8]) {
        self.extend(data);
    }
    fn next(&mut self) -> Result<Option<ServerOp>, DecodeError> {
        self.decode()
    }
    fn left(&self) -> usize {
        self.buffered()
    }
    fn encode(out: &mut BytesMut, op: &ServerOp) {
        encode_server_op(out, op);
    }
}

impl Decoder for ClientDecoder {
    type Op = ClientOp;
    fn create(limits: DecodeLimits) -> Self {
        ClientDecoder::new(limits)
    }
    fn feed(&mut self, data: &[u8]) {
        self.extend(data);
    }
    fn next(&mut self) -> Result<Option<ClientOp>, DecodeError> {
        self.decode()
    }
    fn left(&self) -> usize {
        self.buffered()
    }
    fn encode(out: &mut BytesMut, op: &ClientOp) {
        encode_client_op(out, op);
    }
}

/// Feeds `pieces` one by one, draining ops after each; stops at the first error.
fn run<D: Decoder>(limits: DecodeLimits, pieces: &[&[u8]]) -> (Vec<D::Op>, Option<DecodeError>) {
    let mut decoder = D::create(limits);
    let mut ops = Vec::new();
    for piece in pieces {
        decoder.feed(piece);
        loop {
            match decoder.next() {
                Ok(Some(op)) => ops.push(op),
                Ok(None) => break,
                Err(e) => {
                    assert_eq!(
                        decoder.next(),
                        Err(e.clone()),
                        "a poisoned decoder repeats its error"
                    );
                    return (ops, Some(e));
                }
            }
        }
    }
    (ops, None)
}

fn check_decoder<D: Decoder>(data: &[u8]) {
    let Some((&first, input)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(first % 32) + 1;
    let whole = run::<D>(FUZZ_LIMITS, &[input]);
    let pieces: Vec<&[u8]> = input.chunks(chunk).collect();
    let chunked = run::<D>(FUZZ_LIMITS, &pieces);
    assert_eq!(
        whole, chunked,
        "one piece and chunks of {chunk} bytes disagree"
    );
    for op in &whole.0 {
        let mut out = BytesMut::new();
        D::encode(&mut out, op);
        let mut decoder = D::create(ROUND_TRIP_LIMITS);
        decoder.feed(&out);
        let again = decoder.next();
        assert_eq!(
            again.as_ref().ok().and_then(Option::as_ref),
            Some(op),
            "re-encoded {out:?} gave {again:?}"
        );
        assert_eq!(
            decoder.left(),
            0,
            "re-encoded op left bytes behind: {out:?}"
        );
    }
}

/// Fuzzes the [`ServerDecoder`] (first byte: chunk size).
pub fn server_decoder(data: &[u8]) {
    check_decoder::<ServerDecoder>(data);
}

/// Fuzzes the [`ClientDecoder`] (first byte: chunk size).
pub fn client_decoder(data: &[u8]) {
    check_decoder::<ClientDecoder>(data);
}

/// Fuzzes [`HeaderMap::parse`]: a parsed map validates, its encoded length is exact, and it
/// parses back to itself.
pub fn headers(data: &[u8]) {
    let Ok(map) = HeaderMap::parse(data) else {
        return;
    };
    assert_eq!(
        map.validate(),
        Ok(()),
        "a parsed map must be encodable: {map:?}"
    );
    let mut out = BytesMut::new();
    map.encode(&mut out);
    assert_eq!(
        out.len(),
        map.encoded_len(),
        "encoded_len is not exact for {map:?}"
    );
    assert_eq!(
        HeaderMap::parse(&out).as_ref(),
        Ok(&map),
        "re-encoded {out:?}"
    );
    for (name, _) in map.iter() {
        assert!(map.get(name).is_some(), "{name:?} not found by get");
    }
}

/// Fuzzes the whole [`Connection`](crate::connection::Connection) state machine: the
/// input is a script of server bytes (first byte: chunk size) interleaved with commands and
/// clock jumps chosen by the bytes themselves. Invariants:
/// - nothing panics;
/// - everything the client writes is valid protocol (it decodes with [`ClientDecoder`]);
/// - after `handle_timeout(now)` the next deadline is in the future (no busy loop).
pub fn connection(data: &[u8]) {
    use crate::time::Instant;
    use std::time::Duration;

    use bytes::Bytes;

    use crate::connection::{Action, Connection, ConnectionConfig};

    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(first % 64) + 1;
    let config = ConnectionConfig {
        servers: vec!["127.0.0.1:4222".parse().expect("a valid literal address")],
        ping_interval: Duration::from_secs(1),
        ..ConnectionConfig::default()
    };
    let mut now = Instant::now();
    let Ok(mut conn) = Connection::new(config, u64::from(first), now) else {
        return;
    };
    let mut written = ClientDecoder::new(ROUND_TRIP_LIMITS);
    let mut out = Vec::new();
    let mut drain = |conn: &mut Connection, now: Instant| {
        let mut dialed = false;
        while let Some(action) = conn.poll_action() {
            dialed |= matches!(action, Action::Dial { .. });
        }
        if dialed {
            conn.handle_connected(now);
        }
        while conn.poll_event().is_some() {}
        out.clear();
        conn.poll_transmit(&mut out);
        for bytes in &out {
            written.extend(bytes);
        }
        while let Some(op) = written
            .decode()
            .expect("the client must write valid protocol")
        {
            let _ = op;
        }
    };
    drain(&mut conn, now);
    for piece in rest.chunks(chunk) {
        match piece[0] % 8 {
            0 => {
                now += Duration::from_millis(u64::from(piece[piece.len() - 1]) * 20);
                conn.handle_timeout(now);
                drain(&mut conn, now);
                if let Some(next) = conn.poll_timeout() {
                    assert!(
                        next > now,
                        "a deadline at or before now after handle_timeout: busy loop"
                    );
                }
                continue;
            }
            1 => {
                let _ = conn.subscribe("fuzz.>", None);
            }
            2 => {
                let _ = conn.publish("fuzz.out", None, None, Bytes::copy_from_slice(piece));
            }
            3 => {
                let _ = conn.request(
                    "fuzz.req",
                    None,
                    Bytes::new(),
                    Duration::from_millis(50),
                    now,
                );
            }
            4 => {
                let _ = conn.flush();
            }
            5 => {
                let _ = conn.force_reconnect(now);
            }
            _ => {}
        }
        conn.handle_read(piece, now);
        drain(&mut conn, now);
    }
}

mod websocket;

pub use websocket::{websocket_frames, websocket_handshake};

#[cfg(test)]
mod tests;
