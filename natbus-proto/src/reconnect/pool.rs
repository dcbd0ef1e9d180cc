//! The pool of servers to dial, in order, with per-server failure counters and backoff.

use crate::time::Instant;

use super::ReconnectPolicy;
use crate::prng::Prng;
use crate::server_addr::{AddrError, ServerAddr, check_transports};
use crate::time;

/// Why a [`ServerPool`] could not be built.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// No server was given.
    #[error("no server to connect to: configure at least one server URL")]
    Empty,
    /// WebSocket and TCP servers were mixed ([`AddrError::MixedTransports`]).
    #[error(transparent)]
    Servers(#[from] AddrError),
}

/// One server with its bookkeeping.
#[derive(Clone, Debug)]
struct Entry {
    addr: ServerAddr,
    /// Configured by the user, as opposed to learned from INFO `connect_urls`.
    explicit: bool,
    /// Failed attempts since this server was last connected.
    failures: u32,
    /// For a server advertised by IP address, the host name of the server it was learned
    /// from: TLS must verify that name, since certificates rarely list IP addresses.
    tls_name: Option<String>,
}

/// The servers a client may dial, the order to try them in, and when.
///
/// Built from the configured servers, grown and trimmed by [`merge_discovered`]. See the
/// [module docs](super) for the call protocol.
///
/// [`merge_discovered`]: ServerPool::merge_discovered
#[derive(Clone, Debug)]
pub struct ServerPool {
    /// Pool order; a pass walks it from index 0.
    entries: Vec<Entry>,
    /// Index of the next server to try in the current pass.
    cursor: usize,
    policy: ReconnectPolicy,
    rng: Prng,
    /// Full passes that failed since the last successful connect.
    failed_passes: u32,
    /// Earliest instant of the next attempt (set when a pass fails).
    not_before: Option<Instant>,
    /// The server of the live connection, if any.
    current: Option<ServerAddr>,
    /// When the live connection completed its handshake.
    connected_at: Option<Instant>,
    /// Nothing more will be tried (reconnect disabled and a connection or first pass lost).
    closed: bool,
}

impl ServerPool {
    /// Builds a pool from the configured servers, shuffled with `seed` unless the policy
    /// says to keep their order. Duplicates (same host and port) keep their first entry.
    ///
    /// # Errors
    /// [`PoolError::Empty`] when `servers` is empty, [`PoolError::Servers`] when it mixes
    /// WebSocket and TCP servers.
    pub fn new(
        servers: Vec<ServerAddr>,
        policy: ReconnectPolicy,
        seed: u64,
    ) -> Result<Self, PoolError> {
        check_transports(&servers)?;
        let mut entries: Vec<Entry> = Vec::with_capacity(servers.len());
        for addr in servers {
            if !entries.iter().any(|e| e.addr.same_endpoint(&addr)) {
                entries.push(Entry {
                    addr,
                    explicit: true,
                    failures: 0,
                    tls_name: None,
                });
            }
        }
        if entries.is_empty() {
            return Err(PoolError::Empty);
        }
        let mut rng = Prng::new(seed);
        if policy.randomize {
            rng.shuffle(&mut entries);
        }
        Ok(Self {
            entries,
            cursor: 0,
            policy,
            rng,
            failed_passes: 0,
            not_before: None,
            current: None,
            connected_at: None,
            closed: false,
        })
    }

    /// The next server to dial and the earliest instant to dial it (never before `now`), or
    /// `None` when the pool is exhausted: every server reached its attempt limit, or
    /// reconnect is disabled and the connection (or the first pass) was lost.
    ///
    /// Call it when a connection is needed; it changes nothing, so calling it again before
    /// reporting an outcome gives the same answer. Report the outcome of the dial with
    /// [`connect_failed`](Self::connect_failed) or [`connected`](Self::connected).
    pub fn next_attempt(&mut self, now: Instant) -> Option<(ServerAddr, Instant)> {
        if self.closed {
            return None;
        }
        let entry = self.entries.get(self.cursor).or(self.entries.first())?;
        let at = self.not_before.filter(|t| *t > now).unwrap_or(now);
        Some((entry.addr.clone(), at))
    }

