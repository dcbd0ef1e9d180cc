//! State shared by the handles (`Client`, `Subscriber`) and the connection driver.
//!
//! One mutex guards the protocol state machine and the routing tables. Every critical
//! section is short and never spans an `.await`: a publish encodes into the outbound buffer
//! and returns; the driver decodes a read buffer's worth of messages and hands each to its
//! subscriber's mailbox. An uncontended mutex costs less than a channel hop per publish,
//! and it lets many small publishes coalesce into one write without a second copy.

use natbus_proto::time::Instant;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;

use atomic_waker::AtomicWaker;
use natbus_proto::connection::{
    CloseReason, Connection, Event, FlushError as ProtoFlushError, PublishLoss,
    RequestError as ProtoRequestError, SidMap, SubscriptionEnd,
};
use natbus_proto::info::ServerInfo;
use natbus_proto::jetstream::features::ServerSupport;
use natbus_proto::message::Message;

use crate::connection::direct::{DirectPath, Outcome};
use crate::connection::mailbox::Mailbox;
use crate::connection::oneshot;
use crate::error::ConnectError;
use crate::events::{ClientEvent, EVENT_BACKLOG};
use crate::options::ConnectOptions;
use crate::runtime::Runtime;

/// A subscription's delivery end, as the driver sees it.
#[derive(Debug)]
pub(crate) struct SubEntry {
    pub(crate) mailbox: Arc<Mailbox<Message>>,
    pub(crate) subject: String,
    /// True while messages are being dropped, so the slow-consumer event fires once per episode.
    pub(crate) slow: bool,
}

/// Deliveries to one subscription: drops, and how many times it went from keeping up to
/// dropping (each such episode is reported once).
#[derive(Debug, Clone, Copy)]
struct Tally {
    slow: bool,
    dropped: u64,
    episodes: usize,
}

impl Tally {
    fn new(slow: bool) -> Self {
        Tally {
            slow,
            dropped: 0,
            episodes: 0,
        }
    }

    fn record(&mut self, accepted: bool) {
        if accepted {
            self.slow = false;
        } else {
            self.dropped += 1;
            if !self.slow {
                self.slow = true;
                self.episodes += 1;
            }
        }
    }
}

/// Everything behind the lock.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) conn: Connection,
    pub(crate) subscribers: SidMap<SubEntry>,
    /// Reply waiters by request id (`RequestId.0`): a `SidMap`, as the ids are small
    /// unique counters that need no SipHash.
    pub(crate) replies: SidMap<oneshot::Sender<Result<Message, ProtoRequestError>>>,
    pub(crate) flushes: HashMap<u64, oneshot::Sender<Result<(), ProtoFlushError>>>,
    pub(crate) space_waiters: Vec<Waker>,
    pub(crate) listeners: Vec<Arc<Mailbox<ClientEvent>>>,
    pub(crate) first_connect: Option<oneshot::Sender<Result<(), ConnectError>>>,
    pub(crate) closed: Option<CloseReason>,
    pub(crate) closed_waiters: Vec<oneshot::Sender<()>>,
    pub(crate) slow_consumer_drops: u64,
    /// Writing from the caller's task when the wire is idle.
    pub(crate) direct: DirectPath,
    /// The deadline the driver's timer is armed for: a command that brings the state
    /// machine's next deadline before it must wake the driver to re-arm.
    pub(crate) timer_at: Option<Instant>,
    /// What the connected server can do, parsed once from each INFO (see
    /// [`ConnectedServer`]).
    pub(crate) server: Option<ConnectedServer>,
    /// The `server_id` of the last INFO, to tell a new server from an INFO update.
    pub(crate) server_id: Option<String>,
}

/// The connected server's facts that feature checks need, kept per connection: set from
/// the handshake INFO of every (re)connection, so a reconnect to another server is seen by
/// the next check. The last server's facts stay while reconnecting, since queued requests
/// most likely go to a server of the same cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConnectedServer {
    /// Version and JetStream API level.
    pub(crate) support: ServerSupport,
    /// The server runs JetStream itself (INFO `jetstream`); when it does not, JetStream
    /// requests are answered by some other server whose version INFO does not tell.
    pub(crate) jetstream: bool,
    /// Changes whenever INFO names another server (its `server_id`), so answers cached
    /// about "the server" (the `$JS.API.INFO` level) can tell they are stale.
    pub(crate) generation: u64,
}

