//! What the driver needs to open a WebSocket for [`Action::Dial`]: whether it runs over TLS,
//! and the handshake and frame writer, seeded from the connection's generator so that a
//! seeded run writes the same bytes.
//!
//! [`Action::Dial`]: super::Action::Dial

use super::Connection;
use crate::server_addr::{Scheme, ServerAddr};
use crate::websocket::{ClientHandshake, FrameWriter};

impl Connection {
    /// True when the WebSocket to `server` must run over TLS: a `wss://` URL, or a `ws://`
    /// one while TLS is required ([`ConnectionConfig::require_tls`], as nats.go's secure
    /// option does). The TLS handshake comes before the HTTP upgrade, and verifies
    /// [`tls_server_name`](Self::tls_server_name).
    ///
    /// [`ConnectionConfig::require_tls`]: super::ConnectionConfig::require_tls
    pub fn websocket_tls(&self, server: &ServerAddr) -> bool {
        server.scheme == Scheme::Wss || (server.is_websocket() && self.config.require_tls)
    }

    /// The opening handshake for a WebSocket to `server`, with a fresh key, and the writer
    /// of the client's frames on it. Call it once per dial, when the driver opens the
    /// WebSocket itself.
    pub fn websocket_codec(&mut self, server: &ServerAddr) -> (ClientHandshake, FrameWriter) {
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&self.rng.next_u64().to_le_bytes());
        key[8..].copy_from_slice(&self.rng.next_u64().to_le_bytes());
        let tls = self.websocket_tls(server);
        let handshake = ClientHandshake::new(&server.host, server.port, &server.path, tls, key);
        (handshake, FrameWriter::new(self.rng.next_u64()))
    }
}
