//! Fast-ingest batches (ADR-50, servers 2.14+) as a state machine: the flow-controlled
//! protocol, without IO or a clock of its own.
//!
//! Every message of the batch is published with a reply subject that carries the batch
//! state, `<inbox>.<id>.<flow>.<gap>.<seq>.<op>.$FI`, and every answer arrives on
//! `<inbox>.<id>.>`. The server answers the first message with a flow ack saying how often
//! it will ack (every N messages, N at most `flow`), then acks every N messages, possibly
//! changing N; the client keeps at most `max_outstanding_acks` acks outstanding, i.e. it
//! sends only while `acked + N * max_outstanding_acks > sent`. The commit message ends the
//! batch and gets the [`PubAck`]. Gaps (lost messages) and failed messages are reported as
//! they happen; with [`GapMode::Fail`] they end the batch (the server then sends the
//! PubAck of what it stored), with [`GapMode::Ok`] they are only reported.
//!
//! Lost acks are survived twice over: an ack for sequence 40 covers every earlier one,
//! and a wait without any answer for `ack_timeout` sends a ping (op 4), which the server
//! answers with its latest flow ack (and a gap report if messages were lost); after
//! `max_pings` unanswered pings the batch fails with [`BatchError::TimedOut`].
//!
//! The driving loop (natbus's `FastPublisher` runs it):
//! 1. subscribe to [`subscription`](FastBatch::subscription);
//! 2. while [`readiness`](FastBatch::readiness) is [`Readiness::Wait`], feed every inbox
//!    message to [`handle_reply`](FastBatch::handle_reply) (a no-responders status to
//!    [`handle_no_responders`](FastBatch::handle_no_responders)), call
//!    [`handle_timeout`](FastBatch::handle_timeout) at [`poll_timeout`](FastBatch::poll_timeout),
//!    and publish a ping to the batch's subject when [`poll_ping`](FastBatch::poll_ping)
//!    gives a reply subject;
//! 3. on [`Readiness::Send`], publish the message with the reply subject
//!    [`append`](FastBatch::append) returns; end with [`commit`](FastBatch::commit), then
//!    wait as in 2 until [`poll_outcome`](FastBatch::poll_outcome) has the result.
//!
//! ```
//! use natbus_proto::jetstream::batch::fast::{FastBatch, FastBatchConfig, Readiness};
//! use natbus_proto::time::Instant;
//!
//! let now = Instant::now();
//! let mut batch = FastBatch::new(FastBatchConfig::default(), "_INBOX.x", "b1", now)?;
//! assert_eq!(batch.subscription(), "_INBOX.x.b1.>");
//! assert_eq!(batch.append(now)?, "_INBOX.x.b1.100.fail.1.0.$FI");
//! assert_eq!(batch.readiness(), Readiness::Wait); // the first answer is due
//! batch.handle_reply(br#"{"type":"ack","seq":0,"msgs":2}"#, now);
//! assert_eq!(batch.readiness(), Readiness::Send); // 2 acks of 2 messages may be outstanding
//! # Ok::<(), natbus_proto::jetstream::batch::BatchError>(())
//! ```

use std::collections::VecDeque;

pub use super::fast_config::{FastBatchConfig, GapMode};
use super::reply::FastReply;
use super::{BatchError, validate_batch_id};
use crate::jetstream::publish::PubAck;
use crate::jetstream::response::ApiError;
use crate::time::{Instant, deadline};

/// The last token of every fast-ingest reply subject.
pub const FAST_BATCH_SUFFIX: &str = "$FI";
/// Informational events kept until read; older ones are dropped (and counted) beyond it.
pub const MAX_EVENTS: usize = 1024;

/// Whether the next message may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// Send it ([`FastBatch::append`] or [`FastBatch::commit`]).
    Send,
    /// Wait for answers (or the timeout): the first answer, acks, or the final PubAck.
    Wait,
    /// The batch is over: [`FastBatch::poll_outcome`] says how.
    Over,
}

/// Something the server reported that does not stop the batch by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FastEvent {
    /// Messages `expected..current` were lost.
    Gap {
        /// The first lost batch sequence.
        expected: u64,
        /// The sequence that revealed the gap.
        current: u64,
    },
    /// Message `seq` failed a check and was not stored.
    Failed {
        /// Its batch sequence.
        seq: u64,
        /// Why.
        error: ApiError,
    },
    /// A message got no responders (the stream had no leader) and was not stored.
    NotDelivered,
    /// An answer that is no batch reply, ignored.
    InvalidReply(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    New,
    /// The first message is out; its answer is due.
    Starting,
    Open,
    /// A gap or failure ended the batch (gap: fail); the server's PubAck is due.
    Stopping(BatchError),
    Committing,
    Done,
}

/// One fast-ingest batch.
#[derive(Debug)]
pub struct FastBatch {
    config: FastBatchConfig,
    id: String,
    prefix: String,
    sent: u64,
    acked: u64,
    flow: u16,
    phase: Phase,
    deadline: Option<Instant>,
    pings: u32,
    ping_due: bool,
    events: VecDeque<FastEvent>,
    dropped_events: u64,
    outcome: Option<Result<PubAck, BatchError>>,
    final_ack: Option<PubAck>,
}

