//! Dialing, the handshake, keep-alive, disconnects and reconnects.

use crate::time::Instant;

use super::{
    Action, CloseReason, ConnectFailure, Connection, DisconnectReason, Drain, Event, PublishLoss,
    Stage, State,
};
use crate::connect::{Auth, ConnectInfo};
use crate::keepalive::{KeepAliveAction, PingPurpose};
use crate::server_addr::ServerAddr;
use crate::time;
use crate::wire::encode;

use super::event::{FlushError, RequestError, SubscriptionEnd};

impl Connection {
    /// The socket asked for by [`Action::Dial`] is open: the handshake starts. For a
    /// WebSocket server, call it once the WebSocket is open (after the HTTP upgrade), with
    /// the socket's bytes being the NATS byte stream inside the frames.
    pub fn handle_connected(&mut self, now: Instant) {
        let _ = now;
        if let State::Dialing { server, deadline } = &self.state {
            self.decoder.reset();
            self.control.clear();
            self.heard = false;
            let server = server.clone();
            // A WebSocket's TLS is under it, set up before the upgrade: never TLS-first.
            let stage = if self.config.tls_first && !server.is_websocket() {
                self.actions.push_back(Action::UpgradeTls {
                    server: server.clone(),
                });
                Stage::TlsFirst
            } else {
                Stage::Info
            };
            self.state = State::Handshake {
                server,
                deadline: *deadline,
                stage,
            };
        }
    }

    /// The dial asked for by [`Action::Dial`] failed.
    pub fn handle_dial_failed(&mut self, now: Instant, reason: &str) {
        if matches!(self.state, State::Dialing { .. }) {
            self.connect_failed(now, ConnectFailure::Io(reason.to_owned()));
        }
    }

    /// The TLS upgrade asked for by [`Action::UpgradeTls`] succeeded: CONNECT follows.
    pub fn handle_tls_upgraded(&mut self, now: Instant) {
        match &mut self.state {
            State::Handshake {
                stage: stage @ Stage::Tls,
                ..
            } => {
                *stage = Stage::Pong;
                self.send_connect(now);
            }
            // TLS-first: the server speaks (INFO) only now, over TLS.
            State::Handshake {
                stage: stage @ Stage::TlsFirst,
                ..
            } => *stage = Stage::Info,
            _ => {}
        }
    }

    /// The socket failed or was closed by the peer (not after our own [`Action::Close`]).
    pub fn handle_disconnected(&mut self, now: Instant, reason: &str) {
        match self.state {
            State::Handshake { .. } if self.silent_server() => {
                self.connect_failed(now, ConnectFailure::Silent { closed: true });
            }
            State::Dialing { .. } | State::Handshake { .. } => {
                self.connect_failed(now, ConnectFailure::Io(reason.to_owned()));
            }
            State::Connected { .. } => {
                self.connection_lost(now, DisconnectReason::Io(reason.to_owned()), false);
            }
            State::Waiting { .. } | State::Closed => {}
        }
    }

    /// Drops a working connection and reconnects as after a lost one: the next server of
    /// the pool is dialled at once (the same one when it is the only one), subscriptions
    /// are made again, and what is queued leaves on the new connection. Requests and
    /// flushes in flight fail with `Disconnected`. Returns false, doing nothing, when not
    /// connected (already reconnecting, or closed).
    pub fn force_reconnect(&mut self, now: Instant) -> bool {
        if !matches!(self.state, State::Connected { .. }) {
            return false;
        }
        self.actions.push_back(Action::Close { flush: false });
        self.connection_lost(now, DisconnectReason::Forced, false);
        true
    }

    /// Timers: dial when the backoff is over, handshake timeout, keep-alive, request
    /// deadlines. Idempotent: calling it early or twice does nothing extra.
    pub fn handle_timeout(&mut self, now: Instant) {
        match &self.state {
            State::Waiting { at } if now >= *at => self.schedule_dial(now),
            State::Dialing { deadline, .. } | State::Handshake { deadline, .. }
                if now >= *deadline =>
            {
                self.actions.push_back(Action::Close { flush: false });
                let failure = if self.silent_server() {
                    ConnectFailure::Silent { closed: false }
                } else {
                    ConnectFailure::TimedOut
                };
                self.connect_failed(now, failure);
            }
            State::Connected { .. } => match self.keepalive.poll(now) {
                KeepAliveAction::SendPing => self.queue_ping(PingPurpose::KeepAlive),
                KeepAliveAction::Stale => {
                    self.actions.push_back(Action::Close { flush: false });
                    self.connection_lost(now, DisconnectReason::Stale, false);
                }
                KeepAliveAction::Idle => {}
            },
            _ => {}
        }
        for id in self.requests.expire(now) {
            self.events.push_back(Event::Reply {
                id,
                result: Err(RequestError::TimedOut),
            });
        }
    }

    /// True while waiting for the first INFO of a NATS (not WebSocket) server that has sent
    /// nothing at all since the socket opened.
    fn silent_server(&self) -> bool {
        !self.heard
            && matches!(
                &self.state,
                State::Handshake { server, stage: Stage::Info, .. } if !server.is_websocket()
            )
    }

