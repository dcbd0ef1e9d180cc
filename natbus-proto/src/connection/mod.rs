//! The client connection state machine: it composes the codec, the subscription table, the
//! request mux, keep-alive and the reconnect policy.
//!
//! # The run loop
//!
//! A driver (the `natbus` crate has one; tests have a scripted one) owns a [`Connection`]
//! and a socket, and repeats:
//!
//! 1. Feed input: bytes read go to [`Connection::handle_read`]; a finished dial to
//!    [`Connection::handle_connected`] or [`Connection::handle_dial_failed`]; a dead socket
//!    to [`Connection::handle_disconnected`]; an expired timer to
//!    [`Connection::handle_timeout`].
//! 2. Drain outputs until they are empty: [`Connection::poll_action`] (dial, upgrade, close),
//!    [`Connection::poll_event`] (messages, replies, lifecycle), and
//!    [`Connection::poll_transmit`] (bytes to write; take them all and write them all).
//! 3. Sleep until [`Connection::poll_timeout`] or new input, whichever comes first.
//!
//! Commands ([`Connection::publish`], [`Connection::subscribe`], [`Connection::request`],
//! [`Connection::flush`], [`Connection::drain`], [`Connection::close`]) only queue state and
//! bytes, so after calling one the driver drains outputs again.
//!
//! ```
//! use std::time::Instant;
//! use natbus_proto::connection::{Action, Connection, ConnectionConfig};
//!
//! let mut config = ConnectionConfig::default();
//! config.servers = vec!["127.0.0.1:4222".parse().expect("valid address")];
//! let now = Instant::now();
//! let mut conn = Connection::new(config, 42, now).expect("one server");
//! // The first output asks the driver to dial.
//! assert!(matches!(conn.poll_action(), Some(Action::Dial { .. })));
//! conn.handle_connected(now);
//! // The server speaks first: feed its INFO, and CONNECT + PING come out.
//! conn.handle_read(b"INFO {\"server_id\":\"x\",\"max_payload\":1048576,\"headers\":true,\"proto\":1}\r\n", now);
//! let mut out = Vec::new();
//! conn.poll_transmit(&mut out);
//! assert!(out.concat().starts_with(b"CONNECT {"));
//! ```

mod commands;
mod config;
mod event;
mod input;
mod lifecycle;
mod loss;
mod tls;
mod websocket;

use crate::time::Instant;
use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

/// A request in flight, as returned by [`Connection::request`] and named in
/// [`Event::Reply`].
pub use crate::requests::RequestId;
/// A map keyed by subscription id (or [`RequestId`]) without SipHash: the ids are small
/// unique counters, so a driver routing messages by sid can use it as the connection does.
pub use crate::subscriptions::{SidHasher, SidMap};
pub use config::ConnectionConfig;
pub use event::{
    Action, CloseReason, CommandError, ConnectFailure, DisconnectReason, Event, FlushError,
    RequestError, SubscriptionEnd,
};
pub use loss::{PublishCount, PublishLoss};

use loss::Ledger;

use crate::info::ServerInfo;
use crate::keepalive::KeepAlive;
use crate::nuid::Nuid;
use crate::outbound::Outbound;
use crate::prng::Prng;
use crate::reconnect::{PoolError, ServerPool};
use crate::requests::Requests;
use crate::server_addr::ServerAddr;
use crate::subscriptions::Subscriptions;
use crate::wire::{DecodeLimits, ServerDecoder};

/// Where the connection is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Waiting until `at` to dial the next server.
    Waiting { at: Instant },
    /// TCP connect in progress.
    Dialing {
        server: ServerAddr,
        deadline: Instant,
    },
    /// Socket open, handshake in progress.
    Handshake {
        server: ServerAddr,
        deadline: Instant,
        stage: Stage,
    },
    /// Ready.
    Connected { server: ServerAddr },
    /// Closed for good.
    Closed,
}

/// Handshake steps, named by what the connection waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// The server's first INFO.
    Info,
    /// The driver's TLS upgrade.
    Tls,
    /// The driver's TLS upgrade, asked for before any INFO (TLS-first); INFO follows it.
    TlsFirst,
    /// The PONG answering our CONNECT + PING.
    Pong,
}