    /// Reports that dialing or the handshake with `server` failed at `now`.
    ///
    /// Counts the attempt, drops the server if it reached the limit, and moves on to the next
    /// one; when that completes a pass, the next attempt waits the backoff plus jitter.
    pub fn connect_failed(&mut self, server: &ServerAddr, now: Instant) {
        let Some(i) = self.position(server) else {
            return;
        };
        if self.count_failure(i) {
            if i < self.cursor {
                self.cursor -= 1;
            }
        } else if i == self.cursor {
            self.cursor += 1;
        }
        if self.cursor >= self.entries.len() {
            self.pass_failed(now);
        }
    }

    /// Reports that the client connected to `server` at `now`, and moves it to the front
    /// of the pool.
    ///
    /// The server's failure count and the backoff are kept until the connection proves
    /// stable (it lives [`ReconnectPolicy::stable_after`]); see
    /// [`disconnected`](Self::disconnected).
    pub fn connected(&mut self, server: &ServerAddr, now: Instant) {
        if let Some(i) = self.position(server) {
            let entry = self.entries.remove(i);
            self.entries.insert(0, entry);
        }
        self.current = Some(server.clone());
        self.connected_at = Some(now);
        self.cursor = 0;
    }

    /// Reports that the live connection was lost at `now`.
    ///
    /// A connection that lived at least [`ReconnectPolicy::stable_after`] was a success:
    /// its server's failure count and the backoff are reset, and the next attempt is
    /// immediate. One lost sooner counts as a failed attempt on its server (which may drop
    /// it at its limit) and as a failed pass, so the next attempt waits the backoff plus
    /// jitter: a server that accepts every handshake and then fails the connection is not
    /// redialled in a busy loop. Either way the lost server moves to the back, so another
    /// server is tried first when there is one.
    pub fn disconnected(&mut self, now: Instant) {
        self.lost(now, true);
    }

    /// Reports that the client left the live connection on purpose at `now` (a forced
    /// reconnect, or a server in lame-duck mode): nothing is counted against the server and
    /// the next attempt is immediate, to another server first when there is one. A
    /// connection that lived [`ReconnectPolicy::stable_after`] still resets the backoff.
    pub fn left(&mut self, now: Instant) {
        self.lost(now, false);
    }

    fn lost(&mut self, now: Instant, may_fail: bool) {
        let lost = self.current.take();
        let stable = self
            .connected_at
            .take()
            .is_some_and(|at| now.saturating_duration_since(at) >= self.policy.stable_after);
        let mut position = lost.and_then(|lost| self.position(&lost));
        if let Some(i) = position {
            let mut entry = self.entries.remove(i);
            if stable {
                entry.failures = 0;
            }
            self.entries.push(entry);
            position = Some(self.entries.len() - 1);
        }
        self.cursor = 0;
        if stable {
            self.failed_passes = 0;
            self.not_before = None;
        }
        if !self.policy.enabled {
            self.closed = true;
            return;
        }
        if stable || !may_fail {
            return;
        }
        if let Some(i) = position {
            self.count_failure(i);
        }
        self.pass_failed(now);
    }

    /// Counts a failed attempt on entry `i`, dropping it at the limit; true when dropped.
    fn count_failure(&mut self, i: usize) -> bool {
        let entry = &mut self.entries[i];
        entry.failures = entry.failures.saturating_add(1);
        let failures = entry.failures;
        let drop = self
            .policy
            .attempt_limit()
            .is_some_and(|max| failures >= max);
        if drop {
            self.entries.remove(i);
        }
        drop
    }

