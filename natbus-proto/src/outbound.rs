//! The outbound write queue: encoded frames waiting to be written to the socket.
//!
//! Small frames are appended to one growing buffer, so many small publishes leave as one
//! write. A payload larger than [`INLINE_PAYLOAD_MAX`] is queued as its own [`Bytes`] chunk
//! instead of being copied, so the driver can hand it to a vectored write as it is.
//!
//! The driver takes *everything* queued at once ([`Outbound::take_all`]); a frame is therefore
//! never split between "taken" and "still queued", which keeps the queue valid across a
//! reconnect. Beside the bytes it counts the publishes queued, which the connection's
//! publish ledger (`crate::connection::loss`) takes over with them.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use crate::connection::PublishCount;
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

/// Room a coalescing buffer must have left for the next frame: the largest inline payload
/// plus its control line.
const FRAME_ROOM: usize = INLINE_PAYLOAD_MAX + 1024;

/// A FIFO of encoded bytes, counted so that memory stays bounded.
#[derive(Debug, Default)]
pub struct Outbound {
    /// Complete chunks, in order, before `tail`.
    chunks: VecDeque<Bytes>,
    /// The buffer small frames are appended to.
    tail: BytesMut,
    /// Total queued bytes (chunks + tail).
    len: usize,
    /// Empty buffers from written chunks, used before allocating a new one.
    spare: Vec<BytesMut>,
    /// How many buffers `spare` may hold (see [`Outbound::with_write_limit`]).
    max_spare: usize,
    /// The publishes among the queued bytes.
    publishes: PublishCount,
}

impl Outbound {
    /// A queue for a connection whose queued bytes are held to `write_limit`. Up to a
    /// quarter of that (at least two chunks) stays allocated after a burst, for reuse:
    /// a busy publisher keeps dozens of chunks in flight, and each freed and
    /// re-allocated one costs fresh, zeroed pages.
    pub fn with_write_limit(write_limit: usize) -> Self {
        Outbound {
            max_spare: (write_limit / 4 / CHUNK_CAPACITY).max(2),
            ..Outbound::default()
        }
    }

    /// Bytes queued and not yet taken by the driver.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The publishes queued and not yet taken by the driver.
    pub fn publishes(&self) -> PublishCount {
        self.publishes
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
    ///
    /// A buffer without room for another inline frame is replaced too: reclaimed in place
    /// when every chunk cut from it was written and dropped, else by a recycled buffer,
    /// else by a new one. (Left to itself, `BytesMut` would allocate a new buffer whenever
    /// chunks cut from it are still being written.)
    fn start_frame(&mut self) {
        if self.tail.len() >= CHUNK_TARGET {
            let fresh = self.fresh_buffer();
            let full = std::mem::replace(&mut self.tail, fresh);
            self.chunks.push_back(full.freeze());
        } else if self.tail.capacity() - self.tail.len() < FRAME_ROOM
            && !self.tail.try_reclaim(CHUNK_CAPACITY - self.tail.len())
        {
            if !self.tail.is_empty() {
                self.chunks.push_back(self.tail.split().freeze());
            }
            self.tail = self.fresh_buffer();
        }
    }

    /// A recycled buffer if there is one, else a new one of full chunk capacity.
    fn fresh_buffer(&mut self) -> BytesMut {
        self.spare
            .pop()
            .unwrap_or_else(|| BytesMut::with_capacity(CHUNK_CAPACITY))
    }

    /// Takes back a chunk the driver has finished writing. When nothing else shares its
    /// memory, the buffer is kept (within the spare budget) and filled again, instead of being freed by
    /// the writing thread and allocated anew by the publishing one: a fresh allocation
    /// costs page faults and zeroed pages for every chunk on a busy connection.
    pub fn recycle(&mut self, chunk: Bytes) {
        if self.spare.len() >= self.max_spare {
            return;
        }
        let Ok(mut buf) = chunk.try_into_mut() else {
            return;
        };
        buf.clear();
        // Sole owner: this reclaims the whole allocation, also the part before the chunk.
        // A buffer too small for a chunk is dropped rather than grown here (that would be
        // an allocation on the driver's thread); one much larger (a user payload queued
        // without a copy) is dropped so memory stays bounded.
        if buf.try_reclaim(CHUNK_CAPACITY) && buf.capacity() <= 2 * CHUNK_CAPACITY {
            self.spare.push(buf);
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
        self.publishes += PublishCount::new(1, payload.len() as u64);
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

    /// Moves everything queued into `out`, returning the number of bytes moved (and
    /// forgetting the publishes among them: read [`publishes`](Self::publishes) first).
    pub fn take_all(&mut self, out: &mut Vec<Bytes>) -> usize {
        self.publishes = PublishCount::default();
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
        self.publishes = PublishCount::default();
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
        let payload_bytes = (2 * small.len() + big.len()) as u64;
        assert_eq!(q.publishes(), PublishCount::new(3, payload_bytes));
        let mut out = Vec::new();
        q.take_all(&mut out);
        assert_eq!(q.publishes(), PublishCount::default(), "taken along");
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

    /// Publishes `n` frames of 1 KiB and takes what is queued.
    fn fill(q: &mut Outbound, n: usize) -> Vec<Bytes> {
        let payload = Bytes::from(vec![b'p'; 1024]);
        for _ in 0..n {
            q.push_pub("a.b", None, None, &payload);
        }
        let mut out = Vec::new();
        q.take_all(&mut out);
        out
    }

    #[test]
    fn written_chunks_are_reused_instead_of_allocated() {
        let mut q = Outbound::with_write_limit(8 * 1024 * 1024);
        // Enough for one full chunk to be cut off and a second buffer started.
        let first = fill(&mut q, 70);
        assert!(first.len() >= 2, "{} chunks", first.len());
        let full = first[0].clone();
        let full_ptr = full.as_ptr();
        drop(first);
        q.recycle(full);
        assert_eq!(q.spare.len(), 1, "a chunk nothing else shares is kept");
        // Fill the second buffer (its cut-off piece is still "being written") until a
        // third is needed: it must be the recycled one.
        let second = fill(&mut q, 140);
        assert!(
            second.iter().any(|c| c.as_ptr() == full_ptr),
            "the recycled buffer carries later frames"
        );
        assert!(q.spare.is_empty());
    }

    #[test]
    fn shared_and_oversized_chunks_are_not_kept() {
        let mut q = Outbound::with_write_limit(8 * 1024 * 1024);
        let out = fill(&mut q, 3);
        let piece = out[0].clone();
        drop(out);
        // The piece shares its buffer with the queue's coalescing buffer.
        q.recycle(piece);
        assert!(q.spare.is_empty(), "a shared buffer is not taken");
        q.recycle(Bytes::from(vec![0u8; 4 * CHUNK_CAPACITY]));
        assert!(q.spare.is_empty(), "a large payload buffer is not kept");
        q.recycle(Bytes::from_static(b"static"));
        assert!(q.spare.is_empty());
    }

    #[test]
    fn the_spare_budget_is_a_quarter_of_the_write_limit() {
        let mut q = Outbound::with_write_limit(CHUNK_CAPACITY * 12);
        for _ in 0..10 {
            q.recycle(Bytes::from(vec![0u8; CHUNK_CAPACITY]));
        }
        assert_eq!(q.spare.len(), 3);
        let mut small = Outbound::with_write_limit(1024);
        for _ in 0..10 {
            small.recycle(Bytes::from(vec![0u8; CHUNK_CAPACITY]));
        }
        assert_eq!(small.spare.len(), 2, "at least two");
    }
}
