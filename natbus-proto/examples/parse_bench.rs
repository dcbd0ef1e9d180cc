//! Micro-benchmark of the server decoder on MSG/HMSG streams.
//!
//! Run with `cargo run --release -p natbus-proto --example parse_bench [filter]`. The stream is fed in
//! 64 KiB reads, as a socket would deliver it, and every message is decoded and dropped.

use std::hint::black_box;
use std::time::Instant;

use bytes::BytesMut;
use natbus_proto::headers::HeaderMap;
use natbus_proto::wire::decode::{DecodeLimits, ServerDecoder};
use natbus_proto::wire::ops::ServerOp;

const READ_SIZE: usize = 64 * 1024;

/// Builds a stream of `count` messages with `payload_len` bytes each.
fn stream(count: usize, payload_len: usize, headers: bool) -> Vec<u8> {
    let payload = vec![b'x'; payload_len];
    let header_map: HeaderMap = [("Nats-Msg-Id", "0123456789abcdef"), ("Trace-Id", "abc")]
        .into_iter()
        .collect();
    let mut out = BytesMut::new();
    let mut block = BytesMut::new();
    header_map.encode(&mut block);
    for i in 0..count {
        let sid = i % 16 + 1;
        if headers {
            let line = format!(
                "HMSG bench.subject.{sid} {sid} _INBOX.abcdefgh.{i} {} {}\r\n",
                block.len(),
                block.len() + payload_len
            );
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(&block);
        } else {
            let line = format!("MSG bench.subject.{sid} {sid} {payload_len}\r\n");
            out.extend_from_slice(line.as_bytes());
        }
        out.extend_from_slice(&payload);
        out.extend_from_slice(b"\r\n");
    }
    out.to_vec()
}

fn run(name: &str, count: usize, payload_len: usize, headers: bool) {
    let data = stream(count, payload_len, headers);
    let mut best = f64::MAX;
    for _ in 0..5 {
        let mut decoder = ServerDecoder::new(DecodeLimits::default());
        let start = Instant::now();
        let mut decoded = 0usize;
        for read in data.chunks(READ_SIZE) {
            decoder.extend(read);
            while let Some(op) = decoder.decode().expect("benchmark stream is valid") {
                if let ServerOp::Msg { message, .. } = op {
                    black_box(&message);
                    decoded += 1;
                }
            }
        }
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(decoded, count);
        best = best.min(secs);
    }
    let msgs = count as f64 / best;
    let mb = data.len() as f64 / best / 1e6;
    println!("{name:<28} {msgs:>12.0} msgs/s {mb:>9.1} MB/s (wire bytes)");
}

fn main() {
    // An optional argument keeps only the cases whose name contains it (for profiling).
    let filter = std::env::args().nth(1).unwrap_or_default();
    let cases = [
        ("MSG 16 B", 2_000_000, 16, false),
        ("MSG 1 KiB", 500_000, 1024, false),
        ("HMSG 16 B + 2 headers", 1_000_000, 16, true),
        ("HMSG 1 KiB + 2 headers", 500_000, 1024, true),
    ];
    for (name, count, payload_len, headers) in cases {
        if name.contains(&filter) {
            run(name, count, payload_len, headers);
        }
    }
}
