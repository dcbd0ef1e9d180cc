//! The connection driver: the one task per connection that owns the socket.
//!
//! It is written once, for every runtime, as a hand-polled future over the [`Runtime`]
//! trait: it reads the socket into the state machine, writes what the state machine
//! queued, dials when asked, and sleeps until the state machine's next deadline. (The one
//! write it does not make itself is a direct write by a handle while the wire is idle; see
//! [`crate::connection::direct`].) It never
//! names a protocol operation; all protocol decisions are made by `natbus-proto`.

use std::collections::VecDeque;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use natbus_proto::connection::Action;
use natbus_proto::time::Instant;

use crate::connection::shared::{Inner, Shared};
use crate::runtime::{BoxFuture, Dialed, Socket};
use crate::tls::{self, ClientConfig};
use crate::websocket;

/// Bytes read from the socket per read call.
const READ_BUFFER: usize = 64 * 1024;
/// Reads processed per poll before yielding, so one busy connection cannot starve a runtime.
const READS_PER_POLL: usize = 16;
/// Chunks handed to one vectored write.
const MAX_IOVECS: usize = 64;
/// Written chunks kept for recycling between two locked moments.
const RECYCLE_MAX: usize = 32;

pub(crate) struct Driver {
    shared: Arc<Shared>,
    socket: Option<Box<dyn Socket>>,
    dialing: Option<BoxFuture<io::Result<Dialed>>>,
    /// The TLS handshake on the socket taken out of `socket`.
    upgrading: Option<BoxFuture<io::Result<Box<dyn Socket>>>>,
    /// Built on the first TLS upgrade, so plain connections never read the system store.
    tls_config: Option<Arc<ClientConfig>>,
    timer: Option<(Instant, BoxFuture<()>)>,
    /// Bytes taken from the state machine and not yet written.
    writing: VecDeque<Bytes>,
    /// Close the socket once `writing` is empty (a flushing close).
    close_after_write: bool,
    /// Bytes were written since the socket was last flushed. A plain TCP socket needs no
    /// flush, but a TLS or WebSocket stream may hold bytes it accepted until flushed.
    unflushed: bool,
    read_buf: Box<[u8]>,
    taken: Vec<Bytes>,
    /// Chunks written in full, handed back to the state machine for reuse at the next
    /// locked moment (a few at most; the rest are dropped).
    written: Vec<Bytes>,
    /// An action was carried out since the last poll iteration: poll again.
    acted: bool,
}

