//! How a consumer of the model delivers: redeliveries first, then new messages, to its
//! waiting pull requests or its push subject; and what time does to it (ack waits,
//! expired pull requests, idle heartbeats, flow control).

use std::time::Duration;

use bytes::Bytes;
use natbus_proto::headers::{HeaderMap, StatusCode};
use natbus_proto::jetstream::consumer::AckPolicy;
use natbus_proto::jetstream::pull::{
    NATS_LAST_CONSUMER, NATS_LAST_STREAM, NATS_PENDING_BYTES, NATS_PENDING_MESSAGES,
};
use natbus_proto::jetstream::push::NATS_CONSUMER_STALLED;
use natbus_proto::message::Message;
use natbus_proto::subject::Subject;

use super::consumer::{Consumer, Unacked};
use super::{Outgoing, Stored};

/// A push consumer with flow control asks for an answer every this many messages.
const FLOW_CONTROL_EVERY: u64 = 16;

impl Consumer {
    /// Time passed: ack waits, expired pull requests, heartbeats.
    pub(crate) fn tick(&mut self, now: Duration, out: &mut Vec<Outgoing>) {
        let max_deliver = self.max_deliver();
        let due: Vec<u64> = self
            .unacked
            .iter()
            .filter(|(_, u)| u.deadline <= now)
            .map(|(seq, _)| *seq)
            .collect();
        for seq in due {
            if max_deliver.is_some_and(|max| self.unacked[&seq].deliveries >= max) {
                self.unacked.remove(&seq);
            } else {
                self.redeliver.insert(seq);
            }
        }
        let (last_consumer, last_stream) = (self.consumer_seq, self.last_stream_seq);
        self.waiting.retain_mut(|w| {
            if w.expires_at.is_some_and(|at| at <= now) {
                let mut h = HeaderMap::with_status(StatusCode::new(408), Some("Request Timeout"));
                h.insert(NATS_PENDING_MESSAGES, w.left.to_string());
                h.insert(NATS_PENDING_BYTES, "0");
                out.push(status(&w.reply, h, None));
                return false;
            }
            if let (Some(at), Some(hb)) = (w.next_heartbeat, w.heartbeat) {
                if at <= now {
                    out.push(heartbeat(&w.reply, last_consumer, last_stream, None));
                    w.next_heartbeat = Some(now + hb);
                }
            }
            true
        });
        if let (Some(at), Some(hb), Some(deliver)) = (
            self.next_heartbeat,
            self.config.idle_heartbeat,
            self.config.deliver_subject.as_deref(),
        ) {
            if at <= now {
                if let Ok(deliver) = Subject::try_from(deliver) {
                    let stalled = self.fc_pending.clone();
                    out.push(heartbeat(&deliver, last_consumer, last_stream, stalled));
                }
                self.next_heartbeat = Some(now + hb);
            }
        }
    }

