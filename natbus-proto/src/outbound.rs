//! The outbound write queue: encoded frames waiting to be written to the socket.
//!
//! Small frames are appended to one growing buffer, so many small publishes leave as one
//! write. A payload larger than [`INLINE_PAYLOAD_MAX`] is queued as its own [`Bytes`] chunk
//! instead of being copied, so the driver can hand it to a vectored write as it is.
//!
//! The driver takes *everything* queued at once ([`Outbound::take_all`]); a frame is therefore
//! never split between "taken" and "still queued", which keeps the queue valid across a
//! reconnect.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use crate::headers::HeaderMap;
use crate::wire::encode;

/// Payloads up to this size are copied into the coalescing buffer; larger ones are queued
/// as separate chunks without a copy.
pub const INLINE_PAYLOAD_MAX: usize = 8 * 1024;

/// Once the coalescing buffer holds this much, it becomes a chunk of its own and a fresh
/// buffer starts. Without a cap the buffer would grow by doubling (copying everything
/// queued at each step) up to the write-buffer limit; capped, each byte is copied once and
/// a vectored write still sends many chunks per system call.
pub const CHUNK_TARGET: usize = 64 * 1024;

/// Capacity of a fresh coalescing buffer: a full chunk plus room for one more inline frame,
/// so the frame that crosses [`CHUNK_TARGET`] does not reallocate.
const CHUNK_CAPACITY: usize = CHUNK_TARGET + INLINE_PAYLOAD_MAX + 1024;

/// A FIFO of encoded bytes, counted so that memory stays bounded.
#[derive(Debug, Default)]
pub struct Outbound {
    /// Complete chunks, in order, before `tail`.
    chunks: VecDeque<Bytes>,
    /// The buffer small frames are appended to.
    tail: BytesMut,
    /// Total queued bytes (chunks + tail).
    len: usize,
}

impl Outbound {
    /// Bytes queued and not yet taken by the driver.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends bytes produced by `write` to the coalescing buffer.
    pub fn write_with(&mut self, write: impl FnOnce(&mut BytesMut)) {
        self.start_frame();
        let before = self.tail.len();
        write(&mut self.tail);
        self.len += self.tail.len() - before;
    }

    /// Cuts a full coalescing buffer off as a chunk, and gives an unused one its full
    /// capacity at once (instead of growing it by doubling, copying each time).
    fn start_frame(&mut self) {
        if self.tail.len() >= CHUNK_TARGET {
            let full = std::mem::replace(&mut self.tail, BytesMut::with_capacity(CHUNK_CAPACITY));
            self.chunks.push_back(full.freeze());
        } else if self.tail.capacity() == 0 {
            self.tail.reserve(CHUNK_CAPACITY);
        }
    }

    /// Queues a whole `PUB`/`HPUB` frame (control line, headers, payload, CR LF) in one
    /// step: the publish hot path. Subjects and headers must already be validated.
    pub fn push_pub(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) {
        self.start_frame();
        let before = self.tail.len();
        encode::encode_pub_prefix(&mut self.tail, subject, reply, headers, payload.len());
        self.len += self.tail.len() - before;
        self.push_payload(payload);
        self.tail.extend_from_slice(b"\r\n");
        self.len += 2;
    }

    /// Queues a payload: copied when small, as its own chunk when large.
    pub fn push_payload(&mut self, payload: &Bytes) {
        if payload.len() <= INLINE_PAYLOAD_MAX {
            self.tail.extend_from_slice(payload);
        } else {
            if !self.tail.is_empty() {
                self.chunks.push_back(self.tail.split().freeze());
            }
            self.chunks.push_back(payload.clone());
        }
        self.len += payload.len();
    }

    /// Moves everything queued into `out`, returning the number of bytes moved.
    pub fn take_all(&mut self, out: &mut Vec<Bytes>) -> usize {
        out.extend(self.chunks.drain(..));
        if !self.tail.is_empty() {
            out.push(self.tail.split().freeze());
        }
        std::mem::take(&mut self.len)
    }

    /// Drops everything queued.
    pub fn clear(&mut self) {
        self.chunks.clear();
        self.tail.clear();
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concat(chunks: &[Bytes]) -> Vec<u8> {
        chunks.iter().flat_map(|c| c.iter().copied()).collect()
    }

    #[test]
    fn coalesces_small_frames_into_one_chunk() {
        let mut q = Outbound::default();
        for _ in 0..100 {
            q.write_with(|b| b.extend_from_slice(b"PUB a 1\r\n"));
            q.push_payload(&Bytes::from_static(b"x"));
            q.write_with(|b| b.extend_from_slice(b"\r\n"));
        }
        assert_eq!(q.len(), 100 * 12);
        let mut out = Vec::new();
        assert_eq!(q.take_all(&mut out), 1200);
        assert_eq!(out.len(), 1, "one write for many small publishes");
        assert!(q.is_empty());
    }

    #[test]
    fn a_long_burst_is_cut_into_bounded_chunks_in_order() {
        let mut q = Outbound::default();
        let payload = Bytes::from(vec![b'p'; 1000]);
        let mut expected = Vec::new();
        for i in 0..300u32 {
            let head = format!("PUB s.{i} 1000\r\n");
            expected.extend_from_slice(head.as_bytes());
            expected.extend_from_slice(&payload);
            expected.extend_from_slice(b"\r\n");
            q.write_with(|b| b.extend_from_slice(head.as_bytes()));
            q.push_payload(&payload);
            q.write_with(|b| b.extend_from_slice(b"\r\n"));
        }
        let mut out = Vec::new();
        assert_eq!(q.take_all(&mut out), expected.len());
        assert!(
            out.len() > 1,
            "300 KB must not sit in one ever-doubling buffer"
        );
        assert!(out.iter().all(|c| c.len() <= CHUNK_CAPACITY));
        assert_eq!(concat(&out), expected);
    }

    #[test]
    fn push_pub_queues_the_same_bytes_as_the_encoder() {
        let mut q = Outbound::default();
        let small = Bytes::from_static(b"hello");
        let big = Bytes::from(vec![b'b'; INLINE_PAYLOAD_MAX + 10]);
        let mut expected = BytesMut::new();
        for payload in [&small, &big, &small] {
            q.push_pub("a.b", Some("_INBOX.x.1"), None, payload);
            encode::encode_pub(&mut expected, "a.b", Some("_INBOX.x.1"), None, payload);
        }
        assert_eq!(q.len(), expected.len());
        let mut out = Vec::new();
        q.take_all(&mut out);
        assert_eq!(concat(&out), expected.to_vec());
        assert!(
            out.iter().any(|c| c.as_ptr() == big.as_ptr()),
            "the large payload is queued without a copy"
        );
    }

    #[test]
    fn large_payloads_are_not_copied_and_order_is_kept() {
        let mut q = Outbound::default();
        let big = Bytes::from(vec![7u8; INLINE_PAYLOAD_MAX + 1]);
        q.write_with(|b| b.extend_from_slice(b"HEAD"));
        q.push_payload(&big);
        q.write_with(|b| b.extend_from_slice(b"\r\n"));
        let mut out = Vec::new();
        q.take_all(&mut out);
        assert_eq!(out.len(), 3);
        assert_eq!(
            out[1].as_ptr(),
            big.as_ptr(),
            "the payload chunk is the caller's buffer"
        );
        let all = concat(&out);
        assert_eq!(&all[..4], b"HEAD");
        assert_eq!(&all[all.len() - 2..], b"\r\n");
        assert_eq!(all.len(), 4 + big.len() + 2);
    }
}