impl Driver {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Driver {
            shared,
            socket: None,
            dialing: None,
            upgrading: None,
            tls_config: None,
            timer: None,
            writing: VecDeque::new(),
            close_after_write: false,
            unflushed: false,
            read_buf: vec![0u8; READ_BUFFER].into_boxed_slice(),
            taken: Vec::new(),
            written: Vec::new(),
            acted: false,
        }
    }

    fn now(&self) -> Instant {
        self.shared.runtime.now()
    }

    /// Runs `f` on the locked state, then carries out what it asked for.
    fn with_inner(&mut self, f: impl FnOnce(&mut Inner, Instant)) {
        let shared = self.shared.clone();
        let now = self.now();
        let mut inner = shared.lock();
        f(&mut inner, now);
        self.apply(&mut inner, now);
    }

    /// Drains actions, outbound bytes and events of the state machine.
    fn apply(&mut self, inner: &mut Inner, now: Instant) {
        for chunk in self.written.drain(..) {
            inner.conn.recycle(chunk);
        }
        loop {
            while let Some(action) = inner.conn.poll_action() {
                self.act(inner, action, now);
            }
            if self.socket.is_some() && self.writing.is_empty() {
                // What a direct write left over goes first: it was queued first.
                let handed = inner.direct.take_handoff(&mut self.writing);
                let n = inner.conn.poll_transmit(&mut self.taken);
                if n > 0 {
                    self.writing.extend(self.taken.drain(..));
                }
                if n > 0 || handed {
                    inner.wake_space_waiters();
                }
            }
            inner.direct.set_driver_busy(!self.writing.is_empty());
            inner.route_events();
            // Routing can trigger no new actions, but an action can (a refused TLS upgrade).
            if !inner.conn.has_pending_actions() {
                break;
            }
        }
    }

    fn act(&mut self, inner: &mut Inner, action: Action, now: Instant) {
        self.acted = true;
        match action {
            Action::Dial { server } => {
                self.drop_socket(inner);
                tracing::debug!(%server, "dialing");
                self.dialing = Some(if server.is_websocket() {
                    let (shared, cache) = (&self.shared, &mut self.tls_config);
                    websocket::dial(&shared.runtime, &mut inner.conn, &server, || {
                        tls_config(cache, shared)
                    })
                } else {
                    self.shared.runtime.connect(&server.host, server.port)
                });
            }
            Action::Close { flush } => {
                self.dialing = None;
                if flush && self.socket.is_some() {
                    self.close_after_write = true;
                } else {
                    self.drop_socket(inner);
                }
            }
            Action::UpgradeTls { server } => {
                let name = inner.conn.tls_server_name(&server);
                let config = tls_config(&mut self.tls_config, &self.shared);
                match (self.socket.take(), config) {
                    (Some(socket), Ok(config)) => {
                        tracing::debug!(%server, %name, "starting TLS");
                        self.writing.clear();
                        // A TLS stream has no direct writer: only the driver writes.
                        inner.direct.detach();
                        self.upgrading = Some(tls::upgrade(config, &name, socket));
                    }
                    (_, Err(e)) => {
                        let reason = format!("TLS setup failed: {e}");
                        tracing::warn!(%server, %reason);
                        self.drop_socket(inner);
                        inner.conn.handle_disconnected(now, &reason);
                    }
                    (None, Ok(_)) => {
                        inner
                            .conn
                            .handle_disconnected(now, "no open socket to upgrade to TLS");
                    }
                }
            }
            other => tracing::warn!(?other, "unknown driver action ignored"),
        }
    }

    /// Drops the socket and its direct writer together: the writer's duplicate descriptor
    /// would otherwise keep the connection open.
    fn drop_socket(&mut self, inner: &mut Inner) {
        self.socket = None;
        self.unflushed = false;
        self.upgrading = None;
        self.writing.clear();
        self.close_after_write = false;
        inner.direct.detach();
    }

    fn lost(&mut self, reason: String) {
        let shared = self.shared.clone();
        let now = self.now();
        let mut inner = shared.lock();
        self.drop_socket(&mut inner);
        inner.conn.handle_disconnected(now, &reason);
        self.apply(&mut inner, now);
    }

    fn poll_dial(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(result) = poll_socket_future(&mut self.dialing, cx) else {
            return false;
        };
        match result {
            Ok(Dialed { socket, direct }) => {
                self.socket = Some(socket);
                self.with_inner(|inner, now| {
                    inner.direct.attach(direct);
                    inner.conn.handle_connected(now);
                });
            }
            Err(e) => {
                let reason = e.to_string();
                self.with_inner(|inner, now| inner.conn.handle_dial_failed(now, &reason));
            }
        }
        true
    }

    fn poll_upgrade(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(result) = poll_socket_future(&mut self.upgrading, cx) else {
            return false;
        };
        match result {
            Ok(socket) => {
                self.socket = Some(socket);
                self.with_inner(|inner, now| inner.conn.handle_tls_upgraded(now));
            }
            Err(e) => {
                let reason = format!("TLS handshake failed: {e}");
                tracing::warn!(%reason);
                self.with_inner(|inner, now| inner.conn.handle_disconnected(now, &reason));
            }
        }
        true
    }

    fn poll_read(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        for _ in 0..READS_PER_POLL {
            if self.close_after_write {
                break;
            }
            let Some(socket) = self.socket.as_mut() else {
                break;
            };
            let r = Pin::new(&mut **socket).poll_read(cx, &mut self.read_buf);
            let n = match r {
                Poll::Pending => break,
                Poll::Ready(Ok(0)) => {
                    self.lost("the server closed the connection".to_owned());
                    return true;
                }
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => {
                    self.lost(e.to_string());
                    return true;
                }
            };
            progress = true;
            let shared = self.shared.clone();
            let now = self.now();
            let mut inner = shared.lock();
            let before = inner.conn.statistics().in_msgs;
            inner.conn.handle_read(&self.read_buf[..n], now);
            let messages = inner.conn.statistics().in_msgs - before;
            inner.direct.after_read(messages);
            self.apply(&mut inner, now);
        }
        progress
    }

    fn poll_write(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        loop {
            if self.writing.is_empty() {
                let shared = self.shared.clone();
                let now = self.now();
                let mut inner = shared.lock();
                self.apply(&mut inner, now);
                if self.writing.is_empty() {
                    break;
                }
            }
            let Some(socket) = self.socket.as_mut() else {
                break;
            };
            // On the stack: a write must not cost an allocation.
            let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
            let mut count = 0;
            for (slot, chunk) in slices.iter_mut().zip(&self.writing) {
                *slot = IoSlice::new(chunk);
                count += 1;
            }
            let slices = &slices[..count];
            let written = match Pin::new(&mut **socket).poll_write_vectored(cx, slices) {
                Poll::Pending => break,
                Poll::Ready(Ok(0)) => {
                    self.lost("the socket accepted no bytes".to_owned());
                    return true;
                }
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => {
                    self.lost(e.to_string());
                    return true;
                }
            };
            progress = true;
            self.unflushed = true;
            self.advance(written);
        }
        if self.unflushed && self.writing.is_empty() {
            if let Some(socket) = self.socket.as_mut() {
                match Pin::new(&mut **socket).poll_flush(cx) {
                    Poll::Pending => {}
                    Poll::Ready(Ok(())) => self.unflushed = false,
                    Poll::Ready(Err(e)) => {
                        self.lost(e.to_string());
                        return true;
                    }
                }
            }
        }
        if self.close_after_write && self.writing.is_empty() {
            if let Some(socket) = self.socket.as_mut() {
                if Pin::new(&mut **socket).poll_close(cx).is_pending() {
                    return progress;
                }
            }
            let shared = self.shared.clone();
            self.drop_socket(&mut shared.lock());
            progress = true;
        }
        progress
    }

    fn advance(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.writing.front_mut() else {
                return;
            };
            if front.len() <= n {
                n -= front.len();
                if let Some(chunk) = self.writing.pop_front()
                    && self.written.len() < RECYCLE_MAX
                {
                    self.written.push(chunk);
                }
            } else {
                front.advance(n);
                n = 0;
            }
        }
    }

    fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let shared = self.shared.clone();
        let mut inner = shared.lock();
        let Some(deadline) = inner.conn.poll_timeout() else {
            inner.timer_at = None;
            self.timer = None;
            return false;
        };
        // Re-arm only for an earlier deadline. Every request moves the earliest deadline
        // later (its own timeout), and replacing the sleep each time costs a timer
        // registration and removal per request. A sleep that fires before the real
        // deadline is harmless: `handle_timeout` acts only on what is due, and the next
        // turn arms the sleep for the deadline then current. A command that brings the
        // deadline earlier sees `timer_at` (set under the same lock) and wakes us.
        if self.timer.as_ref().is_none_or(|(at, _)| deadline < *at) {
            self.timer = Some((deadline, self.shared.runtime.sleep_until(deadline)));
        }
        inner.timer_at = self.timer.as_ref().map(|(at, _)| *at);
        drop(inner);
        let Some((_, sleep)) = self.timer.as_mut() else {
            return false;
        };
        if sleep.as_mut().poll(cx).is_pending() {
            return false;
        }
        self.timer = None;
        self.with_inner(|inner, now| inner.conn.handle_timeout(now));
        true
    }

    fn finished(&self) -> bool {
        self.socket.is_none()
            && self.dialing.is_none()
            && self.upgrading.is_none()
            && self.shared.lock().conn.is_closed()
    }
}

