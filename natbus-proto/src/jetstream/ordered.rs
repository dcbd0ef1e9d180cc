//! Ordered consumer bookkeeping (ADR-17): every stream message once, in order, no acks.
//!
//! The ordered consumer is a chain of short-lived ephemeral consumers. Each delivery is
//! checked against the expected consumer sequence; any gap, a heartbeat that reports more
//! deliveries than we saw, missed heartbeats, or the consumer going away ends the current
//! consumer and asks for a new one that starts right after the last stream sequence
//! received ([`Reset`]). Deliveries from an earlier consumer are recognised by name and
//! ignored.

use crate::time::Instant;
use std::time::Duration;

use super::consumer::{AckPolicy, ConsumerConfig, DeliverPolicy};
use super::metadata::MessageMetadata;
use super::push::HeartbeatMonitor;

/// How long an abandoned ordered consumer lives on the server.
pub const ORDERED_INACTIVE_THRESHOLD: Duration = Duration::from_secs(300);
/// Default heartbeat of ordered push consumers.
pub const ORDERED_IDLE_HEARTBEAT: Duration = Duration::from_secs(5);

/// Replace the current consumer with this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reset {
    /// The stream sequence the new consumer starts at (`None` when nothing was received
    /// yet and the user's deliver policy still applies).
    pub deliver_from_stream_seq: Option<u64>,
    /// The name of the consumer being replaced (delete it, or let it expire).
    pub old_consumer: String,
}

/// What to do with a delivered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderedEvent {
    /// In order: hand it to the user.
    Deliver,
    /// From a replaced consumer: drop it.
    Stale,
    /// A gap: drop it and create the next consumer.
    Reset(Reset),
}

/// The state of one ordered consumer.
#[derive(Debug, Clone)]
pub struct OrderedConsumer {
    prefix: String,
    serial: u64,
    base: ConsumerConfig,
    expected_consumer_seq: u64,
    last_stream_seq: u64,
    heartbeat: HeartbeatMonitor,
}

impl OrderedConsumer {
    /// An ordered consumer whose consumers are named `<prefix>_<serial>`. From `base` it
    /// keeps the filters, the deliver policy of the first consumer, `headers_only`, the
    /// replay policy and metadata; the rest is fixed by the ordered-consumer rules.
    pub fn new(prefix: impl Into<String>, base: ConsumerConfig, idle_heartbeat: Duration) -> Self {
        Self {
            prefix: prefix.into(),
            serial: 1,
            base,
            expected_consumer_seq: 1,
            last_stream_seq: 0,
            heartbeat: HeartbeatMonitor::new(idle_heartbeat, 2),
        }
    }

    /// The current consumer's name.
    pub fn consumer_name(&self) -> String {
        format!("{}_{}", self.prefix, self.serial)
    }

    /// The stream sequence of the last message delivered to the user.
    pub fn last_stream_seq(&self) -> u64 {
        self.last_stream_seq
    }

    /// The config to create the current consumer with: a push consumer on
    /// `deliver_subject` (flow control and heartbeats), or a pull consumer when `None`.
    pub fn consumer_config(&self, deliver_subject: Option<&str>) -> ConsumerConfig {
        let b = &self.base;
        let mut c = ConsumerConfig::ephemeral(self.consumer_name());
        c.filter_subject = b.filter_subject.clone();
        c.filter_subjects = b.filter_subjects.clone();
        c.headers_only = b.headers_only;
        c.replay_policy = b.replay_policy;
        c.metadata = b.metadata.clone();
        c.deliver_policy = if self.last_stream_seq > 0 {
            DeliverPolicy::ByStartSequence(self.last_stream_seq + 1)
        } else {
            b.deliver_policy
        };
        c.ack_policy = AckPolicy::None;
        c.max_deliver = Some(1);
        c.mem_storage = true;
        c.num_replicas = 1;
        c.inactive_threshold = Some(ORDERED_INACTIVE_THRESHOLD);
        if let Some(subject) = deliver_subject {
            c.deliver_subject = Some(subject.to_owned());
            c.flow_control = true;
            c.idle_heartbeat = Some(self.heartbeat.interval());
        }
        c
    }

    /// Call when the consumer was created (or re-created): starts watching heartbeats.
    pub fn handle_created(&mut self, now: Instant) {
        self.heartbeat.handle_activity(now);
    }

    /// Call for every delivered data message, with its metadata; says whether to hand it
    /// out, drop it as stale, or reset after a gap.
    pub fn handle_message(&mut self, now: Instant, meta: &MessageMetadata) -> OrderedEvent {
        if meta.consumer != self.consumer_name() {
            return OrderedEvent::Stale;
        }
        self.heartbeat.handle_activity(now);
        if meta.consumer_sequence != self.expected_consumer_seq {
            return OrderedEvent::Reset(self.reset());
        }
        self.expected_consumer_seq += 1;
        self.last_stream_seq = meta.stream_sequence;
        OrderedEvent::Deliver
    }

