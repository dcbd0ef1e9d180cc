//! Server addresses: the URLs a user configures (`nats://user:pass@host:4222`, or a
//! comma-separated list as `NATS_URL` allows) and the `host:port` pairs that servers
//! advertise in INFO `connect_urls`.
//!
//! Parsing is hand-written rather than delegated to a URL crate because the accepted forms
//! are few and NATS-specific (no scheme means `nats://`, a bare `host` gets port 4222, userinfo
//! without a password is a token), and because any string must be rejected with a message a
//! user can act on, never a panic. Credentials never appear in [`Display`](fmt::Display),
//! [`Debug`](fmt::Debug) or error messages, so addresses are safe to log.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

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
}

impl Scheme {
    /// The scheme name as written in a URL, without `://`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Nats => "nats",
            Scheme::Tls => "tls",
        }
    }
}

/// A NATS server address with optional credentials.
///
/// Equality and hashing cover every field, credentials included; use
/// [`same_endpoint`](Self::same_endpoint) to ask whether two addresses name the same server.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ServerAddr {
    /// `nats://` or `tls://`.
    pub scheme: Scheme,
    /// Host name or IP address; an IPv6 address is stored without brackets.
    pub host: String,
    /// TCP port, [`DEFAULT_PORT`] when the URL gives none.
    pub port: u16,
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
    /// A `/path`, `?query` or `#fragment` after the host.
    #[error(
        "unexpected path, query or fragment after the host (NATS URLs are scheme://[user:pass@]host[:port])"
    )]
    UnexpectedPath,
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
    #[error("invalid server URL '{url}': unknown scheme '{scheme}://', expected nats:// or tls://")]
    UnknownScheme {
        /// The URL as given (credentials redacted).
        url: String,
        /// The scheme name as written.
        scheme: String,
    },
    /// A scheme NATS knows but this client does not implement yet.
    #[error(
        "server URL '{url}': {scheme}:// (WebSocket) is not supported yet; use nats:// or tls://"
    )]
    UnsupportedScheme {
        /// The URL as given (credentials redacted).
        url: String,
        /// `ws` or `wss`.
        scheme: String,
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
    /// The first entry that does not parse, or [`AddrError::EmptyList`] when no entry is left.
    pub fn parse_list(list: &str) -> Result<Vec<ServerAddr>, AddrError> {
        let servers = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if servers.is_empty() {
            return Err(AddrError::EmptyList { list: redact(list) });
        }
        Ok(servers)
    }

    /// True when the client must use TLS with this server (`tls://`).
    pub fn tls_required(&self) -> bool {
        self.scheme == Scheme::Tls
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
    /// Writes `scheme://host:port`, never the credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.scheme.as_str();
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
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
            .field("user", &self.user)
            .field("password", &hide(&self.password))
            .field("token", &hide(&self.token))
            .finish()
    }
}

impl FromStr for ServerAddr {
    type Err = AddrError;

    /// Parses `[scheme://][userinfo@]host[:port][/]`.
    ///
    /// No scheme means `nats://`; no port means 4222; IPv6 hosts are bracketed
    /// (`[::1]:4222`), or bare when there is no port (`::1`). Userinfo is percent-decoded:
    /// `user:password@` gives user and password, `token@` a token.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let s = input.trim();
        if s.is_empty() {
            return Err(AddrError::Empty);
        }
        let invalid = |problem| AddrError::Invalid {
            url: redact(s),
            problem,
        };
        let (scheme, rest) = match s.find("://") {
            None => (Scheme::Nats, s),
            Some(i) => {
                let name = &s[..i];
                let scheme = match name.to_ascii_lowercase().as_str() {
                    "nats" => Scheme::Nats,
                    "tls" => Scheme::Tls,
                    "ws" | "wss" => {
                        return Err(AddrError::UnsupportedScheme {
                            url: redact(s),
                            scheme: name.to_owned(),
                        });
                    }
                    _ => {
                        return Err(AddrError::UnknownScheme {
                            url: redact(s),
                            scheme: name.to_owned(),
                        });
                    }
                };
                (scheme, &s[i + 3..])
            }
        };
        // The last '@' ends the userinfo, so an unescaped '@' or '/' in a password still works.
        let (userinfo, hostport) = match rest.rfind('@') {
            Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
            None => (None, rest),
        };
        let hostport = hostport.strip_suffix('/').unwrap_or(hostport);
        if hostport.contains(['/', '?', '#']) {
            return Err(invalid(AddrProblem::UnexpectedPath));
        }
        let (host, port) = split_host_port(hostport).map_err(invalid)?;
        let mut addr = ServerAddr::new(scheme, host, port);
        if let Some(info) = userinfo {
            match info.split_once(':') {
                Some((user, pass)) => {
                    addr.user = Some(percent_decode(user).map_err(invalid)?);
                    addr.password = Some(percent_decode(pass).map_err(invalid)?);
                }
                None if info.is_empty() => {}
                None => addr.token = Some(percent_decode(info).map_err(invalid)?),
            }
        }
        Ok(addr)
    }
}

/// Splits `host[:port]`, `[v6][:port]` or a bare IPv6 address.
fn split_host_port(hostport: &str) -> Result<(&str, u16), AddrProblem> {
    if hostport.is_empty() {
        return Err(AddrProblem::MissingHost);
    }
    if let Some(after) = hostport.strip_prefix('[') {
        let close = after.find(']').ok_or(AddrProblem::UnclosedBracket)?;
        let host = &after[..close];
        if host.parse::<Ipv6Addr>().is_err() {
            return Err(AddrProblem::NotIpv6);
        }
        let port = match &after[close + 1..] {
            "" => DEFAULT_PORT,
            tail => parse_port(tail.strip_prefix(':').ok_or(AddrProblem::InvalidHost)?)?,
        };
        return Ok((host, port));
    }
    if hostport.parse::<Ipv6Addr>().is_ok() {
        return Ok((hostport, DEFAULT_PORT));
    }
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) => (host, parse_port(port)?),
        None => (hostport, DEFAULT_PORT),
    };
    if host.is_empty() {
        return Err(AddrProblem::MissingHost);
    }
    let bad = |c: char| c.is_whitespace() || c.is_control() || "[]:@/?#%\\\"'<>".contains(c);
    if host.contains(bad) {
        return Err(AddrProblem::InvalidHost);
    }
    Ok((host, port))
}

fn parse_port(port: &str) -> Result<u16, AddrProblem> {
    if port.is_empty() {
        return Err(AddrProblem::EmptyPort);
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AddrProblem::PortNotANumber);
    }
    // Only digits remain, so the parse can only fail by overflow.
    match port.parse::<u16>() {
        Ok(0) | Err(_) => Err(AddrProblem::PortOutOfRange),
        Ok(p) => Ok(p),
    }
}

fn percent_decode(s: &str) -> Result<String, AddrProblem> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
            match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                // Two hex digits are at most 255, so the cast is lossless.
                (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                _ => return Err(AddrProblem::BadPercentEscape),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| AddrProblem::UserInfoNotUtf8)
}

/// The input with everything between `scheme://` and the last `@` replaced by `***`.
fn redact(input: &str) -> String {
    let start = input.find("://").map_or(0, |i| i + 3);
    match input.rfind('@') {
        Some(at) if at >= start => format!("{}***{}", &input[..start], &input[at..]),
        _ => input.to_owned(),
    }
}

#[cfg(test)]
#[path = "server_addr_tests.rs"]
mod tests;