/// The shared half of a connection.
pub(crate) struct Shared {
    pub(crate) inner: Mutex<Inner>,
    /// Wakes the driver when a handle queued bytes or state.
    pub(crate) driver: AtomicWaker,
    pub(crate) runtime: Arc<dyn Runtime>,
    pub(crate) options: ConnectOptions,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl Shared {
    /// Locks the state. A panic in a critical section (a bug) must not take every other
    /// handle down with it, so a poisoned lock is recovered.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the state and wakes the driver when it left work for it.
    ///
    /// Bytes queued behind bytes that were already waiting need no wake-up: whoever queued
    /// the first of them woke the driver, and it takes everything queued when it runs. So
    /// a burst of publishes costs one wake-up, not one atomic hand-off per message.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let (r, wake) = {
            let mut inner = self.lock();
            let was_waiting = inner.conn.pending_bytes() > 0;
            let r = f(&mut inner);
            inner.route_events();
            let mut wake = inner.conn.wants_write() && !was_waiting;
            if wake {
                wake = inner.write_direct() != Outcome::Written;
            }
            let conn = &inner.conn;
            wake |= conn.has_pending_actions() || conn.is_closed();
            (r, wake)
        };
        if wake {
            self.driver.wake();
        }
        r
    }
}

impl Inner {
    /// Delivers every pending event of the state machine to whoever waits for it.
    ///
    /// Consecutive messages for one subscription (a read's worth, typically) go to its
    /// mailbox as one batch: one lock and at most one wake-up, not one per message.
    pub(crate) fn route_events(&mut self) {
        let mut next = self.conn.poll_event();
        while let Some(event) = next.take() {
            let Event::Message { sid, message } = event else {
                self.route(event);
                next = self.conn.poll_event();
                continue;
            };
            let Some(entry) = self.subscribers.get_mut(&sid) else {
                next = self.conn.poll_event();
                continue;
            };
            let mut tally = Tally::new(entry.slow);
            {
                let mut batch = entry.mailbox.batch();
                let size = message.size();
                tally.record(batch.push(message, size));
                loop {
                    next = self.conn.poll_event();
                    match next {
                        Some(Event::Message { sid: s, .. }) if s == sid => {
                            if let Some(Event::Message { message, .. }) = next.take() {
                                let size = message.size();
                                tally.record(batch.push(message, size));
                            }
                        }
                        _ => break,
                    }
                }
            }
            entry.slow = tally.slow;
            if tally.dropped > 0 {
                let subject = entry.subject.clone();
                self.slow_consumer(sid, &subject, tally);
            }
        }
    }

    fn route(&mut self, event: Event) {
        match event {
            Event::Message { sid, message } => self.deliver(sid, message),
            Event::Reply { id, result } => {
                if let Some(tx) = self.replies.remove(&id.0) {
                    tx.send(result);
                }
            }
            Event::Flushed { id, result } => {
                if let Some(tx) = self.flushes.remove(&id) {
                    tx.send(result);
                }
            }
            Event::SubscriptionEnded { sid, reason } => {
                if let Some(entry) = self.subscribers.remove(&sid) {
                    tracing::debug!(sid, subject = %entry.subject, ?reason, "subscription ended");
                    match reason {
                        SubscriptionEnd::PermissionDenied(err) => {
                            entry.mailbox.close_with_error(err.to_string());
                        }
                        _ => entry.mailbox.close(),
                    }
                }
            }
            Event::Connected {
                server,
                reconnected,
            } => {
                let server = server.to_string();
                if reconnected {
                    tracing::info!(%server, "reconnected");
                    self.emit(ClientEvent::Reconnected { server });
                } else {
                    tracing::info!(%server, "connected");
                    self.emit(ClientEvent::Connected { server });
                }
                if let Some(tx) = self.first_connect.take() {
                    tx.send(Ok(()));
                }
            }
            Event::Disconnected { reason, loss } => {
                if loss.is_none() {
                    tracing::warn!(%reason, "disconnected");
                } else {
                    tracing::warn!(%reason, %loss, "disconnected; publishes may be lost");
                }
                self.emit(ClientEvent::Disconnected {
                    reason: reason.to_string(),
                    possibly_lost: loss,
                });
            }
            Event::ConnectFailed { server, reason } => {
                tracing::warn!(%server, %reason, "connect attempt failed");
                self.emit(ClientEvent::ConnectFailed {
                    server: server.to_string(),
                    reason: reason.to_string(),
                });
            }
            Event::MessageDropped { sid, error } => {
                let subject = self.subscribers.get(&sid).map(|e| e.subject.clone());
                tracing::warn!(sid, ?subject, %error, "dropped a message the server forwarded: its subject is not valid");
            }
            Event::ServerError(err) => {
                tracing::warn!(%err, "server error");
                self.emit(ClientEvent::ServerError(err.to_string()));
            }
            Event::ServerInfo(info) => {
                tracing::debug!(server = %info.server_name, version = %info.version, "server info");
                self.note_server(&info);
            }
            Event::LameDuck => {
                tracing::warn!("server entered lame-duck mode");
                self.emit(ClientEvent::LameDuck);
            }
            Event::ServersDiscovered => {
                tracing::info!("discovered cluster servers");
                self.emit(ClientEvent::ServersDiscovered);
            }
            Event::Closed { reason, loss } => self.on_closed(reason, loss),
            other => tracing::trace!(?other, "event"),
        }
    }

