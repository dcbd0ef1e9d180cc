//! The JetStream part of the server model: streams that store what is published to
//! their subjects (with `Nats-Msg-Id` deduplication and PubAcks), consumers (pull and
//! push, explicit or no acks, redelivery after the ack wait, heartbeats, flow control)
//! and the API subjects the client's JetStream paths use: CONSUMER.CREATE (all forms),
//! CONSUMER.INFO, CONSUMER.DELETE and CONSUMER.MSG.NEXT, plus `$JS.ACK` and `$JS.FC`.
//! Streams are created by the workload directly. A restart keeps streams and durable
//! consumers (file storage), and loses pull requests and ephemeral consumers (memory
//! storage, as ordered consumers ask for).

mod api;
mod consumer;
mod delivery;

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::metadata::MessageMetadata;
use natbus_proto::jetstream::publish::NATS_MSG_ID;
use natbus_proto::message::Message;
use natbus_proto::subject::{Subject, matches};

use consumer::Consumer;

/// A message the model sends: `message` routed to the subscribers of `to` (a pull
/// request's inbox or a push consumer's deliver subject get the stream's subject in the
/// message itself).
pub(crate) struct Outgoing {
    pub(crate) to: Subject,
    pub(crate) message: Message,
}

/// A stored message.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) subject: Subject,
    pub(crate) headers: Option<HeaderMap>,
    pub(crate) payload: Bytes,
    /// Virtual time it was stored.
    pub(crate) time: Duration,
    pub(crate) msg_id: Option<String>,
}

pub(crate) struct Stream {
    pub(crate) name: String,
    subjects: Vec<String>,
    /// Stored messages; sequence `n` is `messages[n - 1]` (nothing is ever deleted).
    pub(crate) messages: Vec<Stored>,
    dedupe: BTreeMap<String, u64>,
    consumers: BTreeMap<String, Consumer>,
}

#[derive(Default)]
pub(crate) struct JetStream {
    streams: BTreeMap<String, Stream>,
    /// Names given to consumers created without one.
    next_name: u64,
}

impl JetStream {
    /// Creates stream `name` capturing `subjects`.
    pub(crate) fn add_stream(&mut self, name: &str, subjects: &[&str]) {
        self.streams.insert(
            name.to_owned(),
            Stream {
                name: name.to_owned(),
                subjects: subjects.iter().map(|s| (*s).to_owned()).collect(),
                messages: Vec::new(),
                dedupe: BTreeMap::new(),
                consumers: BTreeMap::new(),
            },
        );
    }

    pub(crate) fn stream(&self, name: &str) -> Option<&Stream> {
        self.streams.get(name)
    }

    /// A client published `message`: JetStream's part of it. Returns whether JetStream
    /// took it (so no 503 is due), with what it answers in `out`.
    pub(crate) fn on_publish(
        &mut self,
        message: &Message,
        now: Duration,
        out: &mut Vec<Outgoing>,
    ) -> bool {
        let subject = message.subject.as_str();
        if let Some(rest) = subject.strip_prefix("$JS.API.") {
            self.api(rest, message, now, out);
            return true;
        }
        if subject.starts_with("$JS.ACK.") {
            self.on_ack(message, now, out);
            return true;
        }
        if let Some(rest) = subject.strip_prefix("$JS.FC.") {
            if let Some((stream, rest)) = rest.split_once('.') {
                if let Some((consumer, _)) = rest.split_once('.') {
                    if let Some(c) = self.consumer_mut(stream, consumer) {
                        c.flow_control_answered(subject);
                    }
                }
            }
            self.pump_all(now, out);
            return true;
        }
        let Some(stream) = self
            .streams
            .values_mut()
            .find(|s| s.subjects.iter().any(|p| matches(p, subject)))
        else {
            return false;
        };
        let ack = stream.store(message, now);
        if let Some(reply) = &message.reply {
            out.push(json_reply(reply, ack));
        }
        self.pump_all(now, out);
        true
    }