impl FastBatch {
    /// A batch with id `id` whose answers come to `inbox` (a plain inbox prefix such as
    /// `_INBOX.<nuid>`; the batch listens on `<inbox>.<id>.>`).
    ///
    /// # Errors
    /// [`BatchError::InvalidId`].
    pub fn new(
        config: FastBatchConfig,
        inbox: &str,
        id: impl Into<String>,
        _now: Instant,
    ) -> Result<Self, BatchError> {
        let id = id.into();
        validate_batch_id(&id)?;
        Ok(FastBatch {
            prefix: format!("{inbox}.{id}"),
            config,
            id,
            sent: 0,
            acked: 0,
            flow: 1,
            phase: Phase::New,
            deadline: None,
            pings: 0,
            ping_due: false,
            events: VecDeque::new(),
            dropped_events: 0,
            outcome: None,
            final_ack: None,
        })
    }

    /// The batch id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The subject to subscribe to for the batch's answers.
    pub fn subscription(&self) -> String {
        format!("{}.>", self.prefix)
    }

    /// The highest batch sequence sent.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// The highest batch sequence the server acknowledged (with [`GapMode::Fail`], every
    /// message up to it is stored).
    pub fn acked(&self) -> u64 {
        self.acked
    }

    /// The server's current ack interval, in messages.
    pub fn flow(&self) -> u16 {
        self.flow
    }

    /// Whether the next message may be sent now.
    pub fn readiness(&self) -> Readiness {
        match &self.phase {
            Phase::New => Readiness::Send,
            Phase::Open if self.window_open() => Readiness::Send,
            Phase::Starting | Phase::Open | Phase::Stopping(_) | Phase::Committing => {
                Readiness::Wait
            }
            Phase::Done => Readiness::Over,
        }
    }

    /// Whether a gap or failure ended the batch and only the server's PubAck is awaited:
    /// add nothing more (a commit is not needed either).
    pub fn is_stopping(&self) -> bool {
        matches!(self.phase, Phase::Stopping(_))
    }

    fn window_open(&self) -> bool {
        let window = u64::from(self.flow) * u64::from(self.config.max_outstanding_acks);
        self.acked.saturating_add(window) > self.sent
    }

    /// Takes the next message's place in the batch: returns its reply subject.
    ///
    /// # Errors
    /// [`BatchError::AwaitingReply`] / [`BatchError::NotReady`] when
    /// [`readiness`](Self::readiness) is not [`Readiness::Send`], the stopping reason
    /// once a gap or failure ended the batch, [`BatchError::Finished`] after the commit.
    pub fn append(&mut self, now: Instant) -> Result<String, BatchError> {
        let op = match &self.phase {
            Phase::New => Op::Start,
            Phase::Open if self.window_open() => Op::Append,
            _ => return Err(self.not_sendable()),
        };
        Ok(self.send(op, now))
    }

    /// Takes the commit message's place: returns its reply subject. With `store_last`
    /// false the commit message only ends the batch and is not stored (the batch must not
    /// be empty then). The commit is sent whatever the window; then wait for the outcome.
    ///
    /// # Errors
    /// As [`append`](Self::append), without the window; [`BatchError::EmptyCommit`].
    pub fn commit(&mut self, store_last: bool, now: Instant) -> Result<String, BatchError> {
        let op = match (&self.phase, store_last) {
            (Phase::New, false) => return Err(BatchError::EmptyCommit),
            (Phase::New | Phase::Open, true) => Op::Commit,
            (Phase::Open, false) => Op::CommitEob,
            _ => return Err(self.not_sendable()),
        };
        Ok(self.send(op, now))
    }

    fn not_sendable(&self) -> BatchError {
        match &self.phase {
            Phase::Starting => BatchError::AwaitingReply,
            Phase::Open => BatchError::NotReady,
            Phase::Stopping(reason) => reason.clone(),
            Phase::New | Phase::Committing | Phase::Done => BatchError::Finished,
        }
    }

    fn send(&mut self, op: Op, now: Instant) -> String {
        self.sent += 1;
        self.phase = match op {
            Op::Start => Phase::Starting,
            Op::Commit | Op::CommitEob => Phase::Committing,
            Op::Append | Op::Ping => Phase::Open,
        };
        self.refresh_deadline(now);
        self.reply_subject(self.sent, op)
    }

    fn reply_subject(&self, seq: u64, op: Op) -> String {
        format!(
            "{}.{}.{}.{seq}.{}.{FAST_BATCH_SUFFIX}",
            self.prefix,
            self.config.flow,
            self.config.gap.token(),
            op as u8
        )
    }

