//! What the server does with each client operation: subscriptions, and routing a publish
//! to every matching subscription (one member per queue group).

use std::collections::BTreeMap;

use bytes::Bytes;
use natbus_proto::headers::{HeaderMap, StatusCode};
use natbus_proto::message::Message;
use natbus_proto::subject::matches;
use natbus_proto::wire::encode::encode_server_op;
use natbus_proto::wire::{ClientOp, ServerOp};

use super::jetstream::Outgoing;
use super::{Record, State, Sub};
use crate::world::World;

/// Subjects whose publishes the server journals for the invariant checks.
pub(crate) const CHECKED_PREFIX: &str = "check.";

impl State {
    /// Handles one operation from connection `conn`.
    pub(super) fn handle(&mut self, world: &World, conn: u64, op: ClientOp) {
        match op {
            ClientOp::Connect(info) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.name = info.name.unwrap_or_default();
                    c.echo = info.echo;
                    c.headers = info.headers;
                    c.no_responders = info.no_responders;
                }
            }
            ClientOp::Ping => self.send(world, conn, &ServerOp::Pong),
            ClientOp::Pong => {}
            ClientOp::Sub {
                subject,
                queue,
                sid,
            } => {
                // As nats-server does, a second SUB for a sid the connection already
                // uses is ignored.
                self.subs.entry((conn, sid)).or_insert(Sub {
                    subject,
                    queue,
                    max: None,
                    delivered: 0,
                });
            }
            ClientOp::Unsub { sid, max } => {
                let done = match (self.subs.get_mut(&(conn, sid)), max) {
                    (Some(sub), Some(max)) if sub.delivered < max => {
                        sub.max = Some(max);
                        false
                    }
                    _ => true,
                };
                if done {
                    self.subs.remove(&(conn, sid));
                }
            }
            ClientOp::Pub {
                subject,
                reply,
                headers,
                payload,
            } => {
                let message = Message {
                    subject,
                    reply,
                    headers,
                    malformed_headers: None,
                    payload,
                };
                self.publish(world, conn, message);
            }
        }
    }

    /// A client published `message`.
    pub(super) fn publish(&mut self, world: &World, from: u64, message: Message) {
        let mut out = Vec::new();
        let taken = self
            .js
            .on_publish(&message, world.clock.elapsed(), &mut out);
        if taken {
            self.send_js(world, out);
        }
        if message.subject.starts_with(CHECKED_PREFIX) {
            let client = self
                .conns
                .get(&from)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            self.journal.push(Record {
                conn: from,
                client,
                subject: message.subject.to_string(),
                payload: message.payload.clone(),
            });
        }
        let reply = message.reply.clone();
        let delivered = self.route(world, Some(from), &message.subject, &message);
        let Some(reply) = reply else {
            return;
        };
        let wants_status = self
            .conns
            .get(&from)
            .is_some_and(|c| c.headers && c.no_responders);
        if delivered == 0 && wants_status && !taken {
            let status = Message {
                subject: reply,
                reply: None,
                headers: Some(HeaderMap::with_status(StatusCode::NO_RESPONDERS, None)),
                malformed_headers: None,
                payload: Bytes::new(),
            };
            // Only the requester hears that nobody listens.
            self.route_to(world, from, &status);
        }
    }

    /// Routes what JetStream sends, and wakes its clock (it may have a new deadline).
    fn send_js(&mut self, world: &World, out: Vec<Outgoing>) {
        self.route_js(world, out);
        if let Some(w) = self.js_waker.take() {
            w.wake();
        }
    }

    /// Routes what JetStream sends.
    pub(super) fn route_js(&mut self, world: &World, out: Vec<Outgoing>) {
        for o in out {
            self.route(world, None, &o.to, &o.message);
        }
    }

    /// Delivers `message` to every subscription matching `to` (skipping the publisher's
    /// own when it asked for no echo) and returns how many got it.
    pub(super) fn route(
        &mut self,
        world: &World,
        from: Option<u64>,
        to: &str,
        message: &Message,
    ) -> usize {
        let no_echo = from
            .and_then(|f| self.conns.get(&f))
            .is_some_and(|c| !c.echo);
        let mut plain = Vec::new();
        let mut groups: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
        for (&(conn, sid), sub) in &self.subs {
            if no_echo && Some(conn) == from {
                continue;
            }
            if !matches(sub.subject.as_str(), to) {
                continue;
            }
            match &sub.queue {
                Some(q) => groups.entry(q.clone()).or_default().push((conn, sid)),
                None => plain.push((conn, sid)),
            }
        }
        for members in groups.into_values() {
            let pick = world.rng().below(members.len() as u64) as usize;
            plain.push(members[pick]);
        }
        let count = plain.len();
        for (conn, sid) in plain {
            self.deliver(world, conn, sid, message);
        }
        count
    }

    /// Delivers `message` to the subscriptions of connection `conn` that match it.
    fn route_to(&mut self, world: &World, conn: u64, message: &Message) {
        let sids: Vec<u64> = self
            .subs
            .iter()
            .filter(|((c, _), sub)| *c == conn && matches(sub.subject.as_str(), &message.subject))
            .map(|((_, sid), _)| *sid)
            .collect();
        for sid in sids {
            self.deliver(world, conn, sid, message);
        }
    }

    /// Queues `message` for subscription `sid` of `conn`; a client that has fallen too far
    /// behind is cut, as a real server cuts a slow consumer.
    fn deliver(&mut self, world: &World, conn: u64, sid: u64, message: &Message) {
        let Some(sub) = self.subs.get_mut(&(conn, sid)) else {
            return;
        };
        sub.delivered += 1;
        if sub.max.is_some_and(|max| sub.delivered >= max) {
            self.subs.remove(&(conn, sid));
        }
        let msg = ServerOp::Msg {
            sid,
            message: message.clone(),
        };
        self.send(world, conn, &msg);
    }

    /// Queues a server operation for `conn` and wakes its task.
    pub(super) fn send(&mut self, world: &World, conn: u64, op: &ServerOp) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        encode_server_op(&mut c.out, op);
        if c.out.len() > self.max_pending {
            world.note(format_args!(
                "server: connection {conn} cut as a slow consumer"
            ));
            self.stats.slow_consumer_cuts += 1;
            c.link.reset();
            self.remove_conn(conn);
            return;
        }
        if let Some(w) = c.waker.take() {
            w.wake();
        }
    }
}
