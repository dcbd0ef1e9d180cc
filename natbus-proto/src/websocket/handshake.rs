//! [`ClientHandshake`]: the HTTP upgrade that opens a WebSocket (RFC 6455 §4.1).

use sha1::{Digest, Sha1};

use super::HandshakeError;
use crate::jetstream::base64;

/// The GUID every WebSocket server appends to the client's key (RFC 6455 §1.3).
const ACCEPT_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The longest upgrade response accepted, headers and any body bytes before the end of
/// headers. nats-server's is about 150 bytes; proxies add a few headers.
pub const MAX_RESPONSE: usize = 8 * 1024;

/// The longest refusal body waited for, to quote in the error (nats-server's are one line).
const MAX_BODY: usize = 1024;

/// The client side of the opening handshake: the request to write, then the server's
/// response, fed as it arrives, checked down to its `Sec-WebSocket-Accept`.
///
/// No extension is asked for (no permessage-deflate: NATS traffic is mostly small and
/// compressing it costs more CPU than it saves bytes on the links natbus runs over), and
/// no subprotocol; a response that picks one is refused.
#[derive(Clone, Debug)]
pub struct ClientHandshake {
    request: Vec<u8>,
    accept: String,
    response: Vec<u8>,
    /// Where the response's headers end, once they have (a refusal's body may follow).
    head_end: Option<usize>,
}

impl ClientHandshake {
    /// The handshake for `path` on `host:port`, with `key` as the 16 random bytes of
    /// `Sec-WebSocket-Key`. `tls` only decides whether the port is the default one, which
    /// the `Host` header leaves out.
    ///
    /// `path` must be a valid request target (as [`ServerAddr`](crate::server_addr::ServerAddr)
    /// checks); empty means `/`.
    pub fn new(host: &str, port: u16, path: &str, tls: bool, key: [u8; 16]) -> Self {
        let key = base64::encode(&key);
        let accept = accept_for(&key);
        let path = if path.is_empty() { "/" } else { path };
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        let default_port = if tls { 443 } else { 80 };
        let authority = if port == default_port {
            host
        } else {
            format!("{host}:{port}")
        };
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        ClientHandshake {
            request: request.into_bytes(),
            accept,
            response: Vec::new(),
            head_end: None,
        }
    }

    /// The request bytes to write, in full, before reading the response.
    pub fn request(&self) -> &[u8] {
        &self.request
    }

    /// Feeds bytes of the server's response. `Ok(Some(n))`: the upgrade is accepted and
    /// the response ended `n` bytes into `data`; the bytes after them are the first
    /// frames. `Ok(None)`: more bytes are needed.
    ///
    /// # Errors
    /// [`HandshakeError`] saying why the server did not open a WebSocket; a plain NATS
    /// server (which speaks first, with INFO) is recognised and named.
    pub fn handle_response(&mut self, data: &[u8]) -> Result<Option<usize>, HandshakeError> {
        let before = self.response.len();
        let room = MAX_RESPONSE - before;
        self.response
            .extend_from_slice(&data[..data.len().min(room)]);
        if starts_like_nats(&self.response) {
            return Err(HandshakeError::NatsPort);
        }
        // Only the new bytes (and the 3 before them) can complete the empty line: a response
        // fed a byte at a time is scanned once, not once per byte.
        let found = self
            .head_end
            .or_else(|| find_end_of_headers(&self.response, before.saturating_sub(3)));
        let Some(end) = found else {
            if self.response.len() >= MAX_RESPONSE {
                return Err(HandshakeError::TooLong);
            }
            return Ok(None);
        };
        self.head_end = Some(end);
        let head = String::from_utf8_lossy(&self.response[..end]);
        let status = status_line(&head)?;
        if !status.starts_with("101 ") && status != "101" {
            return match self.refusal(&head, status, end, false) {
                Some(refusal) => Err(refusal),
                None => Ok(None),
            };
        }
        self.check_upgrade(&head)?;
        Ok(Some(end - before))
    }

