//! What a [`Connection`](super::Connection) tells its driver: events, actions and errors.

use crate::headers::HeaderError;
use crate::info::ServerInfo;
use crate::message::Message;
use crate::requests::RequestId;
use crate::server_addr::ServerAddr;
use crate::server_error::ServerError;
use crate::subject::SubjectError;
use crate::wire::DecodeError;

use super::PublishLoss;

/// Something the driver must do with the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Open a connection to `server`, then call `handle_connected` or
    /// `handle_dial_failed`. For `nats://` and `tls://` that is a TCP connection. For a
    /// WebSocket server ([`ServerAddr::is_websocket`]) it is TCP, then TLS when
    /// [`Connection::websocket_tls`](super::Connection::websocket_tls) says so, then the
    /// HTTP upgrade (the `websocket` module has the codec); `handle_connected` comes once
    /// the WebSocket is open, and from then on the bytes fed and taken are the NATS stream
    /// inside the frames. The whole dial counts against the connect timeout.
    Dial {
        /// Where to connect.
        server: ServerAddr,
    },
    /// Upgrade the open socket to TLS for `server`, then call `handle_tls_upgraded`
    /// (or `handle_disconnected` when the upgrade fails).
    UpgradeTls {
        /// The server, whose host name is used for verification.
        server: ServerAddr,
    },
    /// Close the current socket. When `flush` is true, first write what `poll_transmit`
    /// returns, best effort. Do not call `handle_disconnected` for it.
    Close {
        /// Write pending bytes before closing.
        flush: bool,
    },
}

/// Why a connection that was up went down.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The socket failed or reached end of file.
    #[error("connection lost: {0}")]
    Io(String),
    /// The server stopped answering PINGs.
    #[error("connection stale: the server stopped answering PINGs")]
    Stale,
    /// The server sent bytes we could not parse.
    #[error("protocol error: {0}")]
    Protocol(#[from] DecodeError),
    /// The server sent a fatal `-ERR`.
    #[error("{0}")]
    Server(ServerError),
    /// The server entered lame-duck mode; we moved to another server.
    #[error("the server entered lame-duck mode")]
    LameDuck,
    /// The application asked for a new connection ([`Connection::force_reconnect`]).
    ///
    /// [`Connection::force_reconnect`]: super::Connection::force_reconnect
    #[error("reconnect forced by the application")]
    Forced,
}

/// Why one attempt to connect to a server failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectFailure {
    /// The dial, the socket or the TLS upgrade failed, in the driver's words.
    #[error("{0}")]
    Io(String),
    /// Dialing plus the handshake took longer than the connect timeout.
    #[error("timed out connecting to the server")]
    TimedOut,
    /// The server sent bytes that are not the NATS protocol (is this a NATS port?). When
    /// they are HTTP, the message says so: a WebSocket or HTTP port.
    #[error("protocol error: {0}{hint}", hint = .0.wrong_port_hint().map_or(String::new(), |h| format!("; {h}")))]
    Protocol(DecodeError),
    /// The server refused the connection with a `-ERR` (credentials, connection limits).
    #[error("{0}")]
    Server(ServerError),
    /// TLS is required (by the configuration or the URL) but the server does not offer it.
    #[error("TLS required but the server does not offer it")]
    TlsNotOffered,
    /// The credentials could not be applied to CONNECT (e.g. the nonce could not be signed).
    #[error("authentication: {0}")]
    Credentials(String),
    /// A `nats://` or `tls://` server said nothing at all, not even INFO, and then timed out
    /// or closed the connection: the way a WebSocket port answers a NATS client (it waits
    /// for an HTTP request), and a server that expects TLS first.
    #[error(
        "{}: the server sent nothing, not even INFO (is this a WebSocket port? use ws:// or wss:// for it; or a server that expects TLS first? use tls_first)",
        if *closed { "the server closed the connection" } else { "timed out connecting to the server" }
    )]
    Silent {
        /// The server closed the connection (rather than the connect timeout passing).
        closed: bool,
    },
}

/// Why a connection is closed for good.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CloseReason {
    /// The user closed it.
    #[error("connection closed")]
    Closed,
    /// A drain finished.
    #[error("connection drained and closed")]
    Drained,
    /// The initial connect failed on every server; this is why the last attempt failed.
    #[error("could not connect: {0}")]
    ConnectFailed(ConnectFailure),
    /// The server rejected our credentials.
    #[error("{0}")]
    Auth(ServerError),
    /// Reconnecting is disabled or every server reached its reconnect limit.
    #[error("connection lost and reconnect gave up: {0}")]
    ReconnectExhausted(String),
    /// A bug ended the connection: the layer driving this state machine failed (the async
    /// client closes with this when its connection driver panics); the text names the
    /// cause. The state machine never closes with it by itself.
    #[error("internal error (a bug in natbus): {0}")]
    Internal(String),
}