    fn consumer_mut(&mut self, stream: &str, consumer: &str) -> Option<&mut Consumer> {
        self.streams.get_mut(stream)?.consumers.get_mut(consumer)
    }

    /// An ack (or NAK, WPI, TERM) published to a `$JS.ACK` subject.
    fn on_ack(&mut self, message: &Message, now: Duration, out: &mut Vec<Outgoing>) {
        let Ok(meta) = MessageMetadata::parse(&message.subject) else {
            return;
        };
        if let Some(c) = self.consumer_mut(&meta.stream, &meta.consumer) {
            c.ack(meta.stream_sequence, &message.payload, now);
        }
        if let Some(reply) = &message.reply {
            out.push(Outgoing {
                to: reply.clone(),
                message: Message {
                    subject: reply.clone(),
                    reply: None,
                    headers: None,
                    malformed_headers: None,
                    payload: Bytes::new(),
                },
            });
        }
        self.pump_all(now, out);
    }

    /// Delivers whatever every consumer can deliver now.
    fn pump_all(&mut self, now: Duration, out: &mut Vec<Outgoing>) {
        for stream in self.streams.values_mut() {
            for c in stream.consumers.values_mut() {
                c.pump(&stream.name, &stream.messages, now, out);
            }
        }
    }

    /// When [`tick`](Self::tick) next has work.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        self.streams
            .values()
            .flat_map(|s| s.consumers.values())
            .filter_map(Consumer::next_deadline)
            .min()
    }

    /// Time passed: redeliveries, expired pull requests, heartbeats.
    pub(crate) fn tick(&mut self, now: Duration, out: &mut Vec<Outgoing>) {
        for stream in self.streams.values_mut() {
            for c in stream.consumers.values_mut() {
                c.tick(now, out);
            }
        }
        self.pump_all(now, out);
    }

    /// The server restarted: streams and durable consumers stay (file storage); pull
    /// requests, flow control and ephemeral consumers are gone.
    pub(crate) fn restart(&mut self) {
        for stream in self.streams.values_mut() {
            stream.consumers.retain(|_, c| c.is_durable());
            for c in stream.consumers.values_mut() {
                c.restart();
            }
        }
    }

    /// Consumer `consumer` of `stream` in one line (for a failure's message).
    pub(crate) fn describe(&self, stream: &str, consumer: &str) -> Option<String> {
        Some(
            self.streams
                .get(stream)?
                .consumers
                .get(consumer)?
                .describe(),
        )
    }

    /// Unacknowledged messages of consumer `consumer` of `stream` (for the checks).
    pub(crate) fn ack_pending(&self, stream: &str, consumer: &str) -> Option<usize> {
        Some(
            self.streams
                .get(stream)?
                .consumers
                .get(consumer)?
                .num_ack_pending(),
        )
    }
}

impl Stream {
    /// Stores `message` (or finds its duplicate) and returns the PubAck JSON.
    fn store(&mut self, message: &Message, now: Duration) -> serde_json::Value {
        let msg_id = message
            .headers
            .as_ref()
            .and_then(|h| h.get(NATS_MSG_ID))
            .map(str::to_owned);
        if let Some(seq) = msg_id.as_ref().and_then(|id| self.dedupe.get(id)) {
            return serde_json::json!({"stream": self.name, "seq": seq, "duplicate": true});
        }
        self.messages.push(Stored {
            subject: message.subject.clone(),
            headers: message.headers.clone(),
            payload: message.payload.clone(),
            time: now,
            msg_id: msg_id.clone(),
        });
        let seq = self.messages.len() as u64;
        if let Some(id) = msg_id {
            self.dedupe.insert(id, seq);
        }
        serde_json::json!({"stream": self.name, "seq": seq})
    }
}

/// A JSON reply to `reply`.
pub(crate) fn json_reply(reply: &Subject, body: serde_json::Value) -> Outgoing {
    Outgoing {
        to: reply.clone(),
        message: Message {
            subject: reply.clone(),
            reply: None,
            headers: None,
            malformed_headers: None,
            payload: Bytes::from(body.to_string()),
        },
    }
}
