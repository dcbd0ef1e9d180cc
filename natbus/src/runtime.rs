//! The runtime trait: the only thing an async runtime has to provide to run natbus.
//!
//! It is object safe on purpose: a [`Client`](crate::Client) holds an `Arc<dyn Runtime>`,
//! so the client type is the same whichever runtime drives it. The boxing costs one
//! allocation per dial or timer, never one per message.

use natbus_proto::time::{Instant, SystemTime};
use std::future::Future;
use std::io::{self, IoSlice, Write};
use std::pin::Pin;
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};

use crate::websocket::WebSocketTarget;

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A connected byte stream: TCP, TLS over TCP, or the NATS bytes carried by a WebSocket.
pub trait Socket: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Socket for T {}

/// A second, non-blocking way to write to a dialled socket, usable from any thread while
/// the connection driver owns the [`Socket`].
///
/// Why: a request (or a reply) written by the task that makes it reaches the server
/// without first waking the driver task, which on a multi-thread runtime is a thread
/// hop per message on the latency path. natbus uses it only when nothing else is queued
/// or being written, so the byte order on the wire is unchanged; anything the socket does
/// not take at once goes to the driver as usual.
pub trait DirectWrite: Send + Sync + 'static {
    /// Writes what the socket accepts right now, without waiting: `Ok(n)` for `n` bytes
    /// taken, an `io::ErrorKind::WouldBlock` error when it takes nothing.
    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize>;
}

/// A duplicate of the dialled socket's descriptor (`TcpStream::try_clone`) in
/// non-blocking mode, as both adapters make it.
impl DirectWrite for std::net::TcpStream {
    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        (&*self).write_vectored(bufs)
    }
}

/// What [`Runtime::connect`] returns: the socket, and optionally a [`DirectWrite`] to it.
pub struct Dialed {
    pub(crate) socket: Box<dyn Socket>,
    pub(crate) direct: Option<Box<dyn DirectWrite>>,
}

impl Dialed {
    /// A dialled socket that only the driver writes to.
    pub fn new(socket: Box<dyn Socket>) -> Self {
        Dialed {
            socket,
            direct: None,
        }
    }

    /// Adds a direct writer. It must write to the same connection as the socket and must
    /// not keep it open once both are dropped (a duplicated descriptor is fine: natbus
    /// drops the writer together with the socket).
    pub fn with_direct_writer(mut self, direct: Box<dyn DirectWrite>) -> Self {
        self.direct = Some(direct);
        self
    }

    /// The socket and the direct writer, for a runtime that wraps another runtime's
    /// sockets (to inject faults in tests, or to meter traffic) and builds a new `Dialed`.
    pub fn into_parts(self) -> (Box<dyn Socket>, Option<Box<dyn DirectWrite>>) {
        (self.socket, self.direct)
    }
}

impl std::fmt::Debug for Dialed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialed")
            .field("direct", &self.direct.is_some())
            .finish_non_exhaustive()
    }
}

/// A sleep of `d` on `rt`; a `d` of [`NEVER`](natbus_proto::time::NEVER) or more
/// (`Duration::MAX`) sleeps "forever" instead of panicking (see
/// [`natbus_proto::time::deadline`], the one rule for user durations).
pub(crate) fn sleep_for(rt: &dyn Runtime, d: Duration) -> BoxFuture<()> {
    rt.sleep_until(natbus_proto::time::deadline(rt.now(), d))
}

/// What natbus needs from an async runtime.
pub trait Runtime: Send + Sync + 'static {
    /// Opens a TCP connection to `host:port` (with `TCP_NODELAY` set).
    fn connect(&self, host: &str, port: u16) -> BoxFuture<io::Result<Dialed>>;

    /// Opens a WebSocket to `target` with the platform's own WebSocket, for a runtime that
    /// has one and no TCP (a browser). The default, `None`, means "natbus does it": it
    /// dials TCP with [`connect`](Self::connect), runs TLS for `wss` with the same rustls
    /// configuration as `tls://`, makes the HTTP upgrade and frames the NATS bytes itself.
    /// Native runtimes keep the default.
    ///
    /// A runtime that returns `Some` owns everything under the NATS bytes:
    /// - TLS when [`WebSocketTarget::is_tls`] (open [`WebSocketTarget::url`], which says
    ///   `wss` then), the upgrade, framing, answering pings and the closing handshake;
    /// - the future completes once the WebSocket is open (the browser's `open` event), or
    ///   with an error saying why it could not open;
    /// - the [`Socket`] in the [`Dialed`] reads the payload bytes of the server's binary
    ///   (or text) messages, concatenated in order, whatever their framing: NATS is a byte
    ///   stream, so message boundaries mean nothing. Writes send bytes as binary messages,
    ///   split however the runtime likes, in order. A read returns `Ok(0)` once the
    ///   WebSocket is closed, or an error (say why, e.g. the close code and reason);
    ///   buffering must be bounded (stop reading or fail rather than grow without limit);
    /// - dropping the socket, or the future before it completes, closes the WebSocket:
    ///   natbus drops the future when the connect timeout passes.
    ///
    /// natbus never makes direct writes to a WebSocket (frames are written whole by one
    /// writer), so a [`DirectWrite`] in the returned [`Dialed`] is dropped unused.
    fn connect_websocket(&self, target: &WebSocketTarget) -> Option<BoxFuture<io::Result<Dialed>>> {
        let _ = target;
        None
    }

    /// A future that completes at `deadline`.
    fn sleep_until(&self, deadline: Instant) -> BoxFuture<()>;

    /// Runs `future` in the background until it completes.
    fn spawn(&self, future: BoxFuture<()>);

    /// The current time. Tests may substitute a virtual clock.
    fn now(&self) -> Instant {
        Instant::now()
    }

    /// The wall-clock time, for timestamps natbus writes (a service's `started`, an
    /// object's `mtime`). A simulation substitutes its virtual clock, so that a seeded run
    /// writes the same bytes every time.
    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }
}
