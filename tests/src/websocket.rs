//! The `websocket { }` block of a test server: NATS over WebSocket on a second port.

use std::path::PathBuf;

use crate::auth::quote;

/// A WebSocket listener on 127.0.0.1, plain (`no_tls: true`) or with TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebSocketListener {
    /// PEM files of the server certificate and its key, for `wss://`.
    pub(crate) tls: Option<(PathBuf, PathBuf)>,
    /// A CA whose client certificates the server requires (`verify: true`).
    pub(crate) verify_clients: Option<PathBuf>,
}

impl WebSocketListener {
    /// The config block, on `port` (`None`: a kernel-chosen port, reported in the ports
    /// file).
    pub(crate) fn config_block(&self, port: Option<u16>) -> String {
        let port = port.map_or_else(|| "-1".to_owned(), |p| p.to_string());
        let security = match &self.tls {
            None => "  no_tls: true\n".to_owned(),
            Some((cert, key)) => {
                let verify = self.verify_clients.as_ref().map_or_else(String::new, |ca| {
                    format!(
                        "    ca_file: {}\n    verify: true\n",
                        quote(&ca.to_string_lossy())
                    )
                });
                format!(
                    "  tls {{\n    cert_file: {}\n    key_file: {}\n{verify}  }}\n",
                    quote(&cert.to_string_lossy()),
                    quote(&key.to_string_lossy())
                )
            }
        };
        format!("websocket {{\n  host: \"127.0.0.1\"\n  port: {port}\n{security}}}\n")
    }

    /// The URL scheme clients use for it.
    pub(crate) fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "wss" } else { "ws" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_tls_blocks() {
        let plain = WebSocketListener {
            tls: None,
            verify_clients: None,
        };
        assert_eq!(
            plain.config_block(None),
            "websocket {\n  host: \"127.0.0.1\"\n  port: -1\n  no_tls: true\n}\n"
        );
        let tls = WebSocketListener {
            tls: Some(("/c.pem".into(), "/k.pem".into())),
            verify_clients: Some("/ca.pem".into()),
        };
        let block = tls.config_block(Some(8443));
        assert!(
            block.contains("port: 8443") && block.contains("cert_file: \"/c.pem\""),
            "{block}"
        );
        assert!(
            block.contains("ca_file: \"/ca.pem\"\n    verify: true"),
            "{block}"
        );
        assert!(!block.contains("no_tls"), "{block}");
        assert_eq!((plain.scheme(), tls.scheme()), ("ws", "wss"));
    }
}
