//! Errors of starting, extending and stopping a service, and of calling one.

use std::time::Duration;

use natbus_proto::service::{ConfigError, EnvelopeError, ServiceError};

use crate::error::{RequestError, SubscribeError};

/// Why a service could not start, or an endpoint could not be added.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The name, version, queue group, prefix, group or endpoint breaks an ADR-32 rule;
    /// nothing was subscribed.
    #[error("invalid service configuration: {0}")]
    Config(#[from] ConfigError),
    /// The connection refused a subscription (closed or draining connection, bad subject).
    #[error("could not subscribe the service's subjects: {0}")]
    Subscribe(#[from] SubscribeError),
    /// The service has been stopped (or its connection closed); start a new one.
    #[error("the service is stopped; endpoints cannot be added to it")]
    Stopped,
}

/// Why [`Service::stop`](super::Service::stop) did not finish cleanly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StopError {
    /// In-flight handlers were still running when the stop timeout passed. The service is
    /// stopped anyway (nothing more is received); those handlers run on, their replies
    /// still sent.
    #[error(
        "stop timed out after {0:?} with handlers still running; raise the stop timeout or make handlers finish sooner"
    )]
    TimedOut(Duration),
}

/// Why a [`Client::call`](crate::Client::call) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The service answered with an error (from the `Nats-Service-Error` headers or the
    /// `{"error": …}` envelope).
    #[error("the service answered with an error: {0}")]
    Service(#[from] ServiceError),
    /// No answer: no responders, timeout, lost or closed connection, or not sent.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The request value could not be serialized as JSON.
    #[error("could not encode the request as JSON; check the type's Serialize")]
    Encode(#[source] serde_json::Error),
    /// The reply was not a natbus envelope whose result fits the expected type.
    #[error(transparent)]
    Decode(#[from] EnvelopeError),
}

impl CallError {
    /// The service error, when the service answered with one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            CallError::Service(e) => Some(e),
            _ => None,
        }
    }
}