/// Drain progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drain {
    /// Not draining.
    No,
    /// UNSUBs sent; waiting for the PONG that proves the server stopped delivering.
    Unsubscribing,
    /// Publishes closed; waiting for the final flush.
    Flushing,
}

/// Message and byte counters of a connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Statistics {
    /// Messages received.
    pub in_msgs: u64,
    /// Payload bytes received.
    pub in_bytes: u64,
    /// Messages published.
    pub out_msgs: u64,
    /// Payload bytes published.
    pub out_bytes: u64,
    /// Times the connection was re-established.
    pub reconnects: u64,
    /// Messages for subscriptions that no longer exist, dropped.
    pub dropped_unknown_sid: u64,
    /// Messages received with a header block that does not parse (delivered, with the
    /// block in [`Message::malformed_headers`](crate::message::Message::malformed_headers)).
    pub in_malformed_headers: u64,
    /// Messages dropped because their subject or reply subject is not UTF-8 (each is also
    /// reported as [`Event::MessageDropped`]).
    pub dropped_undeliverable: u64,
    /// Publishes that may have been lost, summed over every [`Event::Disconnected`] and
    /// the [`Event::Closed`]: of all publishes accepted, at most
    /// [`PublishLoss::at_most`] never reached a server.
    pub publish_loss: PublishLoss,
}

/// The NATS client connection as a pure state machine. See the [module docs](self).
#[derive(Debug)]
pub struct Connection {
    config: ConnectionConfig,
    state: State,
    pool: ServerPool,
    info: Option<Box<ServerInfo>>,
    decoder: ServerDecoder,
    /// Handshake and resubscribe bytes, written before `outbound`.
    control: BytesMut,
    /// Publishes, subscriptions and PINGs, in order.
    outbound: Outbound,
    /// Which publishes taken from `outbound` the server has confirmed.
    ledger: Ledger,
    subs: Subscriptions,
    requests: Requests,
    keepalive: KeepAlive,
    nuid: Nuid,
    events: VecDeque<Event>,
    actions: VecDeque<Action>,
    drain: Drain,
    /// After `close` on a live connection: hand out the queued bytes one last time.
    flush_on_close: bool,
    next_flush: u64,
    ever_connected: bool,
    /// Failed connect attempts since the last success (initial connect gives up after one pass).
    failed_attempts: usize,
    /// Servers whose last attempt or connection ended with an authorization error: a second
    /// one in a row from the same server closes the connection (bad credentials do not get
    /// better by retrying).
    auth_refused: Vec<ServerAddr>,
    stats: Statistics,
    /// Randomness for WebSocket keys and masks.
    rng: Prng,
    /// Bytes arrived from the server since the socket opened: a server that says nothing
    /// at all is likely not a NATS port (a WebSocket port waits for an HTTP request).
    heard: bool,
}

impl Connection {
    /// Creates a connection that will dial the first server of `config.servers`.
    /// `seed` drives all randomness (pool shuffling, jitter, inbox ids).
    ///
    /// # Errors
    /// [`PoolError`] when `config.servers` is empty.
    pub fn new(config: ConnectionConfig, seed: u64, now: Instant) -> Result<Self, PoolError> {
        let pool = ServerPool::new(config.servers.clone(), config.reconnect.clone(), seed)?;
        let mut nuid = Nuid::new(seed ^ 0x9E37_79B9_7F4A_7C15);
        let requests = Requests::new(&config.inbox_prefix, &nuid.next_string());
        let limits = DecodeLimits {
            max_control_line: config.max_control_line,
            max_payload: config.max_inbound_message,
        };
        let keepalive = KeepAlive::new(config.ping_interval, config.max_pings_out);
        let outbound = Outbound::with_write_limit(config.write_buffer_limit);
        let mut conn = Connection {
            decoder: ServerDecoder::new(limits),
            config,
            state: State::Waiting { at: now },
            pool,
            info: None,
            control: BytesMut::new(),
            outbound,
            ledger: Ledger::default(),
            subs: Subscriptions::default(),
            requests,
            keepalive,
            nuid,
            events: VecDeque::new(),
            actions: VecDeque::new(),
            drain: Drain::No,
            flush_on_close: false,
            next_flush: 0,
            ever_connected: false,
            failed_attempts: 0,
            auth_refused: Vec::new(),
            stats: Statistics::default(),
            rng: Prng::new(seed ^ 0x5745_4253_4F43_4B45),
            heard: false,
        };
        conn.schedule_dial(now);
        Ok(conn)
    }

