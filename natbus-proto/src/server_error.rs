//! `-ERR` texts from the server, classified by what a client should do about them.

/// What kind of problem a server `-ERR` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerErrorKind {
    /// Bad or missing credentials. The server closes the connection.
    AuthorizationViolation,
    /// CONNECT did not arrive in time. The server closes the connection.
    AuthenticationTimeout,
    /// The user or account JWT expired. The server closes the connection.
    AuthenticationExpired,
    /// The user JWT was revoked. The server closes the connection.
    AuthenticationRevoked,
    /// We did not answer the server's PINGs. The server closes the connection.
    StaleConnection,
    /// The server or account connection limit is reached. The server closes the connection.
    MaxConnectionsExceeded,
    /// A message was larger than the server's `max_payload`. The server closes the connection.
    MaxPayloadExceeded,
    /// A control line was too long. The server closes the connection.
    MaxControlLineExceeded,
    /// The server did not understand what we sent. The server closes the connection.
    UnknownProtocolOperation,
    /// Publishing to `subject` is not allowed; the message was dropped, the connection stays.
    PublishPermissionViolation {
        /// The subject we were not allowed to publish to.
        subject: String,
    },
    /// Subscribing to `subject` is not allowed; that subscription is dead, the connection stays.
    SubscribePermissionViolation {
        /// The subject we were not allowed to subscribe to.
        subject: String,
        /// The queue group named in the error, if any.
        queue: Option<String>,
    },
    /// A SUB had an invalid subject. The connection stays.
    InvalidSubject,
    /// The subscription limit is reached; the SUB was rejected. The connection stays.
    MaxSubscriptionsExceeded,
    /// Anything else. Treated as fatal, as the official clients do.
    Other,
}

/// A `-ERR` from the server, with its text and classification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ServerError {
    /// The classification.
    pub kind: ServerErrorKind,
    /// The text the server sent, without quotes.
    pub text: String,
}

/// Extracts the first double-quoted string of `text`, as permission errors carry the subject.
fn quoted(text: &str, after: usize) -> Option<String> {
    let rest = &text[after..];
    let start = rest.find('"')? + 1;
    let len = rest[start..].find('"')?;
    Some(rest[start..start + len].to_owned())
}

impl ServerError {
    /// Classifies the text of a `-ERR` (quotes already removed by the decoder).
    pub fn parse(text: &str) -> Self {
        let t = text.trim().trim_matches('\'').trim();
        let lower = t.to_ascii_lowercase();
        let kind = if lower.starts_with("permissions violation for publish") {
            ServerErrorKind::PublishPermissionViolation {
                subject: quoted(t, 0).unwrap_or_default(),
            }
        } else if lower.starts_with("permissions violation for subscription") {
            let subject = quoted(t, 0).unwrap_or_default();
            let queue = lower.find("using queue").and_then(|at| quoted(t, at));
            ServerErrorKind::SubscribePermissionViolation { subject, queue }
        } else if lower == "authorization violation" {
            ServerErrorKind::AuthorizationViolation
        } else if lower.starts_with("authentication timeout")
            || lower.starts_with("authorization timeout")
        {
            ServerErrorKind::AuthenticationTimeout
        } else if lower.contains("authentication expired") {
            ServerErrorKind::AuthenticationExpired
        } else if lower.contains("authentication revoked") {
            ServerErrorKind::AuthenticationRevoked
        } else if lower == "stale connection" {
            ServerErrorKind::StaleConnection
        } else if lower.contains("maximum connections exceeded")
            || lower.contains("maximum account active connections exceeded")
        {
            ServerErrorKind::MaxConnectionsExceeded
        } else if lower == "maximum payload violation" {
            ServerErrorKind::MaxPayloadExceeded
        } else if lower == "maximum control line exceeded" {
            ServerErrorKind::MaxControlLineExceeded
        } else if lower == "unknown protocol operation" {
            ServerErrorKind::UnknownProtocolOperation
        } else if lower == "invalid subject" || lower == "invalid publish subject" {
            ServerErrorKind::InvalidSubject
        } else if lower == "maximum subscriptions exceeded" {
            ServerErrorKind::MaxSubscriptionsExceeded
        } else {
            ServerErrorKind::Other
        };
        ServerError {
            kind,
            text: t.to_owned(),
        }
    }

