//! [`WebSocketTarget`]: the WebSocket endpoint a runtime is asked to open.

use std::fmt;

use natbus_proto::server_addr::ServerAddr;

/// A WebSocket server natbus is about to open, as [`Runtime::connect_websocket`] receives it.
///
/// It holds no credentials: NATS credentials travel in CONNECT, inside the WebSocket, so a
/// target is safe to log.
///
/// [`Runtime::connect_websocket`]: crate::Runtime::connect_websocket
#[derive(Clone, PartialEq, Eq)]
pub struct WebSocketTarget {
    url: String,
    host: String,
    port: u16,
    path: String,
    tls: bool,
    tls_server_name: String,
}

impl WebSocketTarget {
    /// The target for `server`, over TLS when `tls` (verifying `tls_server_name`).
    pub(crate) fn new(server: &ServerAddr, tls: bool, tls_server_name: String) -> Self {
        let path = if server.path.is_empty() {
            "/".to_owned()
        } else {
            server.path.clone()
        };
        let scheme = if tls { "wss" } else { "ws" };
        let url = if server.host.contains(':') {
            format!("{scheme}://[{}]:{}{path}", server.host, server.port)
        } else {
            format!("{scheme}://{}:{}{path}", server.host, server.port)
        };
        WebSocketTarget {
            url,
            host: server.host.clone(),
            port: server.port,
            path,
            tls,
            tls_server_name,
        }
    }

    /// The URL to open, `ws://host:port/path` or `wss://host:port/path`, with the port always
    /// written and no credentials: what a browser's `new WebSocket(url)` takes. The scheme
    /// is `wss` whenever [`is_tls`](Self::is_tls) is true, also for a `ws://` server URL
    /// while TLS is required.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The host name or IP address (an IPv6 address without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The HTTP request path, `/` when the URL has none.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// True when the WebSocket runs over TLS (`wss`).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The name the server's certificate must match: the host, except for a server
    /// discovered by IP address through one reached by name (then that name).
    pub fn tls_server_name(&self) -> &str {
        &self.tls_server_name
    }
}

impl fmt::Debug for WebSocketTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WebSocketTarget").field(&self.url).finish()
    }
}

impl fmt::Display for WebSocketTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str, tls: bool) -> WebSocketTarget {
        let server: ServerAddr = url.parse().expect("valid test URL");
        WebSocketTarget::new(&server, tls, server.host.clone())
    }

    #[test]
    fn the_url_names_scheme_port_and_path_without_credentials() {
        let t = target("ws://bob:secret@h.example/nats", false);
        assert_eq!(t.url(), "ws://h.example:80/nats");
        assert_eq!((t.host(), t.port(), t.path()), ("h.example", 80, "/nats"));
        assert!(!format!("{t:?}{t}").contains("secret"));
        let t = target("ws://[::1]:8080", true);
        assert_eq!(t.url(), "wss://[::1]:8080/");
        assert_eq!(t.path(), "/");
        assert!(t.is_tls());
    }
}