    /// Asks the pool for the next server and dials it now or schedules the dial.
    pub(super) fn schedule_dial(&mut self, now: Instant) {
        match self.pool.next_attempt(now) {
            Some((server, at)) if at <= now => {
                let deadline = time::deadline(now, self.config.connect_timeout);
                self.actions.push_back(Action::Dial {
                    server: server.clone(),
                });
                self.state = State::Dialing { server, deadline };
            }
            Some((_, at)) => self.state = State::Waiting { at },
            None => self.close_for_good(CloseReason::ReconnectExhausted(
                "no server left to try".to_owned(),
            )),
        }
    }

    /// INFO arrived during the handshake.
    pub(super) fn handshake_info(&mut self, now: Instant) {
        let State::Handshake { server, stage, .. } = &mut self.state else {
            return;
        };
        let info = self.info.as_deref();
        let server_tls = info.is_some_and(|i| i.tls_required);
        let server_offers = info.is_some_and(|i| i.tls_required || i.tls_available);
        let wants_tls = self.config.require_tls || server.tls_required();
        if server.is_websocket() {
            // TLS (wss://) is under the WebSocket and already done; the INFO TLS flags
            // describe the WebSocket listener (nats-server sets both for a TLS one), so they
            // ask for nothing here. nats.go does the same.
            *stage = Stage::Pong;
            self.send_connect(now);
        } else if self.config.tls_first {
            // The socket is already TLS: go straight to CONNECT.
            *stage = Stage::Pong;
            self.send_connect(now);
        } else if (wants_tls && !server_offers) && !server_tls {
            self.actions.push_back(Action::Close { flush: false });
            self.connect_failed(now, ConnectFailure::TlsNotOffered);
        } else if wants_tls || server_tls {
            *stage = Stage::Tls;
            let server = server.clone();
            self.actions.push_back(Action::UpgradeTls { server });
        } else {
            *stage = Stage::Pong;
            self.send_connect(now);
        }
    }

    /// Writes CONNECT + PING.
    fn send_connect(&mut self, now: Instant) {
        let State::Handshake { server, .. } = &self.state else {
            return;
        };
        let info = self.info.as_deref();
        let mut connect = ConnectInfo {
            verbose: false,
            pedantic: false,
            tls_required: if server.is_websocket() {
                self.websocket_tls(server)
            } else {
                self.config.require_tls || self.config.tls_first || server.tls_required()
            },
            name: self.config.name.clone(),
            lang: self.config.lang.clone(),
            version: self.config.version.clone(),
            protocol: 1,
            echo: self.config.echo,
            headers: true,
            no_responders: true,
            ..ConnectInfo::default()
        };
        // Credentials in the URL win for that server, as users expect from `nats://u:p@host`.
        let auth = match (&server.user, &server.password, &server.token) {
            (Some(user), Some(password), _) => Auth::UserPassword {
                user: user.clone(),
                password: password.clone(),
            },
            (_, _, Some(token)) => Auth::Token(token.clone()),
            (Some(token), None, None) => Auth::Token(token.clone()),
            _ => self.config.auth.clone(),
        };
        if let Err(reason) = auth.apply(&mut connect, info.and_then(|i| i.nonce.as_deref())) {
            self.actions.push_back(Action::Close { flush: false });
            self.connect_failed(now, ConnectFailure::Credentials(reason.to_string()));
            return;
        }
        encode::encode_connect(&mut self.control, &connect);
        encode::encode_ping(&mut self.control);
    }

    /// The handshake PONG arrived: the connection is ready.
    pub(super) fn handshake_done(&mut self, now: Instant) {
        let State::Handshake { server, .. } = &self.state else {
            return;
        };
        let server = server.clone();
        self.pool.connected(&server, now);
        if let Some(info) = &self.info {
            if self.pool.merge_discovered(&info.connect_urls, &server) {
                self.events.push_back(Event::ServersDiscovered);
            }
        }
        self.failed_attempts = 0;
        self.keepalive.start(now);
        self.subs.encode_resubscribe(&mut self.control);
        let reconnected = self.ever_connected;
        if reconnected {
            self.stats.reconnects += 1;
        }
        self.ever_connected = true;
        self.state = State::Connected {
            server: server.clone(),
        };
        self.events.push_back(Event::Connected {
            server,
            reconnected,
        });
    }

