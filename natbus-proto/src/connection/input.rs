//! Bytes from the server: decoding and dispatching each operation.

use crate::time::Instant;

use super::{
    Action, CloseReason, ConnectFailure, Connection, DisconnectReason, Drain, Event, Stage, State,
};
use crate::headers::StatusCode;
use crate::info::ServerInfo;
use crate::keepalive::PingPurpose;
use crate::message::Message;
use crate::server_error::{ServerError, ServerErrorKind};
use crate::subscriptions::Delivery;
use crate::wire::{ServerOp, encode};

use super::event::{RequestError, SubscriptionEnd};

impl Connection {
    /// Feeds bytes read from the socket. Every complete operation in them is processed;
    /// a partial one waits for the next call.
    pub fn handle_read(&mut self, data: &[u8], now: Instant) {
        if !matches!(
            self.state,
            State::Handshake { .. } | State::Connected { .. }
        ) {
            return;
        }
        self.heard |= !data.is_empty();
        self.decoder.extend(data);
        loop {
            match self.decoder.decode() {
                Ok(Some(op)) => self.handle_op(op, now),
                Ok(None) => break,
                Err(err) => {
                    self.actions.push_back(Action::Close { flush: false });
                    if self.is_connected() {
                        self.connection_lost(now, DisconnectReason::Protocol(err), false);
                    } else {
                        self.connect_failed(now, ConnectFailure::Protocol(err));
                    }
                    break;
                }
            }
            if !matches!(
                self.state,
                State::Handshake { .. } | State::Connected { .. }
            ) {
                break;
            }
        }
    }

    fn handle_op(&mut self, op: ServerOp, now: Instant) {
        match op {
            ServerOp::Msg { sid, message } => self.on_message(sid, message),
            ServerOp::Ping => {
                if self.is_connected() {
                    self.outbound.write_with(encode::encode_pong);
                } else {
                    encode::encode_pong(&mut self.control);
                }
            }
            ServerOp::Pong => self.on_pong(now),
            ServerOp::Info(info) => self.on_info(info, now),
            ServerOp::Ok => {}
            ServerOp::Err(text) => self.on_server_error(ServerError::parse(&text), now),
            ServerOp::Undeliverable { sid, error, .. } => {
                self.stats.dropped_undeliverable += 1;
                self.events.push_back(Event::MessageDropped { sid, error });
            }
        }
    }

    fn on_message(&mut self, sid: u64, message: Message) {
        self.stats.in_msgs += 1;
        self.stats.in_bytes += message.payload.len() as u64;
        if message.has_malformed_headers() {
            self.stats.in_malformed_headers += 1;
        }
        if Some(sid) == self.requests.sid() {
            let Some(id) = self.requests.complete_bytes(message.subject.as_bytes()) else {
                return; // a late reply to a request that timed out or was cancelled
            };
            let result = if message.status() == Some(StatusCode::NO_RESPONDERS)
                && message.payload.is_empty()
            {
                Err(RequestError::NoResponders)
            } else {
                Ok(message)
            };
            self.events.push_back(Event::Reply { id, result });
            return;
        }
        match self.subs.on_message(sid) {
            Delivery::Deliver => self.events.push_back(Event::Message { sid, message }),
            Delivery::DeliverLast => {
                self.events.push_back(Event::Message { sid, message });
                self.events.push_back(Event::SubscriptionEnded {
                    sid,
                    reason: SubscriptionEnd::MaxReached,
                });
            }
            Delivery::Unknown => self.stats.dropped_unknown_sid += 1,
        }
    }

    fn on_pong(&mut self, now: Instant) {
        if let State::Handshake {
            stage: Stage::Pong, ..
        } = self.state
        {
            return self.handshake_done(now);
        }
        let answered = self.keepalive.pong().map(|(purpose, after)| {
            // The server answered only after reading everything before the PING.
            self.ledger.confirmed(after);
            purpose
        });
        match answered {
            Some(PingPurpose::Flush(id)) => {
                self.events.push_back(Event::Flushed { id, result: Ok(()) })
            }
            Some(PingPurpose::Drain(1)) => {
                // The server has processed every UNSUB: nothing more will be delivered.
                let mut sids: Vec<u64> = self.subs.iter().map(|(sid, _)| sid).collect();
                sids.sort_unstable();
                for sid in sids {
                    if Some(sid) != self.requests.sid() || self.requests.is_empty() {
                        self.subs.remove(sid);
                        if Some(sid) != self.requests.sid() {
                            self.events.push_back(Event::SubscriptionEnded {
                                sid,
                                reason: SubscriptionEnd::Drained,
                            });
                        }
                    }
                }
                self.drain = Drain::Flushing;
                self.queue_ping(PingPurpose::Drain(2));
            }
            Some(PingPurpose::Drain(_)) => {
                self.flush_on_close = true;
                self.actions.push_back(Action::Close { flush: true });
                self.close_for_good(CloseReason::Drained);
            }
            Some(PingPurpose::DrainSubscription(sid)) => self.end_drained(sid),
            Some(PingPurpose::KeepAlive) | None => {}
        }
    }

    fn on_info(&mut self, info: Box<ServerInfo>, now: Instant) {
        let lame_duck = info.ldm;
        let first = matches!(
            self.state,
            State::Handshake {
                stage: Stage::Info,
                ..
            }
        );
        self.events.push_back(Event::ServerInfo(info.clone()));
        self.info = Some(info);
        if first {
            return self.handshake_info(now);
        }
        let State::Connected { server } = &self.state else {
            return;
        };
        let server = server.clone();
        let urls = self
            .info
            .as_ref()
            .map(|i| i.connect_urls.clone())
            .unwrap_or_default();
        if self.pool.merge_discovered(&urls, &server) {
            self.events.push_back(Event::ServersDiscovered);
        }
        if lame_duck {
            self.events.push_back(Event::LameDuck);
            // Move before the server goes away, when there is somewhere to go. Queued
            // publishes stay queued and leave on the next connection.
            if self.pool.servers().any(|s| !s.same_endpoint(&server)) {
                self.actions.push_back(Action::Close { flush: false });
                self.connection_lost(now, DisconnectReason::LameDuck, false);
            }
        }
    }

    fn on_server_error(&mut self, err: ServerError, now: Instant) {
        if matches!(self.state, State::Handshake { .. }) {
            self.actions.push_back(Action::Close { flush: false });
            self.events.push_back(Event::ServerError(err.clone()));
            return self.connect_failed(now, ConnectFailure::Server(err));
        }
        if let ServerErrorKind::SubscribePermissionViolation { subject, queue } = &err.kind {
            for sid in self.subs.find(subject, queue.as_deref()) {
                self.subs.remove(sid);
                self.events.push_back(Event::SubscriptionEnded {
                    sid,
                    reason: SubscriptionEnd::PermissionDenied(err.clone()),
                });
            }
        }
        if err.is_fatal() {
            self.actions.push_back(Action::Close { flush: false });
            self.connection_lost(now, DisconnectReason::Server(err), false);
        } else {
            self.events.push_back(Event::ServerError(err));
        }
    }
}
