//! NATS over WebSocket (`ws://`, `wss://`): opening the WebSocket, then the same driver.
//!
//! The connection driver asks [`dial`] for a socket whose bytes are the NATS stream; the
//! protocol state machine never sees a frame. A runtime with its own WebSocket (a browser)
//! opens it through [`Runtime::connect_websocket`]; on the native runtimes natbus opens it
//! itself over [`Runtime::connect`].

mod target;

use std::io;

use crate::runtime::{BoxFuture, Dialed, Runtime};

pub use target::WebSocketTarget;

/// Opens the WebSocket to `target`: through the runtime when it has its own WebSocket,
/// otherwise natbus's own (not written yet: an error says so).
pub(crate) fn dial(
    runtime: &dyn Runtime,
    target: WebSocketTarget,
) -> BoxFuture<io::Result<Dialed>> {
    match runtime.connect_websocket(&target) {
        Some(opening) => Box::pin(async move {
            // Only the driver writes to a WebSocket: frames are written whole.
            let (socket, _direct) = opening.await?.into_parts();
            Ok(Dialed::new(socket))
        }),
        None => Box::pin(async move {
            Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "{target}: this runtime has no WebSocket of its own and natbus does not open one over TCP yet"
                ),
            ))
        }),
    }
}
