//! Parsing a server URL: scheme, userinfo, host, port and (for WebSocket) path.

use std::net::Ipv6Addr;
use std::str::FromStr;

use super::{AddrError, AddrProblem, Scheme, ServerAddr};

impl FromStr for ServerAddr {
    type Err = AddrError;

    /// Parses `[scheme://][userinfo@]host[:port][/]`, and `ws[s]://[userinfo@]host[:port][/path]`.
    ///
    /// No scheme means `nats://`; no port means the scheme's default (4222, or 80 and 443
    /// for `ws://` and `wss://`); IPv6 hosts are bracketed (`[::1]:4222`), or bare when
    /// there is no port (`::1`). Userinfo is percent-decoded: `user:password@` gives user and
    /// password, `token@` a token. The last `@` ends the userinfo, so a WebSocket path must
    /// write an `@` as `%40`. A path is kept as written (it is sent in the HTTP request); a
    /// lone `/` is no path.
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
                    "ws" => Scheme::Ws,
                    "wss" => Scheme::Wss,
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
        let (hostport, path) = match hostport.find(['/', '?', '#']) {
            Some(i) => hostport.split_at(i),
            None => (hostport, ""),
        };
        let path = match path {
            "" | "/" => "",
            _ if !scheme.is_websocket() => return Err(invalid(AddrProblem::UnexpectedPath)),
            _ if path.contains(['?', '#']) => return Err(invalid(AddrProblem::UnexpectedQuery)),
            // Sent verbatim in the request line: no byte may end or split it.
            _ if !path.bytes().all(|b| b.is_ascii_graphic()) => {
                return Err(invalid(AddrProblem::InvalidPath));
            }
            _ => path,
        };
        let (host, port) = split_host_port(hostport, scheme.default_port()).map_err(invalid)?;
        let mut addr = ServerAddr::new(scheme, host, port);
        addr.path = path.to_owned();
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
fn split_host_port(hostport: &str, default_port: u16) -> Result<(&str, u16), AddrProblem> {
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
            "" => default_port,
            tail => parse_port(tail.strip_prefix(':').ok_or(AddrProblem::InvalidHost)?)?,
        };
        return Ok((host, port));
    }
    if hostport.parse::<Ipv6Addr>().is_ok() {
        return Ok((hostport, default_port));
    }
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) => (host, parse_port(port)?),
        None => (hostport, default_port),
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
pub(super) fn redact(input: &str) -> String {
    let start = input.find("://").map_or(0, |i| i + 3);
    match input.rfind('@') {
        Some(at) if at >= start => format!("{}***{}", &input[..start], &input[at..]),
        _ => input.to_owned(),
    }
}
