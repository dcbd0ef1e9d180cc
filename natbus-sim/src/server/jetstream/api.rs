//! The JetStream API subjects of the model: consumer create, info, delete, and pull
//! requests. Any other API subject gets no reply, as a real server's unknown ones.

use std::time::Duration;

use bytes::Bytes;
use natbus_proto::headers::{HeaderMap, StatusCode};
use natbus_proto::jetstream::consumer::CreateConsumerRequest;
use natbus_proto::jetstream::errors::{
    CONSUMER_ALREADY_EXISTS, CONSUMER_NOT_FOUND, STREAM_NOT_FOUND,
};
use natbus_proto::jetstream::pull::PullRequest;
use natbus_proto::message::Message;
use serde_json::json;

use super::consumer::Consumer;
use super::{JetStream, Outgoing, Stream, json_reply};

impl JetStream {
    /// `$JS.API.<rest>` was published.
    pub(super) fn api(
        &mut self,
        rest: &str,
        message: &Message,
        now: Duration,
        out: &mut Vec<Outgoing>,
    ) {
        let Some(reply) = message.reply.clone() else {
            return;
        };
        let tokens: Vec<&str> = rest.split('.').collect();
        let body = match tokens.as_slice() {
            ["CONSUMER", "CREATE", stream, ..] | ["CONSUMER", "DURABLE", "CREATE", stream, ..] => {
                self.create_consumer(stream, &message.payload, now)
            }
            ["CONSUMER", "INFO", stream, consumer] => self.info(stream, consumer),
            ["CONSUMER", "DELETE", stream, consumer] => self.delete(stream, consumer),
            ["CONSUMER", "MSG", "NEXT", stream, consumer] => {
                self.next(stream, consumer, reply, &message.payload, now, out);
                return;
            }
            _ => return,
        };
        out.push(json_reply(&reply, body));
        self.pump_all(now, out);
    }

    fn create_consumer(
        &mut self,
        stream: &str,
        payload: &[u8],
        now: Duration,
    ) -> serde_json::Value {
        let request: CreateConsumerRequest = match serde_json::from_slice(payload) {
            Ok(r) => r,
            Err(e) => return error(400, 10025, &format!("bad request: {e}")),
        };
        self.next_name += 1;
        let generated = format!("gen{}", self.next_name);
        let Some(s) = self.streams.get_mut(stream) else {
            return error(404, STREAM_NOT_FOUND, "stream not found");
        };
        let name = request
            .config
            .consumer_name()
            .map_or(generated, str::to_owned);
        if let Some(existing) = s.consumers.get(&name) {
            if existing.config == request.config {
                return info_json(s, existing, now);
            }
            return error(400, CONSUMER_ALREADY_EXISTS, "consumer already exists");
        }
        let first_new = s.messages.len() as u64 + 1;
        let consumer = Consumer::new(name.clone(), request.config, first_new, now);
        s.consumers.insert(name.clone(), consumer);
        match s.consumers.get(&name) {
            Some(c) => info_json(s, c, now),
            None => error(500, 10000, "consumer vanished"),
        }
    }

    fn info(&self, stream: &str, consumer: &str) -> serde_json::Value {
        let Some(s) = self.streams.get(stream) else {
            return error(404, STREAM_NOT_FOUND, "stream not found");
        };
        match s.consumers.get(consumer) {
            Some(c) => info_json(s, c, Duration::ZERO),
            None => error(404, CONSUMER_NOT_FOUND, "consumer not found"),
        }
    }

    fn delete(&mut self, stream: &str, consumer: &str) -> serde_json::Value {
        let Some(s) = self.streams.get_mut(stream) else {
            return error(404, STREAM_NOT_FOUND, "stream not found");
        };
        match s.consumers.remove(consumer) {
            Some(_) => json!({"success": true}),
            None => error(404, CONSUMER_NOT_FOUND, "consumer not found"),
        }
    }

    /// A pull request: wait for messages, or 503 when the consumer does not exist.
    fn next(
        &mut self,
        stream: &str,
        consumer: &str,
        reply: natbus_proto::subject::Subject,
        payload: &[u8],
        now: Duration,
        out: &mut Vec<Outgoing>,
    ) {
        let request = parse_pull(payload);
        let Some(c) = self.consumer_mut(stream, consumer) else {
            out.push(Outgoing {
                to: reply.clone(),
                message: Message {
                    subject: reply,
                    reply: None,
                    headers: Some(HeaderMap::with_status(StatusCode::NO_RESPONDERS, None)),
                    malformed_headers: None,
                    payload: Bytes::new(),
                },
            });
            return;
        };
        c.pull(reply, &request, now);
        self.pump_all(now, out);
    }
}

/// A pull request body: empty (one message), a number (a batch) or JSON.
fn parse_pull(payload: &[u8]) -> PullRequest {
    let text = std::str::from_utf8(payload).unwrap_or_default().trim();
    if text.is_empty() {
        return PullRequest::new(1);
    }
    if let Ok(batch) = text.parse() {
        return PullRequest::new(batch);
    }
    serde_json::from_str(text).unwrap_or_else(|_| PullRequest::new(1))
}

fn error(code: u16, err_code: u16, description: &str) -> serde_json::Value {
    json!({"error": {"code": code, "err_code": err_code, "description": description}})
}

/// A consumer's info, as CONSUMER.CREATE and CONSUMER.INFO answer.
fn info_json(stream: &Stream, c: &Consumer, now: Duration) -> serde_json::Value {
    let (consumer_seq, stream_seq) = c.delivered_seqs();
    let _ = now;
    json!({
        "stream_name": stream.name,
        "name": c.name,
        "created": "2025-01-01T00:00:00Z",
        "config": c.config,
        "delivered": {"consumer_seq": consumer_seq, "stream_seq": stream_seq},
        "ack_floor": {"consumer_seq": 0, "stream_seq": 0},
        "num_ack_pending": c.num_ack_pending(),
        "num_redelivered": 0,
        "num_waiting": 0,
        "num_pending": c.num_pending(&stream.messages),
    })
}
