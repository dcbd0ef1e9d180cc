//! A cluster of nats-servers on loopback, joined by routes, with JetStream.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::builder::ServerBuilder;
use crate::server::NatsServer;

/// How long the routes and the JetStream meta leader may take to form.
const FORM_TIMEOUT: Duration = Duration::from_secs(45);

/// `n` servers named `n1`…, each routed to all the others, with clustered JetStream unless
/// the builder turns it off.
///
/// ```no_run
/// let cluster = natbus_tests::NatsCluster::start(3);
/// let urls = cluster.urls(); // "nats://127.0.0.1:p1,nats://127.0.0.1:p2,..."
/// # let _ = urls;
/// ```
#[derive(Debug)]
pub struct NatsCluster {
    servers: Vec<NatsServer>,
    /// Whether the servers run JetStream, so that forming includes a meta leader.
    jetstream: bool,
}

impl NatsCluster {
    /// Starts `n` servers with JetStream and waits until every route is up and JetStream
    /// has a meta leader.
    ///
    /// # Panics
    ///
    /// When a server does not start, or the cluster does not form within 45 seconds.
    pub fn start(n: usize) -> NatsCluster {
        Self::start_with(n, |b| b)
    }

    /// As [`start`](Self::start), with each server's builder passed through `configure`.
    /// Without JetStream (`|b| b.jetstream(false)`), forming means only the routes: tests
    /// of core failover then need not wait for a JetStream meta leader election.
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start).
    pub fn start_with(n: usize, configure: impl Fn(ServerBuilder) -> ServerBuilder) -> Self {
        assert!(n >= 1, "a cluster needs at least one server");
        let route_ports = distinct_free_ports(n);
        let routes: Vec<String> = route_ports
            .iter()
            .map(|p| format!("\"nats-route://127.0.0.1:{p}\""))
            .collect();
        let builders: Vec<ServerBuilder> = route_ports
            .iter()
            .enumerate()
            .map(|(i, port)| {
                let config = format!(
                    "server_name: n{}\ncluster {{\n  name: natbus\n  listen: \"127.0.0.1:{port}\"\n  routes: [{}]\n}}\n",
                    i + 1,
                    routes.join(", ")
                );
                configure(NatsServer::builder().config(&config))
            })
            .collect();
        let jetstream = builders.iter().any(|b| b.jetstream);
        let servers = builders.into_iter().map(ServerBuilder::start).collect();
        let cluster = NatsCluster { servers, jetstream };
        cluster.wait_formed();
        cluster
    }

    /// The servers, in start order.
    pub fn servers(&self) -> &[NatsServer] {
        &self.servers
    }

    /// One server, to stop, restart or put into lame duck mode.
    ///
    /// # Panics
    ///
    /// When `i` is out of range.
    pub fn server_mut(&mut self, i: usize) -> &mut NatsServer {
        &mut self.servers[i]
    }

    /// Every client URL, comma-separated, as `ConnectOptions::server` takes them.
    pub fn urls(&self) -> String {
        let urls: Vec<String> = self.servers.iter().map(NatsServer::url).collect();
        urls.join(",")
    }

    /// Waits until every running server has a route to every other and (with JetStream)
    /// the JetStream meta group has a leader.
    ///
    /// # Panics
    ///
    /// When that does not happen within 45 seconds.
    pub fn wait_formed(&self) {
        let deadline = Instant::now() + FORM_TIMEOUT;
        let peers = self.servers.len().saturating_sub(1);
        loop {
            let routed = self.servers.iter().all(|s| {
                let routez = s.monitor("/routez");
                routez["num_routes"].as_u64().unwrap_or(0) as usize >= peers
            });
            // A meta leader alone is not enough on older servers: until every server is
            // current with the meta group (its `/healthz` answers 200), an R3 stream create
            // can keep failing for tens of seconds on a loaded machine.
            let leader = !self.jetstream
                || (self.servers.iter().any(|s| {
                    let jsz = s.monitor("/jsz");
                    jsz["meta_cluster"]["leader"]
                        .as_str()
                        .is_some_and(|l| !l.is_empty())
                }) && self.servers.iter().all(NatsServer::is_healthy));
            if routed && leader {
                return;
            }
            if Instant::now() >= deadline {
                let logs: Vec<String> = self.servers.iter().map(NatsServer::log).collect();
                panic!(
                    "cluster did not form within {FORM_TIMEOUT:?} (routed: {routed}, leader: {leader})\n{}",
                    logs.join("\n--- next server ---\n")
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A port that was free a moment ago. Route ports must be known before any server starts
/// (each lists the others), so the kernel-chosen `-1` trick of the client port cannot be
/// used.
///
/// The port is drawn below the kernel's ephemeral range: a port from that range (what
/// binding port 0 gives) can meanwhile become the source port of any outgoing connection on
/// the machine and stay taken for as long as that connection lives, which failed cluster
/// starts on a busy machine. Below the range only another listener can take it.
fn free_port() -> u16 {
    let (low, high) = below_ephemeral_range();
    let span = u64::from(high - low);
    for _ in 0..1000 {
        let port = low + u16::try_from(random() % span).unwrap_or(0);
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port in {low}..{high} after 1000 tries")
}

/// `n` different ports that were free a moment ago. Two independent draws can return the
/// same port (a cluster once failed to start with both route entries on one port: "Duplicate
/// route entry detected"), so a port already drawn is drawn again.
fn distinct_free_ports(n: usize) -> Vec<u16> {
    let mut ports: Vec<u16> = Vec::with_capacity(n);
    while ports.len() < n {
        let port = free_port();
        if !ports.contains(&port) {
            ports.push(port);
        }
    }
    ports
}

/// The ports to draw route ports from: below the ephemeral range
/// (`/proc/sys/net/ipv4/ip_local_port_range`, 32768 by default on Linux), above 10000.
fn below_ephemeral_range() -> (u16, u16) {
    let first_ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    (10_000, first_ephemeral.max(20_000))
}

/// A random number from the standard library's per-process hasher keys and the clock.
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_ports_are_free_and_below_the_ephemeral_range() {
        let (low, high) = below_ephemeral_range();
        assert!(low < high);
        for _ in 0..20 {
            let port = free_port();
            assert!((low..high).contains(&port), "{port}");
        }
    }

    #[test]
    fn route_ports_of_one_cluster_are_distinct() {
        for _ in 0..50 {
            let mut ports = distinct_free_ports(5);
            ports.sort_unstable();
            ports.dedup();
            assert_eq!(ports.len(), 5, "{ports:?}");
        }
    }
}
