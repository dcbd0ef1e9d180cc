//! Server addresses: the URLs a user configures (`nats://user:pass@host:4222`,
//! `wss://host/nats`, or a comma-separated list as `NATS_URL` allows) and the `host:port`
//! pairs that servers advertise in INFO `connect_urls`.
//!
//! Parsing is hand-written rather than delegated to a URL crate because the accepted forms
//! are few and NATS-specific (no scheme means `nats://`, a bare `host` gets port 4222, userinfo
//! without a password is a token), and because any string must be rejected with a message a
//! user can act on, never a panic. Credentials never appear in [`Display`](fmt::Display),
//! [`Debug`](fmt::Debug) or error messages, so addresses are safe to log.
//!
//! # Two transports
//!
//! `nats://` and `tls://` speak NATS over TCP; `ws://` and `wss://` speak it inside a
//! WebSocket (binary frames), optionally at a path (`wss://host/nats`), with the default
//! ports of HTTP (80 and 443) as nats.go and nats.js use. A client uses one transport: a
//! server pool that mixes them is refused ([`check_transports`]), as nats.go does, because
//! the servers a cluster advertises in INFO are reachable over the transport the client
//! came in on (nats-server sends a WebSocket client its `ws_connect_urls` as `connect_urls`).

use std::fmt;
use std::net::IpAddr;

mod parse;

#[cfg(test)]
use parse::redact;

/// The port NATS servers listen on unless told otherwise.
pub const DEFAULT_PORT: u16 = 4222;

/// How to talk to a server.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `nats://`: plain TCP, upgraded to TLS only if the server requires it.
    Nats,
    /// `tls://`: the client requires TLS.
    Tls,
    /// `ws://`: NATS inside a WebSocket over plain TCP. The server's INFO TLS flags do not
    /// apply: no TLS upgrade happens inside the WebSocket.
    Ws,
    /// `wss://`: NATS inside a WebSocket over TLS. TLS sits under the WebSocket, set up
    /// before the HTTP upgrade, never by the NATS handshake.
    Wss,
}

impl Scheme {
    /// The scheme name as written in a URL, without `://`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Nats => "nats",
            Scheme::Tls => "tls",
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
        }
    }

    /// The port used when a URL gives none: 4222 for NATS, 80 for `ws://`, 443 for `wss://`.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Nats | Scheme::Tls => DEFAULT_PORT,
            Scheme::Ws => 80,
            Scheme::Wss => 443,
        }
    }

    /// True for `ws://` and `wss://`.
    pub fn is_websocket(self) -> bool {
        matches!(self, Scheme::Ws | Scheme::Wss)
    }
}

/// A NATS server address with optional credentials.
///
/// Equality and hashing cover every field, credentials included; use
/// [`same_endpoint`](Self::same_endpoint) to ask whether two addresses name the same server.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ServerAddr {
    /// `nats://`, `tls://`, `ws://` or `wss://`.
    pub scheme: Scheme,
    /// Host name or IP address; an IPv6 address is stored without brackets.
    pub host: String,
    /// TCP port; when the URL gives none, the scheme's [default](Scheme::default_port).
    pub port: u16,
    /// The HTTP path of a WebSocket URL (`/nats` in `wss://host/nats`), starting with `/`;
    /// empty when the URL has none (the upgrade request then asks for `/`) and always
    /// empty for `nats://` and `tls://`.
    pub path: String,
    /// User name from `user:password@` userinfo.
    pub user: Option<String>,
    /// Password from `user:password@` userinfo.
    pub password: Option<String>,
    /// Token from userinfo without a password (`nats://token@host`).
    pub token: Option<String>,
}

/// What exactly is wrong with a server URL.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddrProblem {
    /// Nothing where the host should be.
    #[error("the host is missing")]
    MissingHost,
    /// The host contains characters no host name has.
    #[error(
        "the host contains an invalid character (IPv6 addresses need brackets with a port: [::1]:4222)"
    )]
    InvalidHost,
    /// A `[` without its `]`.
    #[error("'[' is not closed by ']'")]
    UnclosedBracket,
    /// Brackets around something that is not an IPv6 address.
    #[error("only an IPv6 address may be written in brackets")]
    NotIpv6,
    /// `host:` with nothing after the colon.
    #[error("the port after ':' is empty")]
    EmptyPort,
    /// The port has non-digit characters.
    #[error("port is not a number")]
    PortNotANumber,
    /// The port is 0 or above 65535.
    #[error("port must be between 1 and 65535")]
    PortOutOfRange,
    /// A `/path`, `?query` or `#fragment` after the host of a `nats://` or `tls://` URL.
    #[error(
        "unexpected path, query or fragment after the host (NATS URLs are scheme://[user:pass@]host[:port]; only ws:// and wss:// take a path)"
    )]
    UnexpectedPath,
    /// A `?query` or `#fragment` in a WebSocket URL.
    #[error(
        "unexpected query or fragment (WebSocket URLs are ws[s]://[user:pass@]host[:port][/path])"
    )]
    UnexpectedQuery,
    /// A WebSocket path with a space, a control or a non-ASCII character.
    #[error(
        "the path contains a space, control or non-ASCII character (percent-encode it, e.g. %20)"
    )]
    InvalidPath,
    /// A `%` not followed by two hex digits in the userinfo.
    #[error("the user info has an invalid percent-escape ('%' must be followed by two hex digits)")]
    BadPercentEscape,
    /// Percent-decoded userinfo that is not UTF-8.
    #[error("the user info does not decode to UTF-8")]
    UserInfoNotUtf8,
}