    /// True when the server closes the connection after this error.
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self.kind,
            ServerErrorKind::PublishPermissionViolation { .. }
                | ServerErrorKind::SubscribePermissionViolation { .. }
                | ServerErrorKind::InvalidSubject
                | ServerErrorKind::MaxSubscriptionsExceeded
        )
    }

    /// True for credential problems, where retrying the same server is pointless.
    pub fn is_auth(&self) -> bool {
        matches!(
            self.kind,
            ServerErrorKind::AuthorizationViolation
                | ServerErrorKind::AuthenticationExpired
                | ServerErrorKind::AuthenticationRevoked
        )
    }

    fn describe(&self) -> String {
        match &self.kind {
            ServerErrorKind::AuthorizationViolation => {
                "authorization violation: the server rejected the credentials (check user/password, token or creds)".to_owned()
            }
            ServerErrorKind::PublishPermissionViolation { subject } => {
                format!("permission violation: not allowed to publish to '{subject}'")
            }
            ServerErrorKind::SubscribePermissionViolation { subject, .. } => {
                format!("permission violation: not allowed to subscribe to '{subject}'")
            }
            ServerErrorKind::MaxConnectionsExceeded => {
                format!("the server refused the connection: {}", self.text)
            }
            _ => format!("server error: {}", self.text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_captured_texts() {
        let cases = [
            (
                "Authorization Violation",
                ServerErrorKind::AuthorizationViolation,
                true,
            ),
            (
                "Authentication Timeout",
                ServerErrorKind::AuthenticationTimeout,
                true,
            ),
            ("Stale Connection", ServerErrorKind::StaleConnection, true),
            (
                "maximum connections exceeded",
                ServerErrorKind::MaxConnectionsExceeded,
                true,
            ),
            (
                "Maximum Payload Violation",
                ServerErrorKind::MaxPayloadExceeded,
                true,
            ),
            (
                "maximum control line exceeded",
                ServerErrorKind::MaxControlLineExceeded,
                true,
            ),
            (
                "Unknown Protocol Operation",
                ServerErrorKind::UnknownProtocolOperation,
                true,
            ),
            ("Invalid Subject", ServerErrorKind::InvalidSubject, false),
            (
                "maximum subscriptions exceeded",
                ServerErrorKind::MaxSubscriptionsExceeded,
                false,
            ),
            ("something new", ServerErrorKind::Other, true),
        ];
        for (text, kind, fatal) in cases {
            let e = ServerError::parse(text);
            assert_eq!(e.kind, kind, "{text}");
            assert_eq!(e.is_fatal(), fatal, "{text}");
        }
    }

    #[test]
    fn extracts_permission_subjects() {
        let e = ServerError::parse(r#"Permissions Violation for Publish to "secret.x""#);
        assert_eq!(
            e.kind,
            ServerErrorKind::PublishPermissionViolation {
                subject: "secret.x".into()
            }
        );
        assert!(!e.is_fatal());
        let e = ServerError::parse(
            r#"Permissions Violation for Subscription to "a.>" using queue "q1""#,
        );
        assert_eq!(
            e.kind,
            ServerErrorKind::SubscribePermissionViolation {
                subject: "a.>".into(),
                queue: Some("q1".into())
            }
        );
        assert!(e.to_string().contains("not allowed to subscribe to 'a.>'"));
    }

    #[test]
    fn auth_errors_are_flagged() {
        assert!(ServerError::parse("'Authorization Violation'").is_auth());
        assert!(ServerError::parse("User Authentication Expired").is_auth());
        assert!(!ServerError::parse("Stale Connection").is_auth());
    }
}