    /// Merges the servers of INFO `connect_urls` (`host:port`, no scheme) into the pool.
    ///
    /// New servers are added with the scheme, WebSocket path and credentials of `current`
    /// (a WebSocket client is sent the servers' WebSocket addresses, and a path set by a
    /// proxy in front of one server is kept for the others, as nats.go's proxy path is);
    /// servers learned
    /// earlier but no longer listed are dropped (never explicit ones, nor `current`). When
    /// servers were added and the policy randomizes, all but the first entry are shuffled.
    /// Entries that do not parse are skipped. Returns true when servers were added.
    /// Does nothing when the policy ignores discovered servers or the list is empty.
    pub fn merge_discovered(&mut self, connect_urls: &[String], current: &ServerAddr) -> bool {
        if self.policy.ignore_discovered {
            return false;
        }
        let tls_name = if current.host_is_ip() {
            None
        } else {
            Some(self.tls_server_name(current).to_owned())
        };
        let discovered: Vec<ServerAddr> = connect_urls
            .iter()
            .filter_map(|url| url.parse::<ServerAddr>().ok())
            .map(|addr| ServerAddr {
                scheme: current.scheme,
                path: current.path.clone(),
                user: current.user.clone(),
                password: current.password.clone(),
                token: current.token.clone(),
                ..addr
            })
            .collect();
        if discovered.is_empty() {
            return false;
        }
        let mut i = 0;
        while i < self.entries.len() {
            let e = &self.entries[i];
            let keep = e.explicit
                || e.addr.same_endpoint(current)
                || discovered.iter().any(|d| d.same_endpoint(&e.addr));
            if keep {
                i += 1;
            } else {
                self.entries.remove(i);
                if i < self.cursor {
                    self.cursor -= 1;
                }
            }
        }
        if self.cursor >= self.entries.len() {
            self.cursor = 0;
        }
        let mut added = false;
        for addr in discovered {
            if self.entries.iter().any(|e| e.addr.same_endpoint(&addr)) {
                continue;
            }
            let tls_name = tls_name.clone().filter(|_| addr.host_is_ip());
            self.entries.push(Entry {
                addr,
                explicit: false,
                failures: 0,
                tls_name,
            });
            added = true;
        }
        if added && self.policy.randomize && self.entries.len() > 2 {
            self.rng.shuffle(&mut self.entries[1..]);
        }
        added
    }

    /// The servers in the order they will be tried.
    pub fn servers(&self) -> impl Iterator<Item = &ServerAddr> {
        self.entries.iter().map(|e| &e.addr)
    }

    /// The policy the pool was built with.
    pub fn policy(&self) -> &ReconnectPolicy {
        &self.policy
    }

    /// The failed attempts counted against `server` since it last connected, or `None`
    /// when it is not (or no longer) in the pool.
    pub fn failures(&self, server: &ServerAddr) -> Option<u32> {
        self.position(server).map(|i| self.entries[i].failures)
    }

    /// The name TLS must verify when connecting to `server`: its host, except for a server
    /// discovered by IP address from a server reached by name, where it is that name.
    pub fn tls_server_name<'a>(&'a self, server: &'a ServerAddr) -> &'a str {
        self.position(server)
            .and_then(|i| self.entries[i].tls_name.as_deref())
            .unwrap_or(&server.host)
    }

    fn position(&self, server: &ServerAddr) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.addr.same_endpoint(server))
    }

    /// A full pass over the pool failed at `now`: start the next one after the backoff.
    fn pass_failed(&mut self, now: Instant) {
        self.cursor = 0;
        if !self.policy.enabled {
            self.closed = true;
            return;
        }
        self.failed_passes = self.failed_passes.saturating_add(1);
        let jitter = self.rng.duration_below(self.policy.jitter);
        let wait = self
            .policy
            .backoff(self.failed_passes)
            .saturating_add(jitter);
        self.not_before = Some(time::deadline(now, wait));
    }
}

#[cfg(test)]
#[path = "pool_tests.rs"]
mod tests;