    /// Why the handshake failed when the server closed the connection before the response
    /// was complete.
    pub fn handle_eof(&self) -> HandshakeError {
        if let Some(end) = self.head_end {
            let head = String::from_utf8_lossy(&self.response[..end]);
            match status_line(&head) {
                Err(e) => return e,
                Ok(status) => {
                    if let Some(refusal) = self.refusal(&head, status, end, true) {
                        return refusal;
                    }
                }
            }
        }
        if self.response.is_empty() {
            HandshakeError::ClosedWithoutAnswer
        } else if starts_like_nats(&self.response) {
            HandshakeError::NatsPort
        } else {
            HandshakeError::Truncated
        }
    }

    /// The refusal of a response with a `status` other than 101 and headers `head` ending
    /// at `end`; `None` while its short body (what the server says went wrong) is still
    /// arriving, unless `eof`. The body is read only as far as `Content-Length` says, so
    /// that the error is the same however the response was split across reads.
    fn refusal(&self, head: &str, status: &str, end: usize, eof: bool) -> Option<HandshakeError> {
        let body_len = headers(head)
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.parse::<usize>().ok())
            .filter(|len| *len <= MAX_BODY)
            .unwrap_or(0);
        let body = &self.response[end..self.response.len().min(end + body_len)];
        if body.len() < body_len && self.response.len() < MAX_RESPONSE && !eof {
            return None;
        }
        Some(HandshakeError::Refused {
            status: first_words(status),
            body: first_words(&String::from_utf8_lossy(body)),
        })
    }

    /// Checks the headers of a 101 response.
    fn check_upgrade(&self, head: &str) -> Result<(), HandshakeError> {
        let (mut upgrade, mut connection, mut accept) = (false, false, None);
        for (name, value) in headers(head) {
            match name.to_ascii_lowercase().as_str() {
                "upgrade" => upgrade |= value.eq_ignore_ascii_case("websocket"),
                "connection" => {
                    connection |= value
                        .split(',')
                        .any(|token| token.trim().eq_ignore_ascii_case("upgrade"));
                }
                "sec-websocket-accept" => accept = Some(value),
                "sec-websocket-extensions" | "sec-websocket-protocol" if !value.is_empty() => {
                    return Err(HandshakeError::Unrequested(first_words(&format!(
                        "{name}: {value}"
                    ))));
                }
                _ => {}
            }
        }
        if !upgrade || !connection {
            return Err(HandshakeError::MissingUpgrade);
        }
        match accept {
            Some(accept) if accept == self.accept => Ok(()),
            _ => Err(HandshakeError::BadAccept),
        }
    }
}

/// The status code and reason of the response head (`101 Switching Protocols`).
fn status_line(head: &str) -> Result<&str, HandshakeError> {
    let line = head.split("\r\n").next().unwrap_or_default();
    match line.split_once(' ') {
        Some((version, status)) if version.starts_with("HTTP/1.") => Ok(status),
        _ => Err(HandshakeError::NotHttp(first_words(line))),
    }
}

/// The header lines of a response head as trimmed (name, value) pairs.
fn headers(head: &str) -> impl Iterator<Item = (&str, &str)> {
    head.split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim(), value.trim()))
}

/// `Sec-WebSocket-Accept` for `key`: base64 of SHA-1 of the key and the GUID.
fn accept_for(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(ACCEPT_GUID.as_bytes());
    base64::encode(&sha.finalize())
}

/// A NATS server speaks first, with INFO (or -ERR when it refuses the connection).
fn starts_like_nats(response: &[u8]) -> bool {
    response.starts_with(b"INFO") || response.starts_with(b"-ERR")
}

/// The end of the header block, just after its empty line, searched from `from` on.
fn find_end_of_headers(response: &[u8], from: usize) -> Option<usize> {
    response
        .get(from..)?
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| from + i + 4)
}

/// At most 120 characters of the first line of `text`, control characters escaped: enough
/// to say what the server answered, never a flood in an error message.
fn first_words(text: &str) -> String {
    let line = text.split(['\r', '\n']).next().unwrap_or_default().trim();
    let cut: String = line.chars().take(120).collect();
    cut.escape_debug().to_string()
}

#[cfg(test)]
pub(super) fn accept_for_test(key: &str) -> String {
    accept_for(key)
}
