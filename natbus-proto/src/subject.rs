//! Subjects: the validated [`Subject`] type, publish/subscribe/queue-group validation and
//! NATS wildcard matching.
//!
//! Two levels of checking exist on purpose. A [`Subject`] only guarantees what the wire
//! needs to stay framed (non-empty, UTF-8, no whitespace), because the server forwards
//! subjects that a strict check would refuse and a client must still deliver them. The free
//! functions [`validate_publish`] and [`validate_subscribe`] apply the full token rules before
//! anything is *sent*, so a bad subject is a local error rather than a silent server quirk.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a subject or queue group was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubjectError {
    /// The subject has no bytes at all.
    #[error("subject is empty: give at least one token, e.g. `orders.new`")]
    Empty,
    /// Two dots in a row, or a leading or trailing dot.
    #[error("subject has an empty token (`a..b`, `.a` or `a.`): remove the extra dot")]
    EmptyToken,
    /// Space, tab, CR, LF or form feed: these would break the wire framing.
    #[error("subject contains whitespace: subjects are single words joined by dots")]
    Whitespace,
    /// A `*` or `>` token in a subject that must be literal (publish or reply).
    #[error(
        "wildcard token `*` or `>` in a publish or reply subject: publish to a literal subject"
    )]
    WildcardInPublish,
    /// A `>` token that is not the last token.
    #[error("`>` must be the last token of a subscription subject, e.g. `orders.>`")]
    FullWildcardNotLast,
    /// The bytes are not UTF-8.
    #[error("subject is not valid UTF-8")]
    InvalidUtf8,
    /// A queue group name breaking the ADR-6 rule; holds the refused name.
    #[error(
        "invalid queue group {0:?}: use a non-empty name of printable ASCII without whitespace, `.`, `*` or `>`"
    )]
    InvalidQueueGroup(String),
}

/// Whitespace that may never appear in a subject (it would split a wire field or a line).
const fn is_subject_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0c)
}

/// A syntactically valid subject: non-empty, UTF-8, without whitespace. Wildcards allowed.
///
/// Cheap to clone (a [`Bytes`] handle). Subjects decoded from the wire share the read buffer,
/// so a received message costs no allocation for its subject.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subject(Bytes);

impl Subject {
    /// Builds a subject from a string literal, usable in `const` items such as
    /// `const API_INFO: Subject = Subject::from_static("$JS.API.INFO");`.
    ///
    /// # Panics
    /// Panics when the literal is not a valid subject (empty or containing whitespace); in a
    /// `const` item that is a compile error. Use [`Subject::try_from`] for anything that is
    /// not a literal.
    pub const fn from_static(subject: &'static str) -> Subject {
        let bytes = subject.as_bytes();
        if bytes.is_empty() {
            panic!("invalid subject literal: it is empty");
        }
        let mut i = 0;
        while i < bytes.len() {
            if is_subject_whitespace(bytes[i]) {
                panic!("invalid subject literal: it contains whitespace");
            }
            i += 1;
        }
        Subject(Bytes::from_static(bytes))
    }

    /// Wraps a subject received from the server, checking only that it is non-empty UTF-8.
    ///
    /// The decoder already split the field on blanks; the server may forward subjects that
    /// [`validate_publish`] would refuse, and they must still be delivered.
    ///
    /// # Errors
    /// [`SubjectError::Empty`] or [`SubjectError::InvalidUtf8`].
    pub fn from_wire(bytes: Bytes) -> Result<Subject, SubjectError> {
        if bytes.is_empty() {
            return Err(SubjectError::Empty);
        }
        // Subjects are nearly always ASCII, which `is_ascii` checks a word at a time; only
        // the rest needs the full UTF-8 validation.
        if !bytes.is_ascii() {
            std::str::from_utf8(&bytes).map_err(|_| SubjectError::InvalidUtf8)?;
        }
        Ok(Subject(bytes))
    }

    /// The subject as a string slice.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a Subject is validated as UTF-8 at construction")
    }

    /// Length in bytes. Inherent (not through `Deref<Target = str>`), so it costs no
    /// UTF-8 check: the receive path asks for it on every message.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a subject is never empty. Present because `len` is.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The subject's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The underlying buffer, e.g. to write it without a copy.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// True when no token is a wildcard (`*` or `>`), so the subject can be published to.
    pub fn is_literal(&self) -> bool {
        !self.0.split(|&b| b == b'.').any(|t| t == b"*" || t == b">")
    }
}

