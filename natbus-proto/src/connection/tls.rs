//! What the driver needs to know for a TLS upgrade, beyond the [`Action::UpgradeTls`]
//! itself. The handshake order (TLS after INFO, or TLS-first; never a NATS-level upgrade for
//! a WebSocket) lives in `lifecycle.rs`.
//!
//! [`Action::UpgradeTls`]: super::Action::UpgradeTls

use super::Connection;
use crate::server_addr::ServerAddr;

impl Connection {
    /// The name to verify the server certificate against (and to send as SNI) when upgrading
    /// the connection to `server`.
    ///
    /// It is the URL host, except for a server that was discovered by IP address through a
    /// server reached by name: certificates rarely list IP addresses, so the original host
    /// name is kept (as the official clients do).
    pub fn tls_server_name(&self, server: &ServerAddr) -> String {
        self.pool.tls_server_name(server).to_owned()
    }
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
