//! The stream over an in-memory socket: pings answered, a close reported, writes framed and
//! masked, and bytes a busy socket did not take written on flush.

use std::sync::{Arc, Mutex};
use std::task::Waker;

use natbus_proto::websocket::frame::{FrameHeader, Opcode, apply_mask};

use super::*;

/// The far end of an in-memory socket: what the stream will read, what it wrote, and how
/// many more bytes it may write before writes would block.
#[derive(Default)]
struct Far {
    to_read: Vec<u8>,
    written: Vec<u8>,
    budget: Option<usize>,
    flushes: usize,
}

struct Memory(Arc<Mutex<Far>>);

impl AsyncRead for Memory {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut far = self.0.lock().expect("not poisoned");
        if far.to_read.is_empty() {
            return Poll::Pending;
        }
        let n = buf.len().min(far.to_read.len());
        buf[..n].copy_from_slice(&far.to_read[..n]);
        far.to_read.drain(..n);
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for Memory {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut far = self.0.lock().expect("not poisoned");
        let n = far.budget.map_or(buf.len(), |b| b.min(buf.len()));
        if n == 0 {
            return Poll::Pending;
        }
        far.budget = far.budget.map(|b| b - n);
        far.written.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.lock().expect("not poisoned").flushes += 1;
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A stream whose first read finds `first` (as if it came with the upgrade response).
fn stream(first: &[u8]) -> (WebSocketStream, Arc<Mutex<Far>>) {
    let far = Arc::new(Mutex::new(Far::default()));
    let mut read_buf = vec![0u8; 1024].into_boxed_slice();
    read_buf[..first.len()].copy_from_slice(first);
    let socket = Box::new(Memory(far.clone()));
    let s = WebSocketStream::new(socket, FrameWriter::new(3), read_buf, 0, first.len());
    (s, far)
}

fn server_frame(opcode: Opcode, payload: &[u8]) -> Vec<u8> {
    let header = FrameHeader {
        fin: true,
        opcode,
        mask: None,
        len: payload.len() as u64,
    };
    let mut bytes = [0u8; 14];
    let n = header.encode(&mut bytes);
    [&bytes[..n], payload].concat()
}

/// The client frames in `bytes`, unmasked.
fn client_frames(mut bytes: &[u8]) -> Vec<(Opcode, Vec<u8>)> {
    let mut frames = Vec::new();
    while let Ok(Some((header, at))) = FrameHeader::parse(bytes) {
        let end = at + header.len as usize;
        let mut payload = bytes[at..end].to_vec();
        apply_mask(&mut payload, header.mask.expect("masked"), 0);
        frames.push((header.opcode, payload));
        bytes = &bytes[end..];
    }
    assert!(bytes.is_empty(), "whole frames only");
    frames
}

fn cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

fn read(s: &mut WebSocketStream, buf: &mut [u8]) -> Poll<io::Result<usize>> {
    Pin::new(s).poll_read(&mut cx(), buf)
}

#[test]
fn a_ping_is_answered_and_data_around_it_delivered() {
    let input = [
        server_frame(Opcode::Binary, b"INFO {} \r\n"),
        server_frame(Opcode::Ping, b"are you there"),
        server_frame(Opcode::Binary, b"PING\r\n"),
    ]
    .concat();
    let (mut s, far) = stream(&input);
    let mut buf = [0u8; 64];
    let mut got = Vec::new();
    while let Poll::Ready(Ok(n)) = read(&mut s, &mut buf) {
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"INFO {} \r\nPING\r\n");
    let written = far.lock().expect("not poisoned").written.clone();
    assert_eq!(
        client_frames(&written),
        [(Opcode::Pong, b"are you there".to_vec())]
    );
}

#[test]
fn a_small_read_buffer_gets_the_data_in_pieces() {
    let (mut s, _) = stream(&server_frame(Opcode::Binary, b"0123456789"));
    let mut buf = [0u8; 3];
    let mut got = Vec::new();
    while let Poll::Ready(Ok(n)) = read(&mut s, &mut buf) {
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"0123456789");
}

#[test]
fn the_servers_close_is_echoed_and_reported() {
    let (mut s, far) = stream(&server_frame(Opcode::Close, b"\x03\xe9Server Shutdown"));
    let mut buf = [0u8; 64];
    let Poll::Ready(Err(err)) = read(&mut s, &mut buf) else {
        panic!("the close ends the stream with its reason");
    };
    assert!(
        err.to_string().contains("status 1001, \"Server Shutdown\""),
        "{err}"
    );
    let written = far.lock().expect("not poisoned").written.clone();
    assert_eq!(
        client_frames(&written),
        [(Opcode::Close, b"\x03\xe9".to_vec())]
    );
    let write = Pin::new(&mut s).poll_write(&mut cx(), b"PUB a 0\r\n\r\n");
    assert!(
        matches!(write, Poll::Ready(Err(_))),
        "nothing is sent after a close"
    );
}

#[test]
fn a_frame_breaking_the_protocol_is_an_error() {
    let (mut s, _) = stream(&[0x82, 0x81, 1, 2, 3, 4, 0]);
    let Poll::Ready(Err(err)) = read(&mut s, &mut [0u8; 8]) else {
        panic!("a masked server frame is refused");
    };
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn writes_become_masked_frames_of_bounded_size() {
    let (mut s, far) = stream(&[]);
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let (a, b) = data.split_at(40_000);
    let mut taken = 0;
    while taken < data.len() {
        let rest = &data[taken..];
        let slices = if taken == 0 {
            vec![IoSlice::new(a), IoSlice::new(b)]
        } else {
            vec![IoSlice::new(rest)]
        };
        match Pin::new(&mut s).poll_write_vectored(&mut cx(), &slices) {
            Poll::Ready(Ok(n)) => taken += n,
            other => panic!("an open socket takes the bytes: {other:?}"),
        }
    }
    let written = far.lock().expect("not poisoned").written.clone();
    let frames = client_frames(&written);
    assert_eq!(frames.len(), 2);
    assert!(
        frames
            .iter()
            .all(|(op, p)| *op == Opcode::Binary && p.len() <= MAX_FRAME_PAYLOAD)
    );
    assert_eq!(frames.concat_payloads(), data);
}

#[test]
fn a_frame_the_socket_did_not_take_leaves_on_flush() {
    let (mut s, far) = stream(&[]);
    far.lock().expect("not poisoned").budget = Some(5);
    let write = Pin::new(&mut s).poll_write(&mut cx(), b"PUB a 2\r\nhi\r\n");
    assert!(
        matches!(write, Poll::Ready(Ok(13))),
        "the frame is taken whole: {write:?}"
    );
    assert!(Pin::new(&mut s).poll_flush(&mut cx()).is_pending());
    far.lock().expect("not poisoned").budget = None;
    assert!(matches!(
        Pin::new(&mut s).poll_flush(&mut cx()),
        Poll::Ready(Ok(()))
    ));
    let far = far.lock().expect("not poisoned");
    assert_eq!(
        client_frames(&far.written),
        [(Opcode::Binary, b"PUB a 2\r\nhi\r\n".to_vec())]
    );
    assert!(far.flushes > 0, "the socket underneath is flushed too");
}

trait Payloads {
    fn concat_payloads(&self) -> Vec<u8>;
}

impl Payloads for Vec<(Opcode, Vec<u8>)> {
    fn concat_payloads(&self) -> Vec<u8> {
        self.iter().flat_map(|(_, p)| p.iter().copied()).collect()
    }
}
