//! natbus over tokio: the [`Runtime`] implementation and a re-export of the whole API.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = natbus_tokio::connect("nats://127.0.0.1:4222").await?;
//! client.publish("greetings", "hello").await?;
//! client.drain().await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

use natbus::proto::time::Instant;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

pub use natbus::*;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Runs natbus on the current tokio runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioRuntime;

impl Runtime for TokioRuntime {
    fn connect(&self, host: &str, port: u16) -> BoxFuture<io::Result<Dialed>> {
        let host = host.to_owned();
        Box::pin(async move {
            let stream = TcpStream::connect((host.as_str(), port)).await?;
            stream.set_nodelay(true)?;
            // A duplicate descriptor (non-blocking, like the original) lets a request be
            // written from the task that makes it; see `natbus::DirectWrite`.
            let std_stream = stream.into_std()?;
            let direct = std_stream.try_clone()?;
            let stream = TcpStream::from_std(std_stream)?;
            Ok(Dialed::new(Box::new(Compat(stream))).with_direct_writer(Box::new(direct)))
        })
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<()> {
        Box::pin(tokio::time::sleep_until(deadline.into()))
    }

    fn spawn(&self, future: BoxFuture<()>) {
        tokio::spawn(future);
    }
}

/// The tokio runtime as a shareable [`Runtime`].
pub fn runtime() -> Arc<dyn Runtime> {
    Arc::new(TokioRuntime)
}

/// Connects to `url` (one or more comma-separated URLs) with default options.
///
/// # Errors
/// [`ConnectError`] when no server accepts the connection.
pub async fn connect(url: &str) -> Result<Client, ConnectError> {
    connect_with(ConnectOptions::new().server(url)).await
}

/// Connects with `options` on the current tokio runtime.
///
/// # Errors
/// [`ConnectError`] when no server accepts the connection.
pub async fn connect_with(options: ConnectOptions) -> Result<Client, ConnectError> {
    natbus::connect_with(runtime(), options).await
}

/// Adapts tokio's IO traits to the `futures-io` ones natbus drives: the sockets it dials,
/// and any tokio reader handed to natbus, e.g. a `tokio::fs::File` given to
/// [`ObjectStore::put`](jetstream::ObjectStore::put) so the file is streamed, not loaded.
#[derive(Debug)]
pub struct Compat<T>(T);

impl<T> Compat<T> {
    /// Wraps a tokio reader or writer.
    pub fn new(io: T) -> Self {
        Self(io)
    }
}

impl<T: AsyncRead + Unpin> futures_io::AsyncRead for Compat<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut read = ReadBuf::new(buf);
        match Pin::new(&mut self.0).poll_read(cx, &mut read) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(read.filled().len())),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncWrite + Unpin> futures_io::AsyncWrite for Compat<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
