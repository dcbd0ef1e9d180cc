//! The server pool and the reconnect backoff policy, as data.
//!
//! Which server to dial next, and when, is pure bookkeeping: a list of servers with failure
//! counters, a count of full passes that failed, and a seeded [`Prng`](crate::prng::Prng) for
//! shuffling and jitter. The connection state machine asks [`ServerPool::next_attempt`] for
//! the next server and the earliest [`Instant`](std::time::Instant) to dial it, then reports
//! the outcome with [`ServerPool::connect_failed`] or [`ServerPool::connected`]; a lost live
//! connection is reported with [`ServerPool::disconnected`] (or [`ServerPool::left`] when the
//! client left it on purpose). The pool never sleeps or reads a clock, so every schedule can
//! be tested with a virtual clock.
//!
//! The rules follow nats.go (protocol reference §11): try servers in pool order, count the
//! attempts per server and drop a server when it reaches the limit, and wait only after a
//! full pass over the pool failed. The wait grows exponentially (as async-nats does) up to a
//! cap, plus random jitter so that many clients do not reconnect in lockstep.
//!
//! A handshake alone is not a success: a connection must live
//! [`ReconnectPolicy::stable_after`] before it resets the backoff. One lost sooner counts as
//! a failed attempt, so a server that accepts every handshake and then drops the connection
//! (a malformed message, an authorization error, a broken proxy) is retried with the same
//! growing waits as one that refuses connections, never in a busy loop.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use natbus_proto::reconnect::{ReconnectPolicy, ServerPool};
//! use natbus_proto::server_addr::ServerAddr;
//!
//! let servers = ServerAddr::parse_list("nats://a:4222,nats://b:4222").expect("valid URLs");
//! let policy = ReconnectPolicy { randomize: false, jitter: Duration::ZERO, ..Default::default() };
//! let mut pool = ServerPool::new(servers, policy, 42).expect("at least one server");
//! let now = Instant::now();
//!
//! // Both servers refuse: after the full pass, the next attempt waits the initial delay.
//! for _ in 0..2 {
//!     let (server, at) = pool.next_attempt(now).expect("servers left");
//!     assert_eq!(at, now);
//!     pool.connect_failed(&server, now);
//! }
//! let (server, at) = pool.next_attempt(now).expect("servers left");
//! assert_eq!(at, now + Duration::from_millis(50));
//! pool.connected(&server, now);
//! ```

mod policy;
mod pool;

pub use policy::ReconnectPolicy;
pub use pool::{PoolError, ServerPool};
