//! A cluster of nats-servers on loopback, joined by routes, with JetStream.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::builder::ServerBuilder;
use crate::server::NatsServer;

/// How long the routes and the JetStream meta leader may take to form.
const FORM_TIMEOUT: Duration = Duration::from_secs(20);

/// `n` servers named `n1`…, each routed to all the others, with clustered JetStream.
///
/// ```no_run
/// let cluster = natbus_tests::NatsCluster::start(3);
/// let urls = cluster.urls(); // "nats://127.0.0.1:p1,nats://127.0.0.1:p2,..."
/// # let _ = urls;
/// ```
#[derive(Debug)]
pub struct NatsCluster {
    servers: Vec<NatsServer>,
}

impl NatsCluster {
    /// Starts `n` servers with JetStream and waits until every route is up and JetStream
    /// has a meta leader.
    ///
    /// # Panics
    ///
    /// When a server does not start, or the cluster does not form within 20 seconds.
    pub fn start(n: usize) -> NatsCluster {
        Self::start_with(n, |b| b)
    }

    /// As [`start`](Self::start), with each server's builder passed through `configure`.
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start).
    pub fn start_with(n: usize, configure: impl Fn(ServerBuilder) -> ServerBuilder) -> Self {
        assert!(n >= 1, "a cluster needs at least one server");
        let route_ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
        let routes: Vec<String> = route_ports
            .iter()
            .map(|p| format!("\"nats-route://127.0.0.1:{p}\""))
            .collect();
        let servers = route_ports
            .iter()
            .enumerate()
            .map(|(i, port)| {
                let config = format!(
                    "server_name: n{}\ncluster {{\n  name: natbus\n  listen: \"127.0.0.1:{port}\"\n  routes: [{}]\n}}\n",
                    i + 1,
                    routes.join(", ")
                );
                configure(NatsServer::builder().config(&config)).start()
            })
            .collect();
        let cluster = NatsCluster { servers };
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

    /// Waits until every running server has a route to every other and the JetStream meta
    /// group has a leader.
    ///
    /// # Panics
    ///
    /// When that does not happen within 20 seconds.
    pub fn wait_formed(&self) {
        let deadline = Instant::now() + FORM_TIMEOUT;
        let peers = self.servers.len().saturating_sub(1);
        loop {
            let routed = self.servers.iter().all(|s| {
                let routez = s.monitor("/routez");
                routez["num_routes"].as_u64().unwrap_or(0) as usize >= peers
            });
            let leader = self.servers.iter().any(|s| {
                let jsz = s.monitor("/jsz");
                jsz["meta_cluster"]["leader"]
                    .as_str()
                    .is_some_and(|l| !l.is_empty())
            });
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
/// (each lists the others), so the kernel-chosen `-1` trick of the client port cannot be used.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .unwrap_or_else(|e| panic!("cannot bind a loopback port: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("bound socket has no address: {e}"))
        .port()
}