    /// Call with each message that arrives on the batch's inbox.
    pub fn handle_reply(&mut self, payload: &[u8], now: Instant) {
        if self.phase == Phase::Done {
            return;
        }
        let reply = match FastReply::parse(payload) {
            Ok(reply) => reply,
            Err(e) => return self.event(FastEvent::InvalidReply(e)),
        };
        self.pings = 0;
        match reply {
            FastReply::Ack { seq, msgs } => {
                if self.phase == Phase::Starting {
                    self.phase = Phase::Open;
                }
                self.acked = self.acked.max(seq.min(self.sent));
                self.flow = msgs.max(1);
            }
            FastReply::Gap { expected, current } => {
                self.event(FastEvent::Gap { expected, current });
                self.stop_if_failing(BatchError::Gap { expected, current });
            }
            FastReply::Error { seq, error } => {
                self.event(FastEvent::Failed {
                    seq,
                    error: error.clone(),
                });
                self.stop_if_failing(BatchError::MessageFailed { seq, error });
            }
            FastReply::PubAck(ack) => {
                let outcome = match std::mem::replace(&mut self.phase, Phase::Done) {
                    Phase::Committing => Ok(ack),
                    Phase::Stopping(reason) => {
                        self.final_ack = Some(ack);
                        Err(reason)
                    }
                    _ => {
                        let stored = ack.count;
                        self.final_ack = Some(ack);
                        Err(BatchError::EndedByServer { stored })
                    }
                };
                self.finish(outcome);
            }
            FastReply::Rejected(e) => self.finish(Err(BatchError::Rejected(e))),
        }
        self.refresh_deadline(now);
    }

    /// Call when a message of the batch got a no-responders status (`503`): nothing
    /// received it. Before the batch started, or with [`GapMode::Fail`], that ends it.
    pub fn handle_no_responders(&mut self, now: Instant) {
        match self.phase {
            Phase::Open | Phase::Committing if self.config.gap == GapMode::Ok => {
                self.event(FastEvent::NotDelivered);
                self.refresh_deadline(now);
            }
            Phase::Done => {}
            _ => self.finish(Err(BatchError::NoStream)),
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) is due, if a wait is on.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// Call at [`poll_timeout`](Self::poll_timeout) (earlier calls do nothing): a wait
    /// without answers sends a ping, or fails the batch after `max_pings` of them.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(at) = self.deadline else { return };
        if now < at {
            return;
        }
        let pinging = matches!(
            self.phase,
            Phase::Starting | Phase::Open | Phase::Committing
        );
        if pinging && self.pings < self.config.max_pings {
            self.pings += 1;
            self.ping_due = true;
            self.deadline = Some(deadline(now, self.config.ack_timeout));
            return;
        }
        let waited = self
            .config
            .ack_timeout
            .saturating_mul(self.pings.saturating_add(1));
        let outcome = match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Stopping(reason) => reason,
            _ => BatchError::TimedOut {
                waited,
                pings: self.pings,
            },
        };
        self.finish(Err(outcome));
    }

    /// The reply subject of a ping to publish now (to the subject of the batch's
    /// messages, with an empty payload), if one is due.
    pub fn poll_ping(&mut self) -> Option<String> {
        if !std::mem::take(&mut self.ping_due) || self.phase == Phase::Done {
            return None;
        }
        Some(self.reply_subject(self.sent.max(1), Op::Ping))
    }

    /// The next informational event (gaps and failures with [`GapMode::Ok`]).
    pub fn poll_event(&mut self) -> Option<FastEvent> {
        self.events.pop_front()
    }

    /// Events dropped because more than [`MAX_EVENTS`] were unread.
    pub fn dropped_events(&self) -> u64 {
        self.dropped_events
    }

    /// The batch's result once it is over: its PubAck, or why it failed. Given once.
    pub fn poll_outcome(&mut self) -> Option<Result<PubAck, BatchError>> {
        self.outcome.take()
    }

    /// The PubAck the server sent when it ended a failed batch (what it stored).
    pub fn final_ack(&self) -> Option<&PubAck> {
        self.final_ack.as_ref()
    }

    fn event(&mut self, event: FastEvent) {
        if self.events.len() >= MAX_EVENTS {
            self.events.pop_front();
            self.dropped_events += 1;
        }
        self.events.push_back(event);
    }

    /// In gap-fail mode a gap or failed message ends the batch, even one whose commit
    /// is already out: the PubAck that follows reports what was stored before it.
    fn stop_if_failing(&mut self, reason: BatchError) {
        let failing = self.config.gap == GapMode::Fail;
        if failing
            && matches!(
                self.phase,
                Phase::Starting | Phase::Open | Phase::Committing
            )
        {
            self.phase = Phase::Stopping(reason);
        }
    }

    fn finish(&mut self, outcome: Result<PubAck, BatchError>) {
        self.phase = Phase::Done;
        self.deadline = None;
        self.ping_due = false;
        self.outcome = Some(outcome);
    }

    /// Starts, keeps or ends the wait deadline after a change: a wait for answers gets a
    /// fresh `ack_timeout` (progress was made), no wait has no deadline.
    fn refresh_deadline(&mut self, now: Instant) {
        self.deadline = match self.readiness() {
            Readiness::Wait => Some(deadline(now, self.config.ack_timeout)),
            Readiness::Send | Readiness::Over => None,
        };
    }
}

/// The operation token of a reply subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Start = 0,
    Append = 1,
    Commit = 2,
    CommitEob = 3,
    Ping = 4,
}
