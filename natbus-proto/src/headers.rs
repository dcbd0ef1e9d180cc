//! The `NATS/1.0` header block of HPUB/HMSG, with its optional status line.
//!
//! A block looks like `NATS/1.0[ <status>[ <description>]]\r\n` followed by `Name: value\r\n`
//! lines and an empty line. Names are case-preserving and may repeat, so [`HeaderMap`] keeps
//! an ordered list rather than a hash map: blocks are small and order matters to some users.

use std::fmt;

use bytes::BytesMut;

use crate::wire::itoa::write_u64;

mod parse;

use parse::{has_line_break, is_valid_name};

/// The first bytes of every header block.
const VERSION_LINE: &[u8] = b"NATS/1.0";

/// Why a header block or a header map was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The block does not start with `NATS/1.0`.
    #[error("header block does not start with `NATS/1.0`")]
    MissingVersion,
    /// The status line has something other than a 3-digit code after `NATS/1.0`.
    #[error("malformed status line: expected `NATS/1.0 <3-digit code>[ description]`")]
    InvalidStatusLine,
    /// A status code that does not fit three digits.
    #[error("status code {0} is not a 3-digit code")]
    InvalidStatus(u16),
    /// A header line without a `:` separator.
    #[error("header line without `:` (expected `Name: value`)")]
    MissingColon,
    /// A name that is empty, not printable ASCII, or contains `:` or whitespace.
    #[error("invalid header name {0:?}: use printable ASCII without `:` or whitespace")]
    InvalidName(String),
    /// A value (of the named header) containing CR or LF, which would break the block.
    #[error("value of header {0:?} contains CR or LF")]
    InvalidValue(String),
    /// A status description containing CR or LF.
    #[error("status description contains CR or LF")]
    InvalidDescription,
    /// Bytes that are not UTF-8.
    #[error("header block is not valid UTF-8")]
    InvalidUtf8,
}

/// A 3-digit status code from the `NATS/1.0` line of a header block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StatusCode(u16);

impl StatusCode {
    /// JetStream idle heartbeat, and flow-control requests (tell them apart by description).
    pub const IDLE_HEARTBEAT: StatusCode = StatusCode(100);
    /// Success.
    pub const OK: StatusCode = StatusCode(200);
    /// No content.
    pub const NO_CONTENT: StatusCode = StatusCode(204);
    /// End of a direct-get batch (the same code as [`StatusCode::NO_CONTENT`]).
    pub const EOB: StatusCode = StatusCode(204);
    /// The request was malformed.
    pub const BAD_REQUEST: StatusCode = StatusCode(400);
    /// Nothing found (e.g. no messages for a pull request with `no_wait`).
    pub const NOT_FOUND: StatusCode = StatusCode(404);
    /// The request expired (e.g. a pull request timed out).
    pub const TIMEOUT: StatusCode = StatusCode(408);
    /// Conflict (e.g. consumer deleted, leadership change).
    pub const CONFLICT: StatusCode = StatusCode(409);
    /// A precondition failed.
    pub const PRECONDITION_FAILED: StatusCode = StatusCode(412);
    /// The request reached no subscriber.
    pub const NO_RESPONDERS: StatusCode = StatusCode(503);

    /// Wraps a code. Codes above 999 fail [`HeaderMap::validate`].
    pub const fn new(code: u16) -> StatusCode {
        StatusCode(code)
    }

    /// The numeric code.
    pub const fn as_u16(self) -> u16 {
        self.0
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

/// Headers of a message: an optional status, its description, and ordered name/value pairs.
///
/// Multi-valued and case-preserving. Lookups prefer names that match exactly and fall back
/// to ASCII case-insensitive matching; [`insert`](HeaderMap::insert) and
/// [`remove`](HeaderMap::remove) resolve names the same way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderMap {
    status: Option<StatusCode>,
    description: Option<String>,
    entries: Vec<(String, String)>,
}

impl HeaderMap {
    /// An empty map (encodes as `NATS/1.0\r\n\r\n`).
    pub fn new() -> HeaderMap {
        HeaderMap::default()
    }

    /// A map carrying a status line; an empty description is dropped.
    pub fn with_status(status: StatusCode, description: Option<&str>) -> HeaderMap {
        HeaderMap {
            status: Some(status),
            description: description
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
            entries: Vec::new(),
        }
    }

