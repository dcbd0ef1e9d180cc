//! `Subscriber`: the stream of messages of one subscription.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use natbus_proto::message::Message;

use crate::client::Client;
use crate::connection::mailbox::Mailbox;

/// Messages of one subscription, as a [`Stream`].
///
/// Messages wait in a buffer bounded by messages and bytes
/// ([`ConnectOptions::subscription_capacity`](crate::ConnectOptions::subscription_capacity));
/// when a subscriber does not keep up, new messages are dropped (never older ones, which
/// the application may be processing in order), counted in
/// [`Client::statistics`](crate::Client::statistics) and reported once per episode as
/// [`ClientEvent::SlowConsumer`](crate::ClientEvent::SlowConsumer).
///
/// Dropping a `Subscriber` unsubscribes. The stream ends after an unsubscribe, a reached
/// `unsubscribe_after` limit, a drain or a close, once the buffered messages are read.
#[derive(Debug)]
pub struct Subscriber {
    pub(crate) client: Client,
    pub(crate) sid: u64,
    pub(crate) subject: String,
    pub(crate) mailbox: Arc<Mailbox<Message>>,
}

impl Subscriber {
    /// The next message; `None` when the subscription has ended and its buffer is empty.
    // An async `next` as users know it from `StreamExt`, without needing that import.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> impl std::future::Future<Output = Option<Message>> + Unpin + '_ {
        std::future::poll_fn(move |cx| self.mailbox.poll_pop(cx))
    }

    /// The next message if one is buffered, without waiting.
    pub fn try_next(&mut self) -> Option<Message> {
        self.mailbox.try_pop()
    }

    /// The subscription id on this connection.
    pub fn sid(&self) -> u64 {
        self.sid
    }

    /// The subject (or pattern) subscribed to.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Why the server ended this subscription, when it refused it (a permission
    /// violation): the stream ends and this says why. `None` for a normal end.
    pub fn error(&self) -> Option<String> {
        self.mailbox.error()
    }

    /// Messages buffered and not yet read.
    pub fn pending(&self) -> usize {
        self.mailbox.len()
    }

    /// Ends the subscription now; buffered messages can still be read.
    pub fn unsubscribe(&mut self) {
        self.client.unsubscribe_sid(self.sid, None);
    }

    /// Ends the subscription after `n` messages in total (counting those already received).
    pub fn unsubscribe_after(&mut self, n: u64) {
        self.client.unsubscribe_sid(self.sid, Some(n));
    }

    /// Drains the subscription: the server is told to stop, messages it sent before that
    /// are still delivered, then the stream ends. Keep reading until `next` returns `None`.
    pub fn drain(&mut self) {
        self.client.drain_sid(self.sid);
    }
}

impl Stream for Subscriber {
    type Item = Message;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.mailbox.poll_pop(cx)
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        if !self.mailbox.is_closed() {
            self.client.unsubscribe_sid(self.sid, None);
        }
    }
}
