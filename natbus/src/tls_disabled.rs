//! TLS in a build without the `tls` feature: the interface of `tls.rs`, refusing every use
//! of TLS with an error that names the missing feature.
//!
//! The check runs before connecting, for what the options ask for (a `tls://` URL,
//! `require_tls` on a TCP server), and when connecting, for a server whose INFO requires
//! TLS or a `wss://` WebSocket that natbus would open itself. Either way the user reads
//! why, instead of a handshake that never starts.

use std::io;
use std::sync::Arc;

use natbus_proto::connection::ConnectionConfig;
use natbus_proto::server_addr::Scheme;

use crate::runtime::{BoxFuture, Socket};

/// Stands for rustls's configuration, which cannot exist in this build: no value of this
/// type can be made, so code that would use one cannot run.
pub(crate) enum ClientConfig {}

/// Why TLS is not available.
#[derive(Debug, thiserror::Error)]
#[error("natbus was built without the `tls` feature: {0}")]
pub(crate) struct TlsError(&'static str);

/// No TLS choices exist without the feature.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsSettings {}

impl TlsSettings {
    /// Refuses a configuration that needs TLS.
    pub(crate) fn apply(&self, config: &mut ConnectionConfig) -> Result<(), TlsError> {
        // A WebSocket's TLS is the runtime's when it opens the WebSocket itself (a
        // browser's `wss://`), so only servers reached over TCP are refused here.
        if config.require_tls && config.servers.iter().any(|s| !s.is_websocket()) {
            return Err(TlsError("require_tls(true) needs it"));
        }
        if config.servers.iter().any(|s| s.scheme == Scheme::Tls) {
            return Err(TlsError("a tls:// server URL needs it"));
        }
        Ok(())
    }

    /// Always an error: the connection needs TLS.
    pub(crate) fn client_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        Err(TlsError("this connection needs TLS"))
    }
}

/// Never called: no [`ClientConfig`] exists to call it with.
pub(crate) fn upgrade(
    config: Arc<ClientConfig>,
    _server_name: &str,
    _socket: Box<dyn Socket>,
) -> BoxFuture<io::Result<Box<dyn Socket>>> {
    match *config {}
}
