//! NATS over WebSocket (`ws://`, `wss://`): opening the WebSocket; then the same driver.
//!
//! The connection driver asks [`dial`] for a socket whose bytes are the NATS stream; the
//! protocol state machine never sees a frame. A runtime with its own WebSocket (a browser)
//! opens it through [`Runtime::connect_websocket`]. On the native runtimes natbus opens it
//! itself: TCP through [`Runtime::connect`], TLS for `wss://` with the same rustls
//! configuration as `tls://`, then the upgrade and the framing of natbus-proto's sans-IO
//! codec ([`natbus_proto::websocket`], where the module docs say why it is not a crate).
//! Direct writes are off, as over TLS: only the stream writes, frames whole.

mod open;
mod stream;
mod target;

use std::io;
use std::sync::Arc;

use crate::tls::ClientConfig;
use natbus_proto::connection::Connection;
use natbus_proto::server_addr::ServerAddr;

use crate::runtime::{BoxFuture, Dialed, Runtime};

pub use target::WebSocketTarget;

/// Opens the WebSocket to `server`: through the runtime when it has its own WebSocket,
/// otherwise natbus's own over TCP. `tls_config` is asked for only when natbus runs TLS
/// itself (for `wss://`).
pub(crate) fn dial<E: std::fmt::Display>(
    runtime: &Arc<dyn Runtime>,
    conn: &mut Connection,
    server: &ServerAddr,
    tls_config: impl FnOnce() -> Result<Arc<ClientConfig>, E>,
) -> BoxFuture<io::Result<Dialed>> {
    let tls = conn.websocket_tls(server);
    let target = WebSocketTarget::new(server, tls, conn.tls_server_name(server));
    if let Some(opening) = runtime.connect_websocket(&target) {
        return Box::pin(async move {
            // Only the driver writes to a WebSocket: frames are written whole.
            let (socket, _direct) = opening.await?.into_parts();
            Ok(Dialed::new(socket))
        });
    }
    let config = match tls.then(tls_config).transpose() {
        Ok(config) => config,
        Err(e) => {
            let reason = format!("TLS setup failed: {e}");
            return Box::pin(async move { Err(io::Error::other(reason)) });
        }
    };
    let (handshake, writer) = conn.websocket_codec(server);
    Box::pin(open::open(
        runtime.clone(),
        target,
        handshake,
        writer,
        config,
    ))
}
