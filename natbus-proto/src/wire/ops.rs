//! The protocol operations, as values.

use bytes::Bytes;

use crate::connect::ConnectInfo;
use crate::headers::HeaderMap;
use crate::info::ServerInfo;
use crate::message::Message;
use crate::subject::{Subject, SubjectError};

/// An operation sent by the server to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerOp {
    /// `INFO {json}`: server description, first on the wire and again on cluster changes.
    Info(Box<ServerInfo>),
    /// `MSG` or `HMSG`: a message for subscription `sid`.
    Msg {
        /// The subscription id the message is delivered to.
        sid: u64,
        /// The message.
        message: Message,
    },
    /// `PING`: answer with `PONG`.
    Ping,
    /// `PONG`: the answer to our `PING`.
    Pong,
    /// `+OK`: acknowledgement in verbose mode.
    Ok,
    /// `-ERR '<text>'`: the text without its quotes.
    Err(String),
    /// A `MSG` or `HMSG` framed correctly but not deliverable as a [`Message`]: its subject
    /// or reply subject is not UTF-8. The server forwards such subjects as other clients
    /// publish them; the stream stays framed, and the message is dropped.
    Undeliverable {
        /// The subscription id it was for.
        sid: u64,
        /// What is wrong with it.
        error: SubjectError,
        /// The whole frame as received (control line, body, trailer).
        frame: Bytes,
    },
}

/// An operation sent by a client to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientOp {
    /// `CONNECT {json}`.
    Connect(Box<ConnectInfo>),
    /// `PUB` or `HPUB` (when `headers` is set).
    Pub {
        /// Destination subject.
        subject: Subject,
        /// Reply subject.
        reply: Option<Subject>,
        /// Headers; `Some` makes this an `HPUB`.
        headers: Option<HeaderMap>,
        /// Body.
        payload: Bytes,
    },
    /// `SUB subject [queue] sid`.
    Sub {
        /// Subject or wildcard pattern.
        subject: Subject,
        /// Queue group.
        queue: Option<String>,
        /// Subscription id.
        sid: u64,
    },
    /// `UNSUB sid [max]`.
    Unsub {
        /// Subscription id.
        sid: u64,
        /// Unsubscribe after this many messages in total.
        max: Option<u64>,
    },
    /// `PING`.
    Ping,
    /// `PONG`.
    Pong,
}
