//! The server's `INFO` JSON: what the server tells a client about itself and the cluster.

use serde::{Deserialize, Serialize};

/// The default `max_payload` a server advertises (1 MiB), used until the first INFO arrives.
pub const DEFAULT_MAX_PAYLOAD: usize = 1024 * 1024;

/// The JSON body of an `INFO` operation.
///
/// The server may add fields over time; unknown ones are ignored, and optional booleans the
/// server omits when false default to `false`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ServerInfo {
    /// Unique id of the server.
    pub server_id: String,
    /// Configured server name (defaults to the id).
    pub server_name: String,
    /// Server version, e.g. `2.15.1`.
    pub version: String,
    /// Protocol level; `1` means the server supports async INFO and `echo`.
    pub proto: i32,
    /// Go version the server was built with.
    pub go: String,
    /// Advertised client listen host.
    pub host: String,
    /// Advertised client listen port.
    pub port: u16,
    /// The server supports headers (HPUB/HMSG).
    pub headers: bool,
    /// Largest headers + payload size the server accepts for one message.
    pub max_payload: usize,
    /// Credentials must be sent in CONNECT.
    pub auth_required: bool,
    /// The client must upgrade to TLS before CONNECT.
    pub tls_required: bool,
    /// The server requires a client certificate.
    pub tls_verify: bool,
    /// TLS is optional but offered.
    pub tls_available: bool,
    /// The server's id for this connection.
    pub client_id: u64,
    /// The client address as the server sees it.
    pub client_ip: String,
    /// Nonce to sign for nkey/JWT authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Cluster name, when clustered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// JetStream domain of this server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Client URLs (`host:port`) of the cluster, including this server.
    pub connect_urls: Vec<String>,
    /// The server entered lame-duck mode and will close this connection soon.
    pub ldm: bool,
    /// JetStream is enabled on this server.
    pub jetstream: bool,
    /// JetStream API level, when the server reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_lvl: Option<i32>,
    /// True on the INFO sent right after the first PONG.
    pub connect_info: bool,
    /// The account this connection is bound to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_account: Option<String>,
}

impl ServerInfo {
    /// Parses the JSON body of an INFO line (trailing blanks allowed).
    ///
    /// # Errors
    /// Returns the JSON error when the body is not a valid INFO object.
    pub fn parse(json: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(json.trim_ascii())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_captured_info_and_ignores_unknown_fields() {
        let json = br#"{"server_id":"NDBD","server_name":"n1","version":"2.15.1","proto":1,"git_commit":"b2fd3ef","go":"go1.27.2","host":"127.0.0.1","port":4222,"headers":true,"max_payload":1048576,"jetstream":true,"client_id":6,"client_ip":"127.0.0.1","api_lvl":5,"xkey":"XBRL"} "#;
        let info = ServerInfo::parse(json).expect("valid info");
        assert_eq!(info.server_name, "n1");
        assert_eq!(info.max_payload, 1_048_576);
        assert!(info.headers && info.jetstream && !info.ldm && !info.auth_required);
        assert_eq!(info.api_lvl, Some(5));
        assert_eq!(info.client_id, 6);
    }

    #[test]
    fn missing_optional_fields_default() {
        let info = ServerInfo::parse(b"{}").expect("empty object is valid");
        assert!(info.connect_urls.is_empty());
        assert_eq!(info.nonce, None);
    }

    #[test]
    fn rejects_non_object() {
        assert!(ServerInfo::parse(b"[1,2]").is_err());
        assert!(ServerInfo::parse(b"{").is_err());
    }
}