impl Drop for Driver {
    /// A driver dropped with its socket (its runtime shut down) takes the direct writer's
    /// duplicate descriptor along, so the connection really closes.
    fn drop(&mut self) {
        self.shared.lock().direct.detach();
    }
}

/// The rustls configuration, built on first use and kept in `cache`, so plain connections
/// never read the system store.
fn tls_config(
    cache: &mut Option<Arc<ClientConfig>>,
    shared: &Shared,
) -> Result<Arc<ClientConfig>, tls::TlsError> {
    if let Some(config) = cache {
        return Ok(config.clone());
    }
    let config = shared.options.tls.client_config()?;
    *cache = Some(config.clone());
    Ok(config)
}

/// Polls a pending dial or TLS upgrade; clears it and returns its result once it is done.
fn poll_socket_future<T>(
    pending: &mut Option<BoxFuture<io::Result<T>>>,
    cx: &mut Context<'_>,
) -> Option<io::Result<T>> {
    let result = match pending.as_mut()?.as_mut().poll(cx) {
        Poll::Ready(result) => result,
        Poll::Pending => return None,
    };
    *pending = None;
    Some(result)
}

impl Future for Driver {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        this.shared.driver.register(cx.waker());
        for _ in 0..32 {
            let mut progress = this.poll_dial(cx);
            progress |= this.poll_upgrade(cx);
            progress |= this.poll_read(cx);
            progress |= this.poll_write(cx);
            progress |= this.poll_timer(cx);
            progress |= std::mem::take(&mut this.acted);
            if this.finished() {
                tracing::debug!("connection driver finished");
                return Poll::Ready(());
            }
            if !progress {
                return Poll::Pending;
            }
        }
        // Still busy: let other tasks run, then continue.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
