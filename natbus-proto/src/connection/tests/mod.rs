//! Scripted-server tests: the state machine driven byte by byte with a virtual clock.
//! The script (a connection, a clock, and the server's part) is here; the tests are in
//! one file per topic.

mod drain;
mod durations;
mod handshake;
mod inbound;
mod loss;
mod pubsub;
mod reconnect;
mod requests;

use crate::time::Instant;
use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::headers::HeaderMap;
use crate::reconnect::ReconnectPolicy;

const INFO: &str = "INFO {\"server_id\":\"S1\",\"version\":\"2.15.1\",\"proto\":1,\"headers\":true,\"max_payload\":1024}\r\n";

/// A connection plus a virtual clock, with helpers that play the server's part.
struct Script {
    conn: Connection,
    now: Instant,
}

fn config(urls: &[&str]) -> ConnectionConfig {
    ConnectionConfig {
        servers: urls
            .iter()
            .map(|u| u.parse().expect("valid test url"))
            .collect(),
        reconnect: ReconnectPolicy {
            randomize: false,
            ..ReconnectPolicy::default()
        },
        ping_interval: Duration::from_secs(10),
        name: Some("script".into()),
        ..ConnectionConfig::default()
    }
}

impl Script {
    fn new(config: ConnectionConfig) -> Self {
        let now = Instant::now();
        Script {
            conn: Connection::new(config, 7, now).expect("servers configured"),
            now,
        }
    }

    fn written(&mut self) -> String {
        let mut out = Vec::new();
        self.conn.poll_transmit(&mut out);
        String::from_utf8(out.concat()).expect("protocol text in these tests")
    }

    fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.conn.poll_event()).collect()
    }

    fn actions(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.conn.poll_action()).collect()
    }

    fn read(&mut self, bytes: &str) {
        self.conn.handle_read(bytes.as_bytes(), self.now);
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.conn.handle_timeout(self.now);
    }

    /// Plays a full handshake, after waiting out the backoff when the dial is scheduled
    /// rather than asked for; returns what the client wrote after the PONG.
    fn handshake(&mut self) -> String {
        let mut actions = self.actions();
        if actions.is_empty()
            && let Some(at) = self.conn.poll_timeout()
        {
            self.now = self.now.max(at);
            self.conn.handle_timeout(self.now);
            actions = self.actions();
        }
        assert!(
            matches!(actions.as_slice(), [Action::Dial { .. }]),
            "{actions:?}"
        );
        self.conn.handle_connected(self.now);
        self.read(INFO);
        let hello = self.written();
        assert!(
            hello.starts_with("CONNECT {") && hello.ends_with("}\r\nPING\r\n"),
            "{hello}"
        );
        self.read("PONG\r\n");
        self.written()
    }
}
