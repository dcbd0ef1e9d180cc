//! # natbus-sim: the whole natbus client under a deterministic simulation
//!
//! natbus-proto is sans-IO and natbus is written once against [`natbus::Runtime`], so the
//! complete client (its connection driver, direct writes, shared state, subscriptions,
//! requests, reconnects) can run on a runtime where the network, the clock and the
//! scheduler are all simulated and all driven by one seed. A seed is a whole run: the
//! same seed replays the same run exactly, down to which task was polled when. This is
//! the approach of FoundationDB's simulator and TigerBeetle's VOPR, with a NATS server
//! model in place of the cluster. This crate is test support (`publish = false`); it
//! depends only on natbus's public API.
//!
//! ## The pieces
//!
//! - **Scheduler** (`executor`): one thread, every task of the run in one list (the
//!   client's drivers, the workload's tasks, the server model's connections, the fault
//!   injector). The next task to poll is drawn at random from the ready ones, which
//!   explores the interleavings a multi-thread runtime allows. The ready set is ordered by
//!   task id, so the order in which wakers fire cannot leak into the schedule. A panic in
//!   any task is caught and fails the run.
//! - **Clock** (`clock`): virtual. `now()` is a base `Instant` plus the virtual time
//!   elapsed; time stands still while any task is ready and jumps to the next timer when
//!   none is. A run covering a minute of reconnect backoff takes milliseconds. Wall-clock
//!   timestamps (`Runtime::system_time`) are a fixed date plus virtual time.
//! - **Pipes** (`pipe`, `net`): a dial opens an in-memory duplex link. Each direction is a
//!   bounded queue of byte segments stamped with the virtual time they arrive (latency);
//!   writes and reads may take a random part of what they are offered (split writes and
//!   reads); a direction can stall; a link can be reset (in-flight bytes lost) or closed
//!   (delivered, then end of file). natbus gets a `futures-io` socket plus a
//!   [`natbus::DirectWrite`] to the same link (on most dials), so the direct-write path
//!   runs as with the real adapters.
//! - **Server model** (`server`): a small NATS server, one task per connection: INFO,
//!   CONNECT, SUB/UNSUB (queue groups, auto-unsubscribe), PUB/HPUB routed as MSG/HMSG,
//!   PING/PONG, 503 no-responder statuses, and a slow-consumer cut when a client falls
//!   too far behind. Client bytes are decoded with `natbus_proto::wire::ClientDecoder`
//!   and server operations encoded with `encode_server_op`. It journals every message
//!   published to a `check.` subject, with the connection it came on. Its JetStream part
//!   (`server::jetstream`) stores what is published to a stream's subjects (PubAcks,
//!   `Nats-Msg-Id` deduplication) and serves consumers: CONSUMER.CREATE/INFO/DELETE,
//!   pull requests (`MSG.NEXT`: batches, expiry, no-wait, heartbeats, 404/408 statuses),
//!   push delivery (flow control, idle heartbeats with `Nats-Consumer-Stalled`), acks
//!   (`+ACK`, `-NAK`, `+WPI`, `+TERM`, double acks) and redelivery after the ack wait. A
//!   restart keeps streams and durable consumers (file storage) and loses pull requests
//!   and ephemeral consumers.
//! - **Faults** (`faults`): a task that, at random virtual times, resets or closes a
//!   random connection, stalls one of its directions (long enough that PINGs go
//!   unanswered), gives it a new shape (latency, buffer size, split I/O), restarts the
//!   server (every connection reset, dials refused while it is down) or black-holes dials
//!   (they neither complete nor fail). Then it heals everything.
//! - **Workloads and invariants** (`scenario`): clients with options drawn from the seed
//!   (small buffers, short timers) work through the faults; then, once every client has
//!   recovered, the checks run. The seed picks the workload (`seed % 4`): core NATS
//!   (publish, subscribe, churn subscriptions, request and reply; 0 and 1), JetStream (2)
//!   or services (3).
//!
//! ## Invariants checked after every run
//!
//! - No panic in any task, and the run ends: no busy loop (a poll budget), no hang (every
//!   task waiting with no timer armed), within a virtual-time budget.
//! - Every publish the client accepted reaches the server, in order within a connection,
//!   with everything written to an older connection numbered below everything written to
//!   a newer one; no publish twice. One is missing only if a connection was lost after it
//!   was accepted (and the client then reported a disconnect and a reconnect), and
//!   nothing is lost silently: the publishes missing are at most those the `Disconnected`
//!   events reported as possibly lost, and those reports add up to the client's
//!   `publish_loss` statistic.
//! - A subscriber sees part of what the server got, in the server's order.
//! - No request gets another request's reply.
//! - Every wait ends by its deadline in virtual time: requests, flushes, drains.
//! - After the faults every client reconnects, and the server holds exactly the
//!   subscriptions the subscriber has (resubscribed after every reconnect, none of those
//!   it unsubscribed); a message published then reaches it.
//! - Memory stays bounded: the outbound buffer (`ClientStatistics::buffered_bytes`)
//!   within the larger of the write and reconnect buffer sizes plus one message; every
//!   subscription's buffer within its capacity.
//! - Every lost connection is reported as a `Disconnected` event and every reconnect as
//!   `Reconnected`.
//! - JetStream: every publish the client saw acknowledged is stored exactly once, at the
//!   sequence its PubAck named (a retry under the same `Nats-Msg-Id` is answered as a
//!   duplicate of it); a durable pull consumer (one-shot `fetch`es or `messages()`) and a
//!   durable push consumer get every stored message (redeliveries allowed) and the server
//!   ends with nothing waiting for their acks; an ordered consumer hands out the stream in
//!   order with no gap and no repeat across its re-creations; every fetch ends by its
//!   deadline; the continuous pull window stays within its bound.
//! - Services (two instances in a queue group, a caller, a `$SRV` monitor): every answer
//!   belongs to its own call and is right; a handler's refusal comes back with its code
//!   and a handler's panic as a 500 while the service keeps serving; no instance runs
//!   more handlers at once than its workers; every call, discovery request and stop ends
//!   by its deadline; after the faults each instance answers `$SRV.STATS` over the
//!   network with the counts it keeps, which cover every answer the caller got; once
//!   stopped, nothing answers.
//!
//! ## Running and replaying
//!
//! `cargo test -p natbus-sim` runs a batch of seeds (`tests/simulation.rs`; `SIM_SEEDS`
//! and `SIM_SEED_BASE` change the batch), every seed that once failed, and targeted
//! single-defect tests. A failure prints its seed, every broken invariant with the virtual
//! time it was seen, and the command that replays it:
//!
//! ```text
//! SIM_SEED=1234 cargo test -p natbus-sim --test simulation replay -- --nocapture
//! ```
//!
//! which runs the seed twice (proving it replays exactly) and prints what it did, or, when
//! it fails, its trace (the last few thousand notes: dials, faults, client events,
//! requests). From code, [`run`] runs one seed. The service workload's handlers panic on
//! purpose; `run` installs a process-wide panic hook that keeps those (and only those)
//! out of the output.
#![deny(missing_docs)]

mod check;
mod clock;
mod executor;
mod faults;
mod join;
mod net;
mod pipe;
mod rng;
mod run;
mod runtime;
mod scenario;
mod server;
mod world;

#[cfg(test)]
mod targeted_tests;

pub use run::{Failure, Outcome, replay_command, run};