    /// Delivers what it can: redeliveries first, then new messages, to waiting pull
    /// requests or to the push subject.
    pub(crate) fn pump(
        &mut self,
        stream: &str,
        messages: &[Stored],
        now: Duration,
        out: &mut Vec<Outgoing>,
    ) {
        while let Some(target) = self.target() {
            let Some(seq) = self.next_message(messages) else {
                break;
            };
            let Some(stored) = messages.get(seq as usize - 1) else {
                break;
            };
            let deliveries = self.unacked.get(&seq).map_or(0, |u| u.deliveries) + 1;
            self.redeliver.remove(&seq);
            if seq >= self.next_seq {
                self.next_seq = seq + 1;
            }
            self.consumer_seq += 1;
            self.last_stream_seq = seq;
            if self.config.ack_policy != AckPolicy::None {
                let deadline = now + self.ack_wait();
                self.unacked.insert(
                    seq,
                    Unacked {
                        deliveries,
                        deadline,
                    },
                );
            }
            let pending = self.num_pending(messages);
            let ack = format!(
                "$JS.ACK.{stream}.{}.{deliveries}.{seq}.{}.{}.{pending}",
                self.name,
                self.consumer_seq,
                stored.time.as_nanos()
            );
            let message = Message {
                subject: stored.subject.clone(),
                reply: Subject::try_from(ack).ok(),
                headers: stored.headers.clone(),
                malformed_headers: None,
                payload: stored.payload.clone(),
            };
            self.deliver(target, message, stream, now, out);
        }
        // A no-wait request with nothing more to take ends now.
        let mut i = 0;
        while i < self.waiting.len() {
            let w = &self.waiting[i];
            if w.no_wait && (w.delivered > 0 || w.expires_at.is_none()) {
                let h = HeaderMap::with_status(StatusCode::new(404), Some("No Messages"));
                out.push(status(&w.reply, h, None));
                self.waiting.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Where the next message would go: the first waiting pull request (index) or the push
    /// subject (`usize::MAX`); `None` when nothing may be delivered now.
    fn target(&mut self) -> Option<usize> {
        if self.unacked.len() >= self.max_ack_pending() && self.redeliver.is_empty() {
            return None;
        }
        if self.is_pull() {
            return (!self.waiting.is_empty()).then_some(0);
        }
        self.fc_pending.is_none().then_some(usize::MAX)
    }

    fn next_message(&mut self, messages: &[Stored]) -> Option<u64> {
        if let Some(&seq) = self.redeliver.iter().next() {
            return Some(seq);
        }
        if self.unacked.len() >= self.max_ack_pending() {
            return None;
        }
        while (self.next_seq as usize) <= messages.len() {
            let stored = &messages[self.next_seq as usize - 1];
            if self.wants(&stored.subject) {
                return Some(self.next_seq);
            }
            self.next_seq += 1;
        }
        None
    }

    /// Sends `message` to `target` (a waiting pull request's index, or `usize::MAX` for the
    /// push subject), keeping the stream subject; a push consumer with flow control asks
    /// for an answer every few messages and waits for it.
    fn deliver(
        &mut self,
        target: usize,
        message: Message,
        stream: &str,
        now: Duration,
        out: &mut Vec<Outgoing>,
    ) {
        if target != usize::MAX {
            let Some(w) = self.waiting.get_mut(target) else {
                return;
            };
            out.push(Outgoing {
                to: w.reply.clone(),
                message,
            });
            w.left -= 1;
            w.delivered += 1;
            w.next_heartbeat = w.heartbeat.map(|hb| now + hb);
            if w.left == 0 {
                self.waiting.remove(target);
            }
            return;
        }
        let Some(deliver) = self
            .config
            .deliver_subject
            .as_deref()
            .and_then(|d| Subject::try_from(d).ok())
        else {
            return;
        };
        out.push(Outgoing {
            to: deliver.clone(),
            message,
        });
        self.next_heartbeat = self.config.idle_heartbeat.map(|hb| now + hb);
        if !self.config.flow_control {
            return;
        }
        self.fc_count += 1;
        if self.fc_count % FLOW_CONTROL_EVERY == 0 {
            self.next_fc_id += 1;
            let reply = format!("$JS.FC.{stream}.{}.{}", self.name, self.next_fc_id);
            if let Ok(reply_subject) = Subject::try_from(reply.as_str()) {
                let h = HeaderMap::with_status(StatusCode::new(100), Some("FlowControl Request"));
                out.push(status(&deliver, h, Some(reply_subject)));
                self.fc_pending = Some(reply);
            }
        }
    }
}

/// An empty status message to `subject`.
fn status(subject: &Subject, headers: HeaderMap, reply: Option<Subject>) -> Outgoing {
    Outgoing {
        to: subject.clone(),
        message: Message {
            subject: subject.clone(),
            reply,
            headers: Some(headers),
            malformed_headers: None,
            payload: Bytes::new(),
        },
    }
}

fn heartbeat(
    subject: &Subject,
    last_consumer: u64,
    last_stream: u64,
    stalled: Option<String>,
) -> Outgoing {
    let mut h = HeaderMap::with_status(StatusCode::new(100), Some("Idle Heartbeat"));
    h.insert(NATS_LAST_CONSUMER, last_consumer.to_string());
    h.insert(NATS_LAST_STREAM, last_stream.to_string());
    if let Some(stalled) = stalled {
        h.insert(NATS_CONSUMER_STALLED, stalled);
    }
    status(subject, h, None)
}
