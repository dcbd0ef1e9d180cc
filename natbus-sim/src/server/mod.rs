//! A small NATS server model, enough for everything the client does in a run: INFO,
//! CONNECT, SUB/UNSUB (with queue groups and auto-unsubscribe), PUB/HPUB routed as
//! MSG/HMSG, PING/PONG, no-responder statuses, slow-consumer cuts and restarts.
//!
//! Client bytes are parsed with `natbus_proto::wire::ClientDecoder` and server operations
//! written with `encode_server_op`, the codec the fuzzers exercise; the model itself only
//! decides what a real server would do with each operation. It runs as one task per
//! connection on the seeded executor, so the server's interleavings are explored too.

mod conn;
pub(crate) mod jetstream;
mod js_clock;
mod route;

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;

use bytes::{Bytes, BytesMut};
use natbus_proto::info::ServerInfo;
use natbus_proto::subject::Subject;
use natbus_proto::wire::ServerOp;
use natbus_proto::wire::encode::encode_server_op;

use crate::pipe::{End, Link};
use crate::world::World;

/// A server: a cheap handle to its state.
#[derive(Clone)]
pub(crate) struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    world: Arc<World>,
    state: Mutex<State>,
}

/// What the server knows.
pub(crate) struct State {
    name: String,
    up: bool,
    /// Dials neither complete nor fail (a black-holed address) while set.
    hang: bool,
    next_conn: u64,
    conns: BTreeMap<u64, Conn>,
    /// Subscriptions by connection and sid.
    subs: BTreeMap<(u64, u64), Sub>,
    /// Every message published to a `check.` subject, in the order the server got them.
    pub(crate) journal: Vec<Record>,
    /// Bytes the server queues for one client before cutting it as a slow consumer.
    max_pending: usize,
    pub(crate) js: jetstream::JetStream,
    /// The JetStream clock task, to wake when JetStream has a new deadline.
    js_waker: Option<Waker>,
    pub(crate) stats: ServerStats,
}

/// Counters of what the server did to its clients.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ServerStats {
    pub(crate) accepted: u64,
    pub(crate) slow_consumer_cuts: u64,
    pub(crate) restarts: u64,
}

/// One client connection, as the server sees it.
struct Conn {
    link: Arc<Link>,
    /// The client's name from CONNECT.
    name: String,
    echo: bool,
    headers: bool,
    no_responders: bool,
    /// Bytes queued for the client, written by the connection's task.
    out: BytesMut,
    waker: Option<Waker>,
}

struct Sub {
    subject: Subject,
    queue: Option<String>,
    max: Option<u64>,
    delivered: u64,
}

/// A message the server received on a watched subject.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    /// The server's connection id (a new one for every dial).
    pub(crate) conn: u64,
    /// The publishing client's name.
    pub(crate) client: String,
    pub(crate) subject: String,
    pub(crate) payload: Bytes,
}

impl Server {
    pub(crate) fn new(world: Arc<World>, name: &str, max_pending: usize) -> Self {
        let server = Server {
            inner: Arc::new(Inner {
                world,
                state: Mutex::new(State {
                    name: name.to_owned(),
                    up: true,
                    hang: false,
                    next_conn: 0,
                    conns: BTreeMap::new(),
                    subs: BTreeMap::new(),
                    journal: Vec::new(),
                    max_pending,
                    js: jetstream::JetStream::default(),
                    js_waker: None,
                    stats: ServerStats::default(),
                }),
            }),
        };
        let clock = js_clock::JsClock::new(server.clone());
        server.world().spawn(Box::pin(clock));
        server
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn world(&self) -> &Arc<World> {
        &self.inner.world
    }

    /// A dialled connection arrives: the server greets it with INFO and serves it.
    pub(crate) fn accept(&self, end: End) -> io::Result<()> {
        let id = {
            let mut s = self.lock();
            if s.hang {
                return Err(io::ErrorKind::TimedOut.into());
            }
            if !s.up {
                return Err(io::ErrorKind::ConnectionRefused.into());
            }
            s.next_conn += 1;
            s.stats.accepted += 1;
            let id = s.next_conn;
            let mut out = BytesMut::new();
            encode_server_op(&mut out, &ServerOp::Info(Box::new(s.info(id))));
            let conn = Conn {
                link: end.link.clone(),
                name: String::new(),
                echo: true,
                headers: false,
                no_responders: false,
                out,
                waker: None,
            };
            s.conns.insert(id, conn);
            id
        };
        self.world().note(format_args!(
            "server: link {} is connection {id}",
            end.link.id
        ));
        let task = conn::ServeConn::new(self.clone(), id, end);
        self.world().spawn(Box::pin(task));
        Ok(())
    }

    /// Stops the server as a crash or restart would: every connection is reset and new
    /// dials are refused until [`start`](Self::start).
    pub(crate) fn stop(&self) {
        let mut s = self.lock();
        s.up = false;
        s.stats.restarts += 1;
        for conn in std::mem::take(&mut s.conns).into_values() {
            conn.link.reset();
        }
        s.subs.clear();
        s.js.restart();
    }

    pub(crate) fn start(&self) {
        self.lock().up = true;
    }

    /// Dials to this server hang (true) or are answered again (false).
    pub(crate) fn set_hang(&self, hang: bool) {
        self.lock().hang = hang;
    }

    /// Drops every connection's link (the end of a run).
    pub(crate) fn shut_down(&self) {
        let mut s = self.lock();
        s.conns.clear();
        s.subs.clear();
    }
}

impl State {
    fn info(&self, client_id: u64) -> ServerInfo {
        let mut info = ServerInfo::default();
        info.server_id = format!("SIM-{}", self.name);
        info.server_name = self.name.clone();
        info.version = "2.11.0".to_owned();
        info.proto = 1;
        info.headers = true;
        info.max_payload = 1024 * 1024;
        info.jetstream = true;
        info.client_id = client_id;
        info
    }

    /// Subjects subscribed by the live connection of client `name` (sorted, with queue
    /// groups as `subject queue`).
    pub(crate) fn subscriptions_of(&self, name: &str) -> Vec<String> {
        let mut subjects: Vec<String> = self
            .subs
            .iter()
            .filter(|((conn, _), _)| self.conns.get(conn).is_some_and(|c| c.name == name))
            .map(|(_, sub)| match &sub.queue {
                Some(q) => format!("{} {q}", sub.subject),
                None => sub.subject.to_string(),
            })
            .collect();
        subjects.sort();
        subjects
    }

    /// Removes a connection and its subscriptions.
    fn remove_conn(&mut self, id: u64) {
        self.conns.remove(&id);
        self.subs.retain(|(conn, _), _| *conn != id);
    }
}
