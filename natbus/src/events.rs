//! Connection lifecycle events for the application.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::PublishLoss;
use crate::connection::mailbox::Mailbox;

/// Something that happened to the connection.
///
/// A lost connection says how many publishes it may have taken with it (see the README's
/// Reliability section):
///
/// ```no_run
/// # async fn demo(client: natbus::Client) {
/// let mut events = client.events();
/// while let Some(event) = events.next().await {
///     if let natbus::ClientEvent::Disconnected { reason, possibly_lost } = event {
///         if !possibly_lost.is_none() {
///             let at_most = possibly_lost.at_most();
///             eprintln!("{reason}: up to {} publishes may be lost", at_most.messages);
///         }
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// Connected for the first time.
    Connected {
        /// The server (without credentials).
        server: String,
    },
    /// Connected again after a lost connection.
    Reconnected {
        /// The server (without credentials).
        server: String,
    },
    /// The connection was lost; natbus is reconnecting.
    Disconnected {
        /// Why.
        reason: String,
        /// The publishes the lost connection may have taken with it: written to it and
        /// not yet confirmed by the server (a PONG after them). Zero means nothing
        /// accepted can be missing; publishes still buffered leave on the next connection
        /// and are not counted.
        possibly_lost: PublishLoss,
    },
    /// A connect attempt failed.
    ConnectFailed {
        /// The server tried.
        server: String,
        /// Why.
        reason: String,
    },
    /// The server announced it is shutting down (lame-duck mode).
    LameDuck,
    /// The cluster told us about more servers.
    ServersDiscovered,
    /// A non-fatal server error, such as a permission violation.
    ServerError(String),
    /// A subscription's buffer was full and messages were dropped.
    SlowConsumer {
        /// The subscription id.
        sid: u64,
        /// The subscription subject.
        subject: String,
    },
    /// The connection is closed for good.
    Closed {
        /// Why.
        reason: String,
        /// The publishes the close may have lost: unconfirmed on the last connection
        /// (after [`Client::close`](crate::Client::close), what it wrote best effort;
        /// [`Client::drain`](crate::Client::drain) confirms everything first), or thrown
        /// away from the reconnect buffer when no connection was up.
        possibly_lost: PublishLoss,
    },
}

/// Events kept for a listener that does not keep up; older ones are dropped past it.
pub(crate) const EVENT_BACKLOG: usize = 1024;

/// A stream of [`ClientEvent`]s, from [`Client::events`](crate::Client::events).
///
/// It ends after [`ClientEvent::Closed`]. A listener that falls more than 1024 events behind
/// misses the newest ones rather than growing memory.
#[derive(Debug)]
pub struct EventStream {
    pub(crate) mailbox: Arc<Mailbox<ClientEvent>>,
}

impl Stream for EventStream {
    type Item = ClientEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ClientEvent>> {
        self.mailbox.poll_pop(cx)
    }
}

impl EventStream {
    /// True when an event is waiting to be read (lets a consumer's fast path step aside).
    #[cfg(feature = "jetstream")]
    pub(crate) fn has_pending(&self) -> bool {
        self.mailbox.len() > 0
    }

    /// The next event; `None` once the connection is closed and every event was read.
    // An async `next` as users know it from `StreamExt`, without needing that import.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> impl std::future::Future<Output = Option<ClientEvent>> + Unpin + '_ {
        std::future::poll_fn(move |cx| self.mailbox.poll_pop(cx))
    }
}