    /// A connect attempt failed; try the next server or give up.
    pub(super) fn connect_failed(&mut self, now: Instant, failure: ConnectFailure) {
        let server = match &self.state {
            State::Dialing { server, .. } | State::Handshake { server, .. } => server.clone(),
            _ => return,
        };
        self.pool.connect_failed(&server, now);
        self.control.clear();
        self.events.push_back(Event::ConnectFailed {
            server: server.clone(),
            reason: failure.clone(),
        });
        self.failed_attempts += 1;
        match &failure {
            ConnectFailure::Server(err) if err.is_auth() => {
                // Bad credentials do not get better by retrying: give up on the initial
                // connect at once.
                let twice = self.auth_refused_by(&server);
                if !self.ever_connected || twice {
                    return self.close_for_good(CloseReason::Auth(err.clone()));
                }
            }
            _ => self.auth_refused.retain(|s| !s.same_endpoint(&server)),
        }
        let one_pass = self.failed_attempts >= self.pool.servers().count().max(1);
        if !self.ever_connected && !self.config.retry_on_initial_connect && one_pass {
            return self.close_for_good(CloseReason::ConnectFailed(failure));
        }
        if self.ever_connected && !self.config.reconnect.enabled {
            return self.close_for_good(CloseReason::ReconnectExhausted(failure.to_string()));
        }
        self.state = State::Waiting { at: now };
        self.schedule_dial(now);
    }

    /// Records an authorization error from `server`; true when its previous attempt or
    /// connection ended with one too (then the client must give up, as nats.go does).
    fn auth_refused_by(&mut self, server: &ServerAddr) -> bool {
        if self.auth_refused.iter().any(|s| s.same_endpoint(server)) {
            return true;
        }
        // Bounded by the pool: servers that left it are forgotten.
        let pool = &self.pool;
        self.auth_refused
            .retain(|s| pool.servers().any(|p| p.same_endpoint(s)));
        self.auth_refused.push(server.clone());
        false
    }

    /// A live connection went down (or we decided to leave it).
    pub(super) fn connection_lost(&mut self, now: Instant, reason: DisconnectReason, _flush: bool) {
        let State::Connected { server } = &self.state else {
            return;
        };
        let server = server.clone();
        self.fail_in_flight(FlushError::Disconnected, RequestError::Disconnected);
        self.control.clear();
        self.decoder.reset();
        let loss = PublishLoss {
            unconfirmed: self.ledger.settle(),
            ..PublishLoss::default()
        };
        self.stats.publish_loss += loss;
        self.events.push_back(Event::Disconnected {
            reason: reason.clone(),
            loss,
        });
        match &reason {
            // Leaving on purpose is no failure of the server.
            DisconnectReason::Forced | DisconnectReason::LameDuck => self.pool.left(now),
            _ => self.pool.disconnected(now),
        }
        if self.drain != Drain::No {
            return self.close_for_good(CloseReason::Drained);
        }
        match &reason {
            DisconnectReason::Server(err) if err.is_auth() => {
                if self.auth_refused_by(&server) {
                    return self.close_for_good(CloseReason::Auth(err.clone()));
                }
            }
            _ => self.auth_refused.retain(|s| !s.same_endpoint(&server)),
        }
        if !self.config.reconnect.enabled {
            return self.close_for_good(CloseReason::ReconnectExhausted(reason.to_string()));
        }
        self.state = State::Waiting { at: now };
        self.schedule_dial(now);
    }

    /// Fails flushes whose PING was on the wire and every request in flight.
    fn fail_in_flight(&mut self, flush: FlushError, request: RequestError) {
        for purpose in self.keepalive.stop() {
            match purpose {
                PingPurpose::Flush(id) => {
                    self.events.push_back(Event::Flushed {
                        id,
                        result: Err(flush.clone()),
                    });
                }
                // Its UNSUB reached the server, so it must not be resubscribed.
                PingPurpose::DrainSubscription(sid) => self.end_drained(sid),
                PingPurpose::KeepAlive | PingPurpose::Drain(_) => {}
            }
        }
        for id in self.requests.fail_all() {
            self.events.push_back(Event::Reply {
                id,
                result: Err(request.clone()),
            });
        }
    }

    /// Closes for good: fails everything pending and ends every subscription.
    pub(super) fn close_for_good(&mut self, reason: CloseReason) {
        if self.state == State::Closed {
            return;
        }
        self.fail_in_flight(FlushError::Closed, RequestError::Closed);
        for purpose in self.keepalive.drop_queued() {
            if let PingPurpose::Flush(id) = purpose {
                self.events.push_back(Event::Flushed {
                    id,
                    result: Err(FlushError::Closed),
                });
            }
        }
        let end = if reason == CloseReason::Drained {
            SubscriptionEnd::Drained
        } else {
            SubscriptionEnd::Closed
        };
        let mut sids = self.subs.clear();
        sids.sort_unstable();
        for sid in sids {
            if Some(sid) != self.requests.sid() {
                self.events.push_back(Event::SubscriptionEnded {
                    sid,
                    reason: end.clone(),
                });
            }
        }
        self.control.clear();
        let mut loss = PublishLoss {
            unconfirmed: self.ledger.settle(),
            ..PublishLoss::default()
        };
        if self.flush_on_close {
            // Written best effort after this, and never confirmed.
            loss.unconfirmed += self.outbound.publishes();
        } else {
            loss.discarded = self.outbound.publishes();
            self.outbound.clear();
        }
        self.stats.publish_loss += loss;
        self.state = State::Closed;
        self.events.push_back(Event::Closed { reason, loss });
    }
}
