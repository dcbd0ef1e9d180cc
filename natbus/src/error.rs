//! Errors of the client API, one enum per operation, each message something a user can act on.

use natbus_proto::connection::{CloseReason, CommandError, ConnectFailure};
use natbus_proto::server_addr::AddrError;
use natbus_proto::server_error::ServerError;
use natbus_proto::wire::DecodeError;

/// What a bus, service or subscription handler returns on failure: any error (`?`
/// converts most errors into it, and `"text".into()` makes one). Defined here, not in
/// `bus`, because services and handler subscriptions use it without the `bus` feature.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why [`connect`](crate::connect_with) failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// A server URL could not be parsed.
    #[error("{0}")]
    InvalidUrl(#[from] AddrError),
    /// The server rejected the credentials.
    #[error("{0}")]
    Auth(String),
    /// No server could be reached (refused, unreachable, timed out, TLS failure).
    #[error("could not connect: {0}")]
    Unreachable(String),
    /// The server broke the NATS protocol while connecting: it sent bytes that are not
    /// NATS (often a port of some other service), or a malformed INFO.
    #[error(
        "the server broke the NATS protocol while connecting ({})",
        source.wrong_port_hint().unwrap_or("is this the port of a NATS server?")
    )]
    Protocol {
        /// What was wrong with what it sent.
        #[source]
        source: DecodeError,
    },
    /// The server refused the connection with an error other than bad credentials, such as
    /// its connection limit; match on the error's `kind`.
    #[error(transparent)]
    Refused(ServerError),
    /// The connection was closed before it was established.
    #[error("connection closed before it was established: {0}")]
    Closed(String),
    /// nkey or JWT credentials could not be loaded.
    #[cfg(feature = "nkeys")]
    #[error("{0}")]
    Credentials(#[from] crate::auth::CredentialsError),
    /// The TLS configuration (CA, client certificate or key files) is invalid.
    #[error("{0}")]
    Tls(String),
}

impl ConnectError {
    pub(crate) fn from_close(reason: &CloseReason) -> Self {
        match reason {
            CloseReason::Auth(e) => ConnectError::Auth(e.to_string()),
            CloseReason::ConnectFailed(ConnectFailure::Protocol(e)) => {
                ConnectError::Protocol { source: e.clone() }
            }
            CloseReason::ConnectFailed(ConnectFailure::Server(e)) => {
                ConnectError::Refused(e.clone())
            }
            CloseReason::ConnectFailed(other) => ConnectError::Unreachable(other.to_string()),
            CloseReason::ReconnectExhausted(r) => ConnectError::Unreachable(r.clone()),
            other => ConnectError::Closed(other.to_string()),
        }
    }
}

/// Why a publish failed. The message was not sent.
pub type PublishError = CommandError;

/// Why a subscribe failed.
pub type SubscribeError = CommandError;

/// Why a request got no reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Nobody is subscribed to the subject.
    #[error("no responders: nothing is subscribed to '{subject}'")]
    NoResponders {
        /// The request subject.
        subject: String,
    },
    /// No reply within the timeout.
    #[error("request to '{subject}' timed out after {timeout:?}")]
    TimedOut {
        /// The request subject.
        subject: String,
        /// The timeout that passed.
        timeout: std::time::Duration,
    },
    /// The connection was lost before the reply arrived; the request may or may not have
    /// been processed.
    #[error("connection lost before the reply to '{subject}' arrived")]
    Disconnected {
        /// The request subject.
        subject: String,
    },
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
    /// The request could not be sent.
    #[error("request not sent: {0}")]
    Publish(#[from] CommandError),
}

/// Why a flush failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FlushError {
    /// The server did not confirm within the timeout.
    #[error("flush timed out after {0:?}")]
    TimedOut(std::time::Duration),
    /// The connection was lost before the server confirmed.
    #[error("connection lost before the flush completed")]
    Disconnected,
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
}

/// Why a drain did not finish cleanly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DrainError {
    /// The drain took longer than the drain timeout; the connection was closed anyway.
    #[error("drain timed out after {0:?}; the connection was closed")]
    TimedOut(std::time::Duration),
}