    /// The next thing the driver must do with the socket. Call until `None` after every input.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// True when [`poll_action`](Self::poll_action) would return an action.
    pub fn has_pending_actions(&self) -> bool {
        !self.actions.is_empty()
    }

    /// The next event. Call until `None` after every input.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Moves every byte that should be written now into `out` and returns how many bytes.
    ///
    /// Take everything and write everything: the connection considers taken bytes sent.
    /// (Publishes among them count as possibly lost if the connection dies before the
    /// server confirms them; see [`PublishLoss`].)
    pub fn poll_transmit(&mut self, out: &mut Vec<Bytes>) -> usize {
        let mut n = 0;
        if !self.control.is_empty() {
            n += self.control.len();
            out.push(self.control.split().freeze());
        }
        if self.may_write_outbound() && !self.outbound.is_empty() {
            self.ledger.taken(self.outbound.publishes());
            n += self.outbound.take_all(out);
            self.keepalive.all_taken();
        }
        n
    }

    /// Hands back a chunk from [`poll_transmit`](Self::poll_transmit) once it is written,
    /// so its memory can be reused for later frames (optional; dropping it is fine).
    pub fn recycle(&mut self, chunk: Bytes) {
        self.outbound.recycle(chunk);
    }

    /// True when [`poll_transmit`](Self::poll_transmit) would return bytes.
    pub fn wants_write(&self) -> bool {
        !self.control.is_empty() || (self.may_write_outbound() && !self.outbound.is_empty())
    }

    fn may_write_outbound(&self) -> bool {
        match self.state {
            State::Connected { .. } => true,
            State::Closed => self.flush_on_close,
            _ => false,
        }
    }

    /// The next instant at which [`handle_timeout`](Self::handle_timeout) must be called.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        let state = match &self.state {
            State::Waiting { at } => Some(*at),
            State::Dialing { deadline, .. } | State::Handshake { deadline, .. } => Some(*deadline),
            State::Connected { .. } => self.keepalive.deadline(),
            State::Closed => None,
        };
        [state, self.requests.next_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    /// The latest INFO from the server, once one arrived.
    pub fn server_info(&self) -> Option<&ServerInfo> {
        self.info.as_deref()
    }

    /// True when the handshake is complete and the connection is usable.
    pub fn is_connected(&self) -> bool {
        matches!(self.state, State::Connected { .. })
    }

    /// True once the connection is closed for good.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Outbound bytes waiting to be taken by the driver.
    pub fn pending_bytes(&self) -> usize {
        self.outbound.len()
    }

    /// The byte limit publishing is held to right now (write buffer or reconnect buffer).
    pub fn buffer_limit(&self) -> usize {
        if self.is_connected() {
            self.config.write_buffer_limit
        } else {
            self.config.reconnect_buffer_limit
        }
    }

    /// Message and byte counters.
    pub fn statistics(&self) -> Statistics {
        self.stats
    }

    /// Number of live subscriptions (the request inbox included once it exists).
    pub fn subscription_count(&self) -> usize {
        self.subs.len()
    }

    /// A fresh, unique inbox subject (`<inbox prefix>.<nuid>`) for custom reply handling.
    pub fn new_inbox(&mut self) -> String {
        format!("{}.{}", self.config.inbox_prefix, self.nuid.next_string())
    }

    /// The configuration.
    pub fn config(&self) -> &ConnectionConfig {
        &self.config
    }
}

#[cfg(test)]
mod tests;
