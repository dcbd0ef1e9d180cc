//! Service errors and the two headers that carry them (ADR-32 §5).
//!
//! An error reply carries `Nats-Service-Error: <description>` and
//! `Nats-Service-Error-Code: <integer>`, whatever its body. This module turns a
//! [`ServiceError`] into those header values and decides, from a reply's header lookups,
//! whether it is an error reply. It takes `Option<&str>` lookups rather than a header map so
//! that it works with any header representation.

use serde::{Deserialize, Serialize};

/// The header with the human-readable error description.
pub const ERROR_HEADER: &str = "Nats-Service-Error";
/// The header with the integer error code (HTTP-like: 400, 404, 500…).
pub const ERROR_CODE_HEADER: &str = "Nats-Service-Error-Code";
/// The code used when an error reply's code header is missing or not an integer in
/// `0..=65535`, and the customary code for an unexpected failure.
pub const INTERNAL_ERROR_CODE: u16 = 500;

/// An error answered by a service: a code and a description.
///
/// It is both what a handler returns to fail a request and what a caller gets back. In the
/// natbus envelope it is the `{"code": …, "message": …}` object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error, Serialize, Deserialize)]
#[error("{code}: {message}")]
pub struct ServiceError {
    /// The error code, HTTP-like by custom (400 bad request, 404 not found, 500 internal).
    pub code: u16,
    /// What went wrong, for a person to read.
    pub message: String,
}

impl ServiceError {
    /// An error with `code` and `message`.
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// A 500 error, for failures that are not the caller's fault.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(INTERNAL_ERROR_CODE, message)
    }

    /// The values of [`ERROR_HEADER`] and [`ERROR_CODE_HEADER`] for an error reply; set both,
    /// replacing any user headers of the same names.
    ///
    /// Line breaks in the message become spaces, since a header value cannot hold them. An
    /// empty message is sent as `error <code>`, because some readers only look for a
    /// non-empty description.
    pub fn header_values(&self) -> [(&'static str, String); 2] {
        let description = if self.message.is_empty() {
            format!("error {}", self.code)
        } else {
            self.message.replace(['\r', '\n'], " ")
        };
        [
            (ERROR_HEADER, description),
            (ERROR_CODE_HEADER, self.code.to_string()),
        ]
    }

    /// The `last_error` text STATS reports for this error: `"<code>:<message>"`.
    pub fn last_error(&self) -> String {
        format!("{}:{}", self.code, self.message)
    }

    /// Decides from a reply's two header values whether it is an error reply, and if so
    /// returns the error. Pass `None` for a header the reply does not carry.
    ///
    /// - Neither header: not an error (`None`).
    /// - Either header: an error, whatever the body says.
    /// - A code that is missing, or not an integer in `0..=65535` (ADR-32 requires an
    ///   integer, but peers have been seen to send other things): code
    ///   [`INTERNAL_ERROR_CODE`], and a malformed code's text is appended to the message so
    ///   nothing is lost.
    pub fn from_headers(description: Option<&str>, code: Option<&str>) -> Option<Self> {
        if description.is_none() && code.is_none() {
            return None;
        }
        let description = description.unwrap_or_default().trim();
        let Some(raw) = code else {
            return Some(Self::new(INTERNAL_ERROR_CODE, description));
        };
        match raw.trim().parse::<u16>() {
            Ok(code) => Some(Self::new(code, description)),
            Err(_) => Some(Self::new(
                INTERNAL_ERROR_CODE,
                format!("{description} (malformed {ERROR_CODE_HEADER}: {raw:?})"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_last_error() {
        let e = ServiceError::new(400, "amount must be positive");
        assert_eq!(e.to_string(), "400: amount must be positive");
        assert_eq!(e.last_error(), "400:amount must be positive");
        assert_eq!(ServiceError::internal("x").code, 500);
    }

    #[test]
    fn header_values_are_safe() {
        let e = ServiceError::new(404, "no such\r\ninvoice");
        assert_eq!(
            e.header_values(),
            [
                ("Nats-Service-Error", "no such  invoice".to_owned()),
                ("Nats-Service-Error-Code", "404".to_owned())
            ]
        );
        let [(_, description), _] = ServiceError::new(503, "").header_values();
        assert_eq!(description, "error 503");
    }

    #[test]
    fn from_headers_table() {
        let cases: [(Option<&str>, Option<&str>, Option<ServiceError>); 7] = [
            (None, None, None),
            (
                Some("amount must be positive"),
                Some("400"),
                Some(ServiceError::new(400, "amount must be positive")),
            ),
            (
                Some("ValueError('boom')"),
                Some(" 500 "),
                Some(ServiceError::new(500, "ValueError('boom')")),
            ),
            (Some("gone"), None, Some(ServiceError::new(500, "gone"))),
            (None, Some("404"), Some(ServiceError::new(404, ""))),
            (
                Some("odd"),
                Some("E42"),
                Some(ServiceError::new(
                    500,
                    "odd (malformed Nats-Service-Error-Code: \"E42\")",
                )),
            ),
            (
                Some("big"),
                Some("70000"),
                Some(ServiceError::new(
                    500,
                    "big (malformed Nats-Service-Error-Code: \"70000\")",
                )),
            ),
        ];
        for (description, code, want) in cases {
            assert_eq!(
                ServiceError::from_headers(description, code),
                want,
                "{description:?} {code:?}"
            );
        }
    }

    #[test]
    fn headers_round_trip() {
        let e = ServiceError::new(409, "conflict");
        let [(_, description), (_, code)] = e.header_values();
        assert_eq!(
            ServiceError::from_headers(Some(&description), Some(&code)),
            Some(e)
        );
    }
}
