//! What the driver needs to know for TLS, beyond the [`Action::UpgradeTls`] itself: the
//! name to verify, and whether a WebSocket runs over TLS. The handshake order (TLS after
//! INFO, or TLS-first; never a NATS-level upgrade for a WebSocket) lives in `lifecycle.rs`.
//!
//! [`Action::UpgradeTls`]: super::Action::UpgradeTls

use super::Connection;
use crate::server_addr::{Scheme, ServerAddr};

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

    /// True when the WebSocket to `server` must run over TLS: a `wss://` URL, or a `ws://`
    /// one while TLS is required ([`ConnectionConfig::require_tls`], as nats.go's secure
    /// option does). The TLS handshake comes before the HTTP upgrade, and verifies
    /// [`tls_server_name`](Self::tls_server_name).
    ///
    /// [`ConnectionConfig::require_tls`]: super::ConnectionConfig::require_tls
    pub fn websocket_tls(&self, server: &ServerAddr) -> bool {
        server.scheme == Scheme::Wss || (server.is_websocket() && self.config.require_tls)
    }
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