    /// Updates [`Inner::server`] from an INFO: a new generation when the server changed.
    fn note_server(&mut self, info: &ServerInfo) {
        let changed = self.server_id.as_deref() != Some(info.server_id.as_str());
        if changed {
            self.server_id = Some(info.server_id.clone());
        }
        let generation = match self.server {
            Some(s) if !changed => s.generation,
            Some(s) => s.generation + 1,
            None => 0,
        };
        self.server = Some(ConnectedServer {
            support: ServerSupport::from_info(info),
            jetstream: info.jetstream,
            generation,
        });
    }

    fn deliver(&mut self, sid: u64, message: Message) {
        let Some(entry) = self.subscribers.get_mut(&sid) else {
            return;
        };
        let mut tally = Tally::new(entry.slow);
        let size = message.size();
        tally.record(entry.mailbox.batch().push(message, size));
        entry.slow = tally.slow;
        if tally.dropped > 0 {
            let subject = entry.subject.clone();
            self.slow_consumer(sid, &subject, tally);
        }
    }

    /// Counts dropped messages, with one slow-consumer event per episode.
    fn slow_consumer(&mut self, sid: u64, subject: &str, tally: Tally) {
        self.slow_consumer_drops += tally.dropped;
        for _ in 0..tally.episodes {
            tracing::warn!(sid, %subject, "slow consumer: subscription buffer full, dropping messages");
            self.emit(ClientEvent::SlowConsumer {
                sid,
                subject: subject.to_owned(),
            });
        }
    }

    fn on_closed(&mut self, reason: CloseReason, loss: PublishLoss) {
        if loss.is_none() {
            tracing::info!(%reason, "connection closed");
        } else {
            tracing::warn!(%reason, %loss, "connection closed; publishes may be lost");
        }
        if let Some(tx) = self.first_connect.take() {
            tx.send(Err(ConnectError::from_close(&reason)));
        }
        for (_, entry) in self.subscribers.drain() {
            entry.mailbox.close();
        }
        for (_, tx) in self.replies.drain() {
            tx.send(Err(ProtoRequestError::Closed));
        }
        for (_, tx) in self.flushes.drain() {
            tx.send(Err(ProtoFlushError::Closed));
        }
        for w in self.space_waiters.drain(..) {
            w.wake();
        }
        self.emit(ClientEvent::Closed {
            reason: reason.to_string(),
            possibly_lost: loss,
        });
        for l in &self.listeners {
            l.close();
        }
        self.closed = Some(reason);
        for tx in self.closed_waiters.drain(..) {
            tx.send(());
        }
    }

    /// Closes everything after the connection driver panicked, with `reason`.
    ///
    /// The state machine may have been half-way through a change when the panic struck,
    /// so it is closed under a guard (so that later calls fail as closed) and what it
    /// queued is discarded; then every waiter ends as at any close. A client that was
    /// already closed stays closed with its first reason.
    pub(crate) fn close_after_panic(&mut self, now: Instant, reason: CloseReason) {
        self.direct.detach();
        if self.closed.is_some() {
            return;
        }
        let conn = &mut self.conn;
        let mut loss = PublishLoss::default();
        let closed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            conn.close(now);
            while let Some(event) = conn.poll_event() {
                if let Event::Closed { loss: l, .. } = event {
                    loss = l;
                }
            }
            while conn.poll_action().is_some() {}
        }));
        if closed.is_err() {
            tracing::error!("closing the state machine after a driver panic panicked too");
        }
        self.on_closed(reason, loss);
    }

    /// Sends an event to every listener still alive.
    pub(crate) fn emit(&mut self, event: ClientEvent) {
        self.listeners.retain(|l| Arc::strong_count(l) > 1);
        for l in &self.listeners {
            // A listener more than EVENT_BACKLOG behind misses this one (bounded memory).
            let _ = l.push(event.clone(), 0);
        }
    }

    /// A new listener for lifecycle events.
    pub(crate) fn listen(&mut self) -> Arc<Mailbox<ClientEvent>> {
        let mailbox = Arc::new(Mailbox::new(EVENT_BACKLOG, usize::MAX));
        if self.closed.is_some() {
            mailbox.close();
        } else {
            self.listeners.push(mailbox.clone());
        }
        mailbox
    }

    /// Writes the freshly queued bytes from the caller's task when the wire is idle (see
    /// [`crate::connection::direct`]); anything not written is left for the driver.
    fn write_direct(&mut self) -> Outcome {
        let outcome = self.direct.write(&mut self.conn);
        if outcome != Outcome::Declined {
            self.wake_space_waiters();
        }
        outcome
    }

    /// Wakes publishers waiting for buffer space.
    pub(crate) fn wake_space_waiters(&mut self) {
        for w in self.space_waiters.drain(..) {
            w.wake();
        }
    }
}
