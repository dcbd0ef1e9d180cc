//! One consumer of the JetStream model: what it delivered, what waits for an ack, the
//! pull requests waiting for messages, a push consumer's flow control; and what acks do.
//! How it delivers is in [`delivery`](super::delivery).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use natbus_proto::jetstream::consumer::{AckPolicy, ConsumerConfig, DeliverPolicy};
use natbus_proto::jetstream::pull::PullRequest;
use natbus_proto::subject::{Subject, matches};

use super::Stored;

/// Ack wait when the config sets none (the server's default).
const DEFAULT_ACK_WAIT: Duration = Duration::from_secs(30);
/// Unacknowledged messages at most, when the config sets no limit.
const DEFAULT_MAX_ACK_PENDING: usize = 1000;

/// A message delivered and not yet acknowledged.
#[derive(Debug, Clone, Copy)]
pub(super) struct Unacked {
    pub(super) deliveries: u64,
    pub(super) deadline: Duration,
}

/// A pull request waiting for messages.
#[derive(Debug)]
pub(super) struct Waiting {
    pub(super) reply: Subject,
    pub(super) left: usize,
    pub(super) delivered: usize,
    pub(super) expires_at: Option<Duration>,
    pub(super) no_wait: bool,
    pub(super) heartbeat: Option<Duration>,
    pub(super) next_heartbeat: Option<Duration>,
}

pub(crate) struct Consumer {
    pub(crate) name: String,
    pub(crate) config: ConsumerConfig,
    /// The next stream sequence to look at for a first delivery.
    pub(super) next_seq: u64,
    /// Deliveries made (the consumer sequence).
    pub(super) consumer_seq: u64,
    pub(super) last_stream_seq: u64,
    pub(super) unacked: BTreeMap<u64, Unacked>,
    /// Unacknowledged messages due for redelivery (ack wait passed, or NAK).
    pub(super) redeliver: BTreeSet<u64>,
    pub(super) waiting: VecDeque<Waiting>,
    /// Push: the flow-control subject the consumer waits on before delivering more.
    pub(super) fc_pending: Option<String>,
    pub(super) fc_count: u64,
    pub(super) next_fc_id: u64,
    /// Push: when the next idle heartbeat is due.
    pub(super) next_heartbeat: Option<Duration>,
}

impl Consumer {
    pub(crate) fn new(name: String, config: ConsumerConfig, first_seq: u64, now: Duration) -> Self {
        let next_seq = match config.deliver_policy {
            DeliverPolicy::ByStartSequence(seq) => seq.max(1),
            DeliverPolicy::New => first_seq,
            _ => 1,
        };
        let next_heartbeat = config
            .deliver_subject
            .as_ref()
            .and(config.idle_heartbeat)
            .map(|hb| now + hb);
        Consumer {
            name,
            config,
            next_seq,
            consumer_seq: 0,
            last_stream_seq: next_seq.saturating_sub(1),
            unacked: BTreeMap::new(),
            redeliver: BTreeSet::new(),
            waiting: VecDeque::new(),
            fc_pending: None,
            fc_count: 0,
            next_fc_id: 0,
            next_heartbeat,
        }
    }

    /// The consumer's state in one line, for a failure's message.
    pub(crate) fn describe(&self) -> String {
        let unacked: Vec<(u64, u64, f64)> = self
            .unacked
            .iter()
            .take(10)
            .map(|(seq, u)| (*seq, u.deliveries, u.deadline.as_secs_f64()))
            .collect();
        format!(
            "next {} delivered {} unacked (seq, deliveries, deadline) {unacked:?} redeliver {:?} waiting {}",
            self.next_seq,
            self.consumer_seq,
            self.redeliver.iter().take(10).collect::<Vec<_>>(),
            self.waiting.len()
        )
    }

    pub(crate) fn is_durable(&self) -> bool {
        self.config.durable_name.is_some()
    }

    pub(crate) fn is_pull(&self) -> bool {
        self.config.deliver_subject.is_none()
    }

    pub(super) fn wants(&self, subject: &str) -> bool {
        match (
            &self.config.filter_subject,
            self.config.filter_subjects.as_slice(),
        ) {
            (Some(f), _) => matches(f, subject),
            (None, []) => true,
            (None, filters) => filters.iter().any(|f| matches(f, subject)),
        }
    }

    /// Messages not yet delivered (for the ack subject and the info).
    pub(crate) fn num_pending(&self, messages: &[Stored]) -> u64 {
        let start = self.next_seq.saturating_sub(1) as usize;
        messages.get(start..).map_or(0, |rest| {
            rest.iter().filter(|m| self.wants(&m.subject)).count() as u64
        })
    }

    pub(crate) fn num_ack_pending(&self) -> usize {
        self.unacked.len()
    }

    pub(crate) fn delivered_seqs(&self) -> (u64, u64) {
        (self.consumer_seq, self.last_stream_seq)
    }

    /// A pull request arrived.
    pub(crate) fn pull(&mut self, reply: Subject, request: &PullRequest, now: Duration) {
        self.waiting.push_back(Waiting {
            reply,
            left: request.batch.max(1),
            delivered: 0,
            expires_at: request.expires.map(|e| now + e),
            no_wait: request.no_wait,
            heartbeat: request.idle_heartbeat,
            next_heartbeat: request.idle_heartbeat.map(|hb| now + hb),
        });
    }

    /// The server restarted: pull requests and flow control are forgotten.
    pub(crate) fn restart(&mut self) {
        self.waiting.clear();
        self.fc_pending = None;
    }

    /// An ack (`body`) for stream sequence `seq`.
    pub(crate) fn ack(&mut self, seq: u64, body: &[u8], now: Duration) {
        let ack_all = self.config.ack_policy == AckPolicy::All;
        if body.starts_with(b"-NAK") {
            if self.unacked.contains_key(&seq) {
                self.redeliver.insert(seq);
            }
        } else if body == b"+WPI" {
            let wait = self.ack_wait();
            if let Some(u) = self.unacked.get_mut(&seq) {
                u.deadline = now + wait;
            }
        } else if ack_all {
            self.unacked.retain(|s, _| *s > seq);
            self.redeliver.retain(|s| *s > seq);
        } else {
            self.unacked.remove(&seq);
            self.redeliver.remove(&seq);
        }
    }

    /// A flow-control answer on `subject`.
    pub(crate) fn flow_control_answered(&mut self, subject: &str) {
        if self.fc_pending.as_deref() == Some(subject) {
            self.fc_pending = None;
        }
    }

    pub(super) fn ack_wait(&self) -> Duration {
        self.config.ack_wait.unwrap_or(DEFAULT_ACK_WAIT)
    }

    pub(super) fn max_ack_pending(&self) -> usize {
        match self.config.max_ack_pending {
            Some(n) if n > 0 => n as usize,
            _ => DEFAULT_MAX_ACK_PENDING,
        }
    }

    pub(super) fn max_deliver(&self) -> Option<u64> {
        self.config.max_deliver.filter(|n| *n > 0).map(|n| n as u64)
    }

    /// When [`tick`](Self::tick) next has something to do.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        let waits = self
            .waiting
            .iter()
            .flat_map(|w| [w.expires_at, w.next_heartbeat])
            .flatten();
        let acks = self
            .unacked
            .iter()
            .filter(|(seq, _)| !self.redeliver.contains(seq))
            .map(|(_, u)| u.deadline);
        waits.chain(acks).chain(self.next_heartbeat).min()
    }
}