/// The checks every [`Subject`] built from user input passes.
fn check_syntax(bytes: &[u8]) -> Result<(), SubjectError> {
    if bytes.is_empty() {
        return Err(SubjectError::Empty);
    }
    if bytes.iter().copied().any(is_subject_whitespace) {
        return Err(SubjectError::Whitespace);
    }
    Ok(())
}

impl Deref for Subject {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Subject {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Subject {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Subject {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl TryFrom<&str> for Subject {
    type Error = SubjectError;
    fn try_from(s: &str) -> Result<Self, SubjectError> {
        check_syntax(s.as_bytes())?;
        Ok(Subject(Bytes::copy_from_slice(s.as_bytes())))
    }
}

impl TryFrom<String> for Subject {
    type Error = SubjectError;
    fn try_from(s: String) -> Result<Self, SubjectError> {
        check_syntax(s.as_bytes())?;
        Ok(Subject(Bytes::from(s)))
    }
}

impl Serialize for Subject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Subject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Subject::try_from(s).map_err(serde::de::Error::custom)
    }
}

/// Checks the tokens of a subject; `wildcards` says whether `*` and a final `>` are allowed.
///
/// One pass over the bytes (this runs on every publish): a token is checked when the dot
/// that ends it is found, so errors come in the order of the tokens, as with a split.
fn validate_tokens(subject: &str, wildcards: bool) -> Result<(), SubjectError> {
    let bytes = subject.as_bytes();
    if bytes.is_empty() {
        return Err(SubjectError::Empty);
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'.' {
            check_token(&bytes[start..i], wildcards, false)?;
            start = i + 1;
        } else if is_subject_whitespace(b) {
            return Err(SubjectError::Whitespace);
        }
    }
    check_token(&bytes[start..], wildcards, true)
}

/// The rules of one token: not empty, and wildcards only where allowed.
fn check_token(token: &[u8], wildcards: bool, last: bool) -> Result<(), SubjectError> {
    match (token, wildcards) {
        ([], _) => Err(SubjectError::EmptyToken),
        ([b'*' | b'>'], false) => Err(SubjectError::WildcardInPublish),
        ([b'>'], true) if !last => Err(SubjectError::FullWildcardNotLast),
        _ => Ok(()),
    }
}

/// Validates a subject to publish to (or to use as a reply): literal tokens only.
///
/// # Errors
/// [`SubjectError::Empty`], [`SubjectError::EmptyToken`], [`SubjectError::Whitespace`] or
/// [`SubjectError::WildcardInPublish`].
pub fn validate_publish(subject: &str) -> Result<(), SubjectError> {
    validate_tokens(subject, false)
}

/// Validates a subscription subject: `*` tokens anywhere, `>` only as the last token.
///
/// # Errors
/// [`SubjectError::Empty`], [`SubjectError::EmptyToken`], [`SubjectError::Whitespace`] or
/// [`SubjectError::FullWildcardNotLast`].
pub fn validate_subscribe(subject: &str) -> Result<(), SubjectError> {
    validate_tokens(subject, true)
}

/// Validates a queue group name with the ADR-6 "term" rule: non-empty printable ASCII
/// without whitespace, `.`, `*` or `>`. (The server is more lenient; this rule is portable.)
///
/// # Errors
/// [`SubjectError::InvalidQueueGroup`] holding the refused name.
pub fn validate_queue_group(queue: &str) -> Result<(), SubjectError> {
    let ok = !queue.is_empty()
        && queue
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'.' | b'*' | b'>'));
    if ok {
        Ok(())
    } else {
        Err(SubjectError::InvalidQueueGroup(queue.to_owned()))
    }
}

/// NATS wildcard matching of a literal `subject` against a subscription `pattern`.
///
/// A token that is exactly `*` matches any one token; a last token that is exactly `>`
/// matches one or more remaining tokens. `foo*` or `a>b` are literal tokens.
pub fn matches(pattern: &str, subject: &str) -> bool {
    let mut pattern_tokens = pattern.split('.').peekable();
    let mut subject_tokens = subject.split('.');
    loop {
        match (pattern_tokens.next(), subject_tokens.next()) {
            (None, None) => return true,
            (Some(">"), Some(_)) if pattern_tokens.peek().is_none() => return true,
            (Some("*"), Some(_)) => {}
            (Some(p), Some(s)) if p == s => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;
