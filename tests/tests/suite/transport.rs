//! How a test's natbus client reaches its server: TCP, or NATS inside a WebSocket. The
//! tests written `_over(rt, transport)` run over both (see `websocket.rs` for the list).

use std::sync::Arc;

use natbus::Runtime;
use natbus::jetstream::JetStream;
use natbus_tests::{NatsServer, ServerBuilder};

use super::{connect, options};

/// The transport a test's natbus client uses. Other clients in the test (nats-py, an admin
/// client) stay on TCP, so a WebSocket run also checks that both kinds talk to each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `nats://` to the client port.
    Tcp,
    /// `ws://` to the server's WebSocket listener (`websocket { no_tls: true }`).
    WebSocket,
}

impl Transport {
    /// Starts `builder`'s server with what this transport needs.
    pub fn start(self, builder: ServerBuilder) -> NatsServer {
        self.configure(builder).start()
    }

    /// Adds what this transport needs to a server's builder (a WebSocket listener).
    pub fn configure(self, builder: ServerBuilder) -> ServerBuilder {
        match self {
            Transport::Tcp => builder,
            Transport::WebSocket => builder.websocket(),
        }
    }

    /// The URL natbus connects to.
    pub fn url(self, server: &NatsServer) -> String {
        match self {
            Transport::Tcp => server.url(),
            Transport::WebSocket => server.websocket_url(),
        }
    }

    /// A JetStream context on a new client of `server` over this transport.
    pub async fn jetstream(self, rt: &Arc<dyn Runtime>, server: &NatsServer) -> JetStream {
        connect(rt, options(&self.url(server))).await.jetstream()
    }

    /// [`url`](Self::url) with the server's credentials in it.
    pub fn url_with_credentials(self, server: &NatsServer) -> String {
        match self {
            Transport::Tcp => server.client_url_with_credentials(),
            Transport::WebSocket => server.websocket_url_with_credentials(),
        }
    }
}
