//! The server pool and the reconnect backoff policy, as data.
//!
//! Which server to dial next, and when, is pure bookkeeping: a list of servers with failure
//! counters, a count of full passes that failed, and a seeded [`Prng`](crate::prng::Prng) for
//! shuffling and jitter. The connection state machine asks [`ServerPool::next_attempt`] for
//! the next server and the earliest [`Instant`](std::time::Instant) to dial it, then reports
//! the outcome with [`ServerPool::connect_failed`] or [`ServerPool::connected`]; a lost live
//! connection is reported with [`ServerPool::disconnected`]. The pool never sleeps or reads a
//! clock, so every schedule can be tested with a virtual clock.
//!
//! The rules follow nats.go (protocol reference §11): try servers in pool order, count the
//! attempts per server and drop a server when it reaches the limit, and wait only after a
//! full pass over the pool failed. The wait grows exponentially (as async-nats does) up to a
//! cap, plus random jitter so that many clients do not reconnect in lockstep.

mod policy;
mod pool;

pub use policy::ReconnectPolicy;
pub use pool::{PoolError, ServerPool};