/// Why a subscription ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriptionEnd {
    /// The auto-unsubscribe limit was reached.
    MaxReached,
    /// The server refused the subscription.
    PermissionDenied(ServerError),
    /// The connection was drained.
    Drained,
    /// The connection closed.
    Closed,
}

/// Why a request got no reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Nobody is subscribed to the subject (503 status).
    #[error("no responders: nothing is subscribed to the request subject")]
    NoResponders,
    /// The deadline passed.
    #[error("request timed out")]
    TimedOut,
    /// The connection was lost before the reply arrived.
    #[error("connection lost before the reply arrived")]
    Disconnected,
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
}

/// Why a flush did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FlushError {
    /// The connection was lost before the server confirmed.
    #[error("connection lost before the flush completed")]
    Disconnected,
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
}

/// Why a publish (or request, subscribe) was refused before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The subject (or reply subject, queue group) is invalid.
    #[error("invalid subject: {0}")]
    InvalidSubject(#[from] SubjectError),
    /// A header name or value is invalid.
    #[error("invalid headers: {0}")]
    InvalidHeaders(#[from] HeaderError),
    /// Headers plus payload exceed the server's `max_payload`.
    #[error("message of {size} bytes exceeds the server's max_payload of {max} bytes")]
    PayloadTooLarge {
        /// Headers plus payload size.
        size: usize,
        /// The server's limit.
        max: usize,
    },
    /// The outbound (or reconnect) buffer is full; retry after the driver wrote some.
    #[error(
        "outbound buffer full ({limit} bytes): the connection cannot keep up or is disconnected"
    )]
    BufferFull {
        /// The limit that was hit.
        limit: usize,
    },
    /// The connection is draining: no new publishes or subscriptions.
    #[error("connection is draining")]
    Draining,
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
}

/// Something that happened, for the driver to route or report.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The handshake finished: the connection is usable.
    Connected {
        /// The server we are connected to.
        server: ServerAddr,
        /// True when this replaces a lost connection.
        reconnected: bool,
    },
    /// A live connection went down; reconnecting follows unless `Closed` is emitted.
    Disconnected {
        /// Why.
        reason: DisconnectReason,
        /// The publishes the connection may have taken with it: written (or being
        /// written) to it and not confirmed by the server. Publishes still queued are not
        /// in it: they leave on the next connection.
        loss: PublishLoss,
    },
    /// A connect attempt failed (TCP, handshake or auth).
    ConnectFailed {
        /// The server tried.
        server: ServerAddr,
        /// What went wrong.
        reason: ConnectFailure,
    },
    /// A message for subscription `sid`.
    Message {
        /// The subscription.
        sid: u64,
        /// The message.
        message: Message,
    },
    /// A subscription ended; no more messages will come for `sid`.
    SubscriptionEnded {
        /// The subscription.
        sid: u64,
        /// Why.
        reason: SubscriptionEnd,
    },
    /// A request finished.
    Reply {
        /// The request.
        id: RequestId,
        /// The reply or why there is none.
        result: Result<Message, RequestError>,
    },
    /// A flush finished.
    Flushed {
        /// The flush id returned by `flush`.
        id: u64,
        /// Whether the server confirmed it.
        result: Result<(), FlushError>,
    },
    /// A message for subscription `sid` was dropped: its subject or reply subject is not
    /// UTF-8 (another client published it so, and the server forwarded it). The connection
    /// stays up; [`Statistics::dropped_undeliverable`](super::Statistics) counts these.
    MessageDropped {
        /// The subscription it was for.
        sid: u64,
        /// What is wrong with it.
        error: SubjectError,
    },
    /// A non-fatal `-ERR` (e.g. a permission violation); the connection stays up.
    ServerError(ServerError),
    /// The server sent a new INFO (the first one included).
    ServerInfo(Box<ServerInfo>),
    /// The server announced lame-duck mode.
    LameDuck,
    /// New servers were learned from the cluster.
    ServersDiscovered,
    /// The connection is closed for good; no more events follow.
    Closed {
        /// Why.
        reason: CloseReason,
        /// The publishes the close may have lost: those written to the last connection
        /// and not confirmed, those a closing connection still writes best effort
        /// ([`Connection::close`](super::Connection::close); [`drain`](super::Connection::drain)
        /// confirms them instead), and those thrown away unwritten when no connection was
        /// up.
        loss: PublishLoss,
    },
}
