//! Everything a [`Connection`](super::Connection) is configured with.

use std::time::Duration;

use crate::connect::Auth;
use crate::reconnect::ReconnectPolicy;
use crate::server_addr::ServerAddr;

/// Configuration of a client connection. `Default` gives the values of the official clients.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectionConfig {
    /// Servers to connect to (the initial pool).
    pub servers: Vec<ServerAddr>,
    /// Reconnect policy and server-pool behaviour.
    pub reconnect: ReconnectPolicy,
    /// Keep trying when the very first connect fails, instead of giving up after one pass.
    pub retry_on_initial_connect: bool,
    /// Connection name, shown in server monitoring.
    pub name: Option<String>,
    /// Credentials (user/password or a token in a server URL take precedence for that server).
    pub auth: Auth,
    /// Receive our own publishes on our own subscriptions.
    pub echo: bool,
    /// How often to PING the server; zero disables keep-alive.
    pub ping_interval: Duration,
    /// Unanswered PINGs after which the connection is considered stale.
    pub max_pings_out: u32,
    /// Time allowed for TCP connect plus the INFO/CONNECT/PONG handshake.
    pub connect_timeout: Duration,
    /// Prefix of reply subjects (`_INBOX`).
    pub inbox_prefix: String,
    /// Longest control line accepted from the server.
    pub max_control_line: usize,
    /// Largest message (headers plus payload; an INFO line too) accepted from the server.
    /// The server's INFO `max_payload` limits what this client publishes, not what it
    /// accepts: a broken or hostile server could announce anything. A larger message is a
    /// protocol error naming its size and this limit, refused on its control line before
    /// any of its body is buffered. Default 64 MiB, the server's own hard maximum.
    pub max_inbound_message: usize,
    /// Outbound bytes that may wait while connected before publishing must wait.
    pub write_buffer_limit: usize,
    /// Outbound bytes kept while disconnected, sent after reconnect.
    pub reconnect_buffer_limit: usize,
    /// Require TLS even when the server does not ask for it.
    pub require_tls: bool,
    /// Start TLS right after the socket connects, before the server's INFO (servers with
    /// `tls { handshake_first: true }`, nats-server 2.10.4 and later). Implies TLS.
    pub tls_first: bool,
    /// Client language reported in CONNECT.
    pub lang: String,
    /// Client version reported in CONNECT.
    pub version: String,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            servers: Vec::new(),
            reconnect: ReconnectPolicy::default(),
            retry_on_initial_connect: false,
            name: None,
            auth: Auth::None,
            echo: true,
            ping_interval: Duration::from_secs(60),
            max_pings_out: 2,
            connect_timeout: Duration::from_secs(5),
            inbox_prefix: "_INBOX".to_owned(),
            max_control_line: 4096,
            max_inbound_message: 64 * 1024 * 1024,
            write_buffer_limit: 8 * 1024 * 1024,
            reconnect_buffer_limit: 8 * 1024 * 1024,
            require_tls: false,
            tls_first: false,
            lang: "rust".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}
