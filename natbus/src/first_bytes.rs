//! What the server said first, kept to explain a failed TLS handshake.
//!
//! rustls reports a peer that does not speak TLS as a corrupt message; the first bytes say
//! why: `INFO` is a plain NATS port that does not start with TLS (`wss://` to a NATS port,
//! or TLS-first to a server without it), `HTTP/` a WebSocket or HTTP port without TLS.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::runtime::Socket;

/// Bytes kept: enough to recognise `INFO ` and `HTTP/`.
const KEPT: usize = 5;

/// The first bytes read through a [`Recording`] socket.
#[derive(Clone, Default)]
pub(crate) struct FirstBytes(Arc<Mutex<Vec<u8>>>);

impl FirstBytes {
    /// Wraps `socket` so that its first bytes are kept here.
    pub(crate) fn record(&self, socket: Box<dyn Socket>) -> Box<dyn Socket> {
        Box::new(Recording {
            inner: socket,
            first: self.clone(),
            full: false,
        })
    }

    /// `error` with what the server said first, when that explains it.
    pub(crate) fn explain(&self, error: io::Error) -> io::Error {
        let first = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let why = if first.starts_with(b"INFO") {
            "the server answered in plain NATS (INFO), not TLS: a NATS port that does not start with TLS (for wss:// use the server's WebSocket port; for TLS-first the server needs handshake_first)"
        } else if first.starts_with(b"HTTP/") {
            "the server answered in plain HTTP, not TLS: a WebSocket or HTTP port without TLS (use ws:// for a WebSocket port without TLS)"
        } else {
            return error;
        };
        io::Error::new(error.kind(), format!("{error}; {why}"))
    }
}

struct Recording {
    inner: Box<dyn Socket>,
    first: FirstBytes,
    /// The first bytes are kept: reads pass straight through.
    full: bool,
}

impl AsyncRead for Recording {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let result = Pin::new(&mut *this.inner).poll_read(cx, buf);
        if !this.full {
            if let Poll::Ready(Ok(n)) = &result {
                let mut first = this.first.0.lock().unwrap_or_else(PoisonError::into_inner);
                let take = (KEPT - first.len()).min(*n);
                first.extend_from_slice(&buf[..take]);
                this.full = first.len() >= KEPT;
            }
        }
        result
    }
}

impl AsyncWrite for Recording {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.inner).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.inner).poll_close(cx)
    }
}
