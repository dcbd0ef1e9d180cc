//! [`WebSocketStream`]: a [`Socket`] whose bytes are the NATS stream inside WebSocket frames.
//!
//! The framing is natbus-proto's sans-IO codec; this file only moves bytes between it and
//! the socket underneath (TCP, or TLS for `wss://`). Memory is fixed: one read buffer, and
//! a write buffer of at most one data frame plus the control frames that answer the server.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncRead, AsyncWrite};
use natbus_proto::websocket::{FrameReader, FrameWriter, ReadOutput};

use crate::runtime::Socket;

/// Bytes of NATS data per frame written: large enough that the header is noise, small
/// enough that masking one frame stays in cache.
const MAX_FRAME_PAYLOAD: usize = 64 * 1024;

/// The close code sent when natbus closes: normal closure.
const NORMAL_CLOSURE: u16 = 1000;

pub(crate) struct WebSocketStream {
    inner: Box<dyn Socket>,
    reader: FrameReader,
    writer: FrameWriter,
    /// Bytes read from `inner`; `read_buf[read_at..read_end]` are not taken apart yet.
    read_buf: Box<[u8]>,
    read_at: usize,
    read_end: usize,
    /// Frames not yet written in full; `write_buf[write_at..]` is left.
    write_buf: Vec<u8>,
    write_at: usize,
    /// Why the stream is over, once the server's close frame arrived (reported after our
    /// answer is written, best effort).
    closed_by_server: Option<String>,
    /// Our close frame is queued: nothing more is written.
    close_sent: bool,
}

impl WebSocketStream {
    /// A stream over `inner`, the upgrade done, with `read_buf[at..end]` already read (the
    /// first frames may come in the same read as the upgrade response).
    pub(crate) fn new(
        inner: Box<dyn Socket>,
        writer: FrameWriter,
        read_buf: Box<[u8]>,
        at: usize,
        end: usize,
    ) -> Self {
        WebSocketStream {
            inner,
            reader: FrameReader::new(),
            writer,
            read_buf,
            read_at: at,
            read_end: end,
            write_buf: Vec::new(),
            write_at: 0,
            closed_by_server: None,
            close_sent: false,
        }
    }

    /// Writes what is queued, then flushes the socket underneath (TLS may hold records
    /// back otherwise): `Ready` once everything queued is out.
    fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.write_at < self.write_buf.len() {
            let rest = &self.write_buf[self.write_at..];
            match ready!(Pin::new(&mut *self.inner).poll_write(cx, rest))? {
                0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                n => self.write_at += n,
            }
        }
        self.write_buf.clear();
        self.write_at = 0;
        Pin::new(&mut *self.inner).poll_flush(cx)
    }

    /// Takes apart buffered bytes into `buf`; returns how many data bytes it filled.
    fn take_apart(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        while self.read_at < self.read_end && filled < buf.len() && !self.reader.is_closed() {
            // At most the room left in `buf`, so that data never overflows it.
            let end = self.read_end.min(self.read_at + (buf.len() - filled));
            let input = &self.read_buf[self.read_at..end];
            let (used, output) = self
                .reader
                .read(input)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            match output {
                ReadOutput::Data(data) => {
                    buf[filled..filled + data.len()].copy_from_slice(data);
                    filled += data.len();
                }
                ReadOutput::Ping(payload) if !self.close_sent => {
                    self.writer.pong(&mut self.write_buf, payload.as_bytes());
                }
                ReadOutput::Close(frame) => {
                    if !self.close_sent {
                        let code = frame.code.unwrap_or(NORMAL_CLOSURE);
                        self.writer.close(&mut self.write_buf, code, "");
                        self.close_sent = true;
                    }
                    self.closed_by_server =
                        Some(format!("the server closed the WebSocket ({frame})"));
                }
                _ => {}
            }
            self.read_at += used;
        }
        Ok(filled)
    }
}

impl AsyncRead for WebSocketStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            // Answers to pings (and to a close) leave as soon as they are due; a socket that
            // cannot take them now wakes this task when it can.
            if let Poll::Ready(Err(e)) = this.poll_send(cx) {
                return Poll::Ready(Err(e));
            }
            let filled = this.take_apart(buf)?;
            if filled > 0 {
                if this.write_at < this.write_buf.len() {
                    let _ = this.poll_send(cx)?;
                }
                return Poll::Ready(Ok(filled));
            }
            if let Some(reason) = this.closed_by_server.clone() {
                let _ = this.poll_send(cx);
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    reason,
                )));
            }
            if this.read_at < this.read_end {
                // Only possible with an empty `buf`.
                return Poll::Ready(Ok(0));
            }
            let n = ready!(Pin::new(&mut *this.inner).poll_read(cx, &mut this.read_buf))?;
            if n == 0 {
                return Poll::Ready(Ok(0));
            }
            (this.read_at, this.read_end) = (0, n);
        }
    }
}

impl AsyncWrite for WebSocketStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_send(cx))?;
        if this.close_sent {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the WebSocket is closing",
            )));
        }
        if bufs.iter().all(|b| b.is_empty()) {
            return Poll::Ready(Ok(0));
        }
        let taken = this
            .writer
            .binary(&mut this.write_buf, bufs, MAX_FRAME_PAYLOAD);
        // The frame is ours now: what the socket does not take at once leaves with the next
        // write or flush (the driver flushes once its queue is empty).
        if let Poll::Ready(Err(e)) = this.poll_send(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(taken))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_send(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.close_sent {
            this.close_sent = true;
            this.writer.close(&mut this.write_buf, NORMAL_CLOSURE, "");
        }
        // Best effort: a socket that fails here is being dropped anyway.
        let _ = ready!(this.poll_send(cx));
        Pin::new(&mut *this.inner).poll_close(cx)
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