/// Why a server URL was rejected.
///
/// URLs quoted in messages have their credentials replaced by `***`.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddrError {
    /// The URL is empty or only whitespace.
    #[error("empty server URL: expected host, host:port or nats://host:port")]
    Empty,
    /// A list such as `NATS_URL` held no URL at all.
    #[error(
        "no server URL in '{list}': expected a comma-separated list such as nats://a:4222,nats://b:4222"
    )]
    EmptyList {
        /// The list as given (credentials redacted).
        list: String,
    },
    /// A scheme this client does not know.
    #[error(
        "invalid server URL '{url}': unknown scheme '{scheme}://', expected nats://, tls://, ws:// or wss://"
    )]
    UnknownScheme {
        /// The URL as given (credentials redacted).
        url: String,
        /// The scheme name as written.
        scheme: String,
    },
    /// A server list that mixes WebSocket URLs with NATS (TCP) URLs.
    #[error(
        "server URLs '{websocket}' and '{tcp}' mix WebSocket and TCP: a client connects over one transport, so list only ws:// and wss:// URLs, or only nats:// and tls:// URLs"
    )]
    MixedTransports {
        /// The first WebSocket URL (without credentials).
        websocket: String,
        /// The first `nats://` or `tls://` URL (without credentials).
        tcp: String,
    },
    /// The URL is malformed.
    #[error("invalid server URL '{url}': {problem}")]
    Invalid {
        /// The URL as given (credentials redacted).
        url: String,
        /// What is wrong with it.
        problem: AddrProblem,
    },
}

impl ServerAddr {
    /// An address without credentials.
    pub fn new(scheme: Scheme, host: impl Into<String>, port: u16) -> Self {
        Self {
            scheme,
            host: host.into(),
            port,
            path: String::new(),
            user: None,
            password: None,
            token: None,
        }
    }

    /// Parses a comma-separated list of URLs, as the `NATS_URL` variable allows.
    ///
    /// Blanks around entries and empty entries (`a,,b`, a trailing comma) are ignored.
    ///
    /// # Errors
    /// The first entry that does not parse, [`AddrError::EmptyList`] when no entry is left,
    /// or [`AddrError::MixedTransports`] when WebSocket and TCP URLs are mixed.
    pub fn parse_list(list: &str) -> Result<Vec<ServerAddr>, AddrError> {
        let servers = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if servers.is_empty() {
            return Err(AddrError::EmptyList {
                list: parse::redact(list),
            });
        }
        check_transports(&servers)?;
        Ok(servers)
    }

    /// True when the client must upgrade the NATS connection to TLS (`tls://`). A `wss://`
    /// server is reached over TLS too, but under the WebSocket, so this is false for it.
    pub fn tls_required(&self) -> bool {
        self.scheme == Scheme::Tls
    }

    /// True when NATS travels inside a WebSocket to this server (`ws://` and `wss://`).
    pub fn is_websocket(&self) -> bool {
        self.scheme.is_websocket()
    }

    /// True when both addresses name the same server: same port and host (host compared
    /// case-insensitively, as DNS does), whatever the scheme and credentials.
    pub fn same_endpoint(&self, other: &ServerAddr) -> bool {
        self.port == other.port && self.host.eq_ignore_ascii_case(&other.host)
    }

    /// True when the host is an IP address literal rather than a name.
    pub fn host_is_ip(&self) -> bool {
        self.host.parse::<IpAddr>().is_ok()
    }
}

impl fmt::Display for ServerAddr {
    /// Writes `scheme://host:port[/path]`, never the credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.scheme.as_str();
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}{}", self.host, self.port, self.path)
        } else {
            write!(f, "{scheme}://{}:{}{}", self.host, self.port, self.path)
        }
    }
}

impl fmt::Debug for ServerAddr {
    /// Like the derived form, but with credentials shown as `***` so logs never leak them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hide = |v: &Option<String>| v.as_ref().map(|_| "***");
        f.debug_struct("ServerAddr")
            .field("scheme", &self.scheme)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("path", &self.path)
            .field("user", &self.user)
            .field("password", &hide(&self.password))
            .field("token", &hide(&self.token))
            .finish()
    }
}

/// Checks that `servers` use one transport: all WebSocket or all TCP.
///
/// # Errors
/// [`AddrError::MixedTransports`] naming the first URL of each kind.
pub fn check_transports(servers: &[ServerAddr]) -> Result<(), AddrError> {
    let websocket = servers.iter().find(|s| s.is_websocket());
    let tcp = servers.iter().find(|s| !s.is_websocket());
    match (websocket, tcp) {
        (Some(websocket), Some(tcp)) => Err(AddrError::MixedTransports {
            websocket: websocket.to_string(),
            tcp: tcp.to_string(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[path = "server_addr_tests.rs"]
mod tests;