    /// Call when an idle heartbeat arrives, with its `Nats-Last-Consumer` value if present. A value
    /// other than the last accepted consumer sequence means deliveries were lost.
    pub fn handle_heartbeat(&mut self, now: Instant, last_consumer: Option<u64>) -> Option<Reset> {
        self.heartbeat.handle_activity(now);
        match last_consumer {
            Some(n) if n != self.expected_consumer_seq - 1 => Some(self.reset()),
            _ => None,
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called (the missed-heartbeat
    /// check).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.heartbeat.poll_timeout()
    }

    /// Call when [`poll_timeout`](Self::poll_timeout) passed: resets when two heartbeat
    /// intervals passed without traffic (early calls do nothing).
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Reset> {
        self.heartbeat.handle_timeout(now).then(|| self.reset())
    }

    /// Moves to the next consumer; call it directly on `409 Consumer Deleted`, a 503, or a
    /// reconnect. Create the new consumer with [`consumer_config`](Self::consumer_config)
    /// and then call [`handle_created`](Self::handle_created).
    pub fn reset(&mut self) -> Reset {
        let old_consumer = self.consumer_name();
        self.serial += 1;
        self.expected_consumer_seq = 1;
        self.heartbeat.stop();
        Reset {
            deliver_from_stream_seq: (self.last_stream_seq > 0).then_some(self.last_stream_seq + 1),
            old_consumer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::UNIX_EPOCH;

    fn meta(consumer: &str, cseq: u64, sseq: u64) -> MessageMetadata {
        MessageMetadata {
            domain: None,
            account_hash: None,
            stream: "S".into(),
            consumer: consumer.into(),
            delivered: 1,
            stream_sequence: sseq,
            consumer_sequence: cseq,
            timestamp: UNIX_EPOCH,
            pending: 0,
        }
    }

    fn ordered() -> OrderedConsumer {
        OrderedConsumer::new(
            "oc",
            ConsumerConfig::default()
                .filter("orders.>")
                .deliver(DeliverPolicy::New),
            ORDERED_IDLE_HEARTBEAT,
        )
    }

    #[test]
    fn first_config_uses_user_policy_and_fixed_rules() {
        let o = ordered();
        let c = o.consumer_config(Some("_INBOX.x"));
        assert_eq!(c.name.as_deref(), Some("oc_1"));
        assert_eq!(c.durable_name, None);
        assert_eq!(c.deliver_policy, DeliverPolicy::New);
        assert_eq!(c.ack_policy, AckPolicy::None);
        assert_eq!(c.max_deliver, Some(1));
        assert!(c.mem_storage && c.flow_control);
        assert_eq!(c.num_replicas, 1);
        assert_eq!(c.idle_heartbeat, Some(ORDERED_IDLE_HEARTBEAT));
        assert_eq!(c.inactive_threshold, Some(ORDERED_INACTIVE_THRESHOLD));
        assert_eq!(c.filter_subject.as_deref(), Some("orders.>"));
        assert_eq!(c.validate(), Ok(()));
        let pull = o.consumer_config(None);
        assert!(pull.is_pull() && !pull.flow_control && pull.idle_heartbeat.is_none());
        assert_eq!(pull.validate(), Ok(()));
    }

    #[test]
    fn gap_resets_from_the_next_stream_sequence() {
        let t0 = Instant::now();
        let mut o = ordered();
        o.handle_created(t0);
        assert_eq!(
            o.handle_message(t0, &meta("oc_1", 1, 10)),
            OrderedEvent::Deliver
        );
        assert_eq!(
            o.handle_message(t0, &meta("oc_1", 2, 12)),
            OrderedEvent::Deliver
        );
        let ev = o.handle_message(t0, &meta("oc_1", 4, 15));
        assert_eq!(
            ev,
            OrderedEvent::Reset(Reset {
                deliver_from_stream_seq: Some(13),
                old_consumer: "oc_1".into()
            })
        );
        assert_eq!(o.consumer_name(), "oc_2");
        let c = o.consumer_config(None);
        assert_eq!(c.deliver_policy, DeliverPolicy::ByStartSequence(13));
        assert_eq!(
            o.handle_message(t0, &meta("oc_1", 3, 14)),
            OrderedEvent::Stale
        );
        assert_eq!(
            o.handle_message(t0, &meta("oc_2", 1, 13)),
            OrderedEvent::Deliver
        );
        assert_eq!(o.last_stream_seq(), 13);
    }

    #[test]
    fn heartbeat_gap_and_loss() {
        let t0 = Instant::now();
        let mut o = ordered();
        o.handle_created(t0);
        assert_eq!(
            o.handle_heartbeat(t0, Some(0)),
            None,
            "nothing delivered, nothing seen"
        );
        o.handle_message(t0, &meta("oc_1", 1, 1));
        assert_eq!(o.handle_heartbeat(t0, Some(1)), None);
        assert_eq!(o.handle_heartbeat(t0, None), None);
        let r = o
            .handle_heartbeat(t0, Some(3))
            .expect("server delivered more than we saw");
        assert_eq!(r.deliver_from_stream_seq, Some(2));
        assert_eq!(
            o.poll_timeout(),
            None,
            "stopped until the new consumer exists"
        );
        o.handle_created(t0 + Duration::from_secs(1));
        assert_eq!(o.poll_timeout(), Some(t0 + Duration::from_secs(11)));
        assert_eq!(o.handle_timeout(t0 + Duration::from_secs(10)), None);
        let r = o
            .handle_timeout(t0 + Duration::from_secs(11))
            .expect("missed heartbeats");
        assert_eq!(r.old_consumer, "oc_2");
        assert_eq!(o.consumer_name(), "oc_3");
    }

    #[test]
    fn reset_before_any_message_keeps_user_policy() {
        let mut o = ordered();
        let r = o.reset();
        assert_eq!(r.deliver_from_stream_seq, None);
        assert_eq!(o.consumer_config(None).deliver_policy, DeliverPolicy::New);
    }
}
