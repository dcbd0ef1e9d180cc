//! The CLI's error type: one message a user can act on, causes kept as sources.

use natbus_tokio::jetstream::JetStreamError;
use natbus_tokio::{CommandError, ConnectError, FlushError, RequestError};

/// Why a command failed. `main` prints it (with its sources) as one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The async runtime could not start.
    #[error("could not start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// No connection to the server.
    #[error("could not connect to {server}")]
    Connect {
        /// The server URL(s) tried, without credentials.
        server: String,
        /// Why.
        #[source]
        source: ConnectError,
    },
    /// No server could be reached.
    #[error("could not connect to {server}: {reason}")]
    Unreachable {
        /// The server URL(s) tried, without credentials.
        server: String,
        /// Why (refused, timed out, …).
        reason: String,
    },
    /// A `nats` context could not be found, read, written or used.
    #[error(transparent)]
    Context(#[from] natbus_tokio::context::ContextError),
    /// A flag or argument has a value that cannot work.
    #[error("{0}")]
    Usage(String),
    /// A publish was refused by the client.
    #[error("could not publish to '{subject}'")]
    Publish {
        /// The subject.
        subject: String,
        /// Why.
        #[source]
        source: CommandError,
    },
    /// A subscribe was refused by the client.
    #[error("could not subscribe to '{subject}'")]
    Subscribe {
        /// The subject.
        subject: String,
        /// Why.
        #[source]
        source: CommandError,
    },
    /// A request got no reply (no responders, timeout, lost connection).
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The server did not confirm what was sent.
    #[error("the server did not confirm the messages")]
    Flush(#[source] FlushError),
    /// Reading stdin or writing stdout failed.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// A file named on the command line could not be used.
    #[error("could not {what} {}", path.display())]
    File {
        /// What was being done, e.g. "read the --nkey seed file".
        what: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A JetStream call failed; `what` says which, the source says why.
    #[error("{what}")]
    JetStream {
        /// What was being done, e.g. "could not get info of stream 'ORDERS'".
        what: String,
        /// Why.
        #[source]
        source: JetStreamError,
    },
    /// Something the user asked for does not exist (stream, consumer, bucket, key, message).
    #[error("{0}")]
    NotFound(String),
    /// A conditional write was refused because the state changed (create, compare-and-set).
    #[error("{0}")]
    Conflict(String),
    /// Stdout was closed by the reader (e.g. `| head`); not an error for the user.
    #[error("stdout closed")]
    BrokenPipe,
    /// Something did not happen in time.
    #[error("{0}")]
    TimedOut(String),
    /// A bug in natbus itself (a background task died).
    #[error("internal error: {0}")]
    Internal(String),
    /// A server answer that makes no sense.
    #[error("{0}")]
    BadAnswer(String),
}

impl CliError {
    /// An IO failure while doing `what`; a closed stdout becomes [`CliError::BrokenPipe`].
    pub fn io(what: &'static str, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Io { what, source }
        }
    }
}

/// The result of every command.
pub type CliResult<T = ()> = Result<T, CliError>;