    /// True when entry `entry_name` is what `name` refers to, given whether an exact match exists.
    fn refers_to(entry_name: &str, name: &str, exact_exists: bool) -> bool {
        if exact_exists {
            entry_name == name
        } else {
            entry_name.eq_ignore_ascii_case(name)
        }
    }

    fn has_exact(&self, name: &str) -> bool {
        self.entries.iter().any(|(n, _)| n == name)
    }

    /// Sets `name` to a single `value`, replacing every value it had (at its first position).
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        let exact = self.has_exact(&name);
        let first = self
            .entries
            .iter()
            .position(|(n, _)| Self::refers_to(n, &name, exact));
        self.entries
            .retain(|(n, _)| !Self::refers_to(n, &name, exact));
        let at = first.unwrap_or(self.entries.len());
        self.entries.insert(at, (name, value));
    }

    /// Adds a value for `name`, keeping the values it already has.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.entries.push((name.into(), value.into()));
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).next()
    }

    /// Every value of `name`, in order.
    pub fn get_all(&self, name: &str) -> impl Iterator<Item = &str> {
        let exact = self.has_exact(name);
        self.entries
            .iter()
            .filter(move |(n, _)| Self::refers_to(n, name, exact))
            .map(|(_, v)| v.as_str())
    }

    /// Removes every value of `name`; returns whether anything was removed.
    pub fn remove(&mut self, name: &str) -> bool {
        let exact = self.has_exact(name);
        let before = self.entries.len();
        self.entries
            .retain(|(n, _)| !Self::refers_to(n, name, exact));
        self.entries.len() != before
    }

    /// All name/value pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The number of name/value pairs (the status line is not counted).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no pairs and no status.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.status.is_none()
    }

    /// The status code, for status messages such as 503 no responders.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The text after the status code, e.g. `Idle Heartbeat`.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Checks that the map can be encoded without breaking the wire framing.
    ///
    /// # Errors
    /// [`HeaderError::InvalidName`], [`HeaderError::InvalidValue`],
    /// [`HeaderError::InvalidDescription`] or [`HeaderError::InvalidStatus`].
    pub fn validate(&self) -> Result<(), HeaderError> {
        if let Some(status) = self.status
            && status.0 > 999
        {
            return Err(HeaderError::InvalidStatus(status.0));
        }
        if self.description.as_deref().is_some_and(has_line_break) {
            return Err(HeaderError::InvalidDescription);
        }
        for (name, value) in &self.entries {
            if !is_valid_name(name.as_bytes()) {
                return Err(HeaderError::InvalidName(name.clone()));
            }
            if has_line_break(value) {
                return Err(HeaderError::InvalidValue(name.clone()));
            }
        }
        Ok(())
    }

    /// The exact number of bytes [`encode`](HeaderMap::encode) writes.
    pub fn encoded_len(&self) -> usize {
        let mut len = VERSION_LINE.len() + 2 + 2;
        if let Some(status) = self.status {
            len += 1 + digits(status.0).max(3);
            if let Some(d) = &self.description {
                len += 1 + d.len();
            }
        }
        for (n, v) in &self.entries {
            len += n.len() + 2 + v.len() + 2;
        }
        len
    }

    /// Writes the block, final empty line included. Call [`validate`](HeaderMap::validate)
    /// first: encoding does not check names or values.
    pub fn encode(&self, out: &mut BytesMut) {
        out.reserve(self.encoded_len());
        out.extend_from_slice(VERSION_LINE);
        if let Some(status) = self.status {
            out.extend_from_slice(b" ");
            for _ in digits(status.0)..3 {
                out.extend_from_slice(b"0");
            }
            write_u64(out, u64::from(status.0));
            if let Some(d) = &self.description {
                out.extend_from_slice(b" ");
                out.extend_from_slice(d.as_bytes());
            }
        }
        out.extend_from_slice(b"\r\n");
        for (n, v) in &self.entries {
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// Decimal digits of `n` (at least 1).
fn digits(n: u16) -> usize {
    match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for HeaderMap {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = HeaderMap::new();
        map.extend(iter);
        map
    }
}

impl<K: Into<String>, V: Into<String>> Extend<(K, V)> for HeaderMap {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.append(k, v);
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
pub(crate) mod proptests;
