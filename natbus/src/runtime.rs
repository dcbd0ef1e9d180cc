//! The runtime trait: the only thing an async runtime has to provide to run natbus.
//!
//! It is object safe on purpose: a [`Client`](crate::Client) holds an `Arc<dyn Runtime>`,
//! so the client type is the same whichever runtime drives it. The boxing costs one
//! allocation per dial or timer, never one per message.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Instant;

use futures_io::{AsyncRead, AsyncWrite};

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A connected byte stream (TCP, or TLS over TCP).
pub trait Socket: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Socket for T {}

/// What natbus needs from an async runtime.
pub trait Runtime: Send + Sync + 'static {
    /// Opens a TCP connection to `host:port` (with `TCP_NODELAY` set).
    fn connect(&self, host: &str, port: u16) -> BoxFuture<io::Result<Box<dyn Socket>>>;

    /// A future that completes at `deadline`.
    fn sleep_until(&self, deadline: Instant) -> BoxFuture<()>;

    /// Runs `future` in the background until it completes.
    fn spawn(&self, future: BoxFuture<()>);

    /// The current time. Tests may substitute a virtual clock.
    fn now(&self) -> Instant {
        Instant::now()
    }
}
