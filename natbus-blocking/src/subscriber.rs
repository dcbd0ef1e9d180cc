//! `Subscriber`: the messages of one subscription, as a blocking iterator.

use std::time::Duration;

use natbus::Message;

use crate::block::{TimedOut, next, next_timeout};

/// The messages of one subscription, as an [`Iterator`] that blocks for the next one.
///
/// `Send`: it can be moved to another thread and read there. The iterator ends after an
/// unsubscribe, a reached `unsubscribe_after` limit, a drain or a close, once the
/// buffered messages are read; until then `next` waits as long as it takes, so use
/// [`next_timeout`](Self::next_timeout) or [`try_next`](Self::try_next) to bound it.
/// Buffering and slow-consumer handling are [`natbus::Subscriber`]'s. Dropping it
/// unsubscribes.
///
/// ```no_run
/// # fn demo(client: natbus_blocking::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
///
/// let mut sub = client.subscribe("greetings.*")?;
/// // Every message until the subscription ends, or 5 s pass without one.
/// while let Ok(Some(msg)) = sub.next_timeout(Duration::from_secs(5)) {
///     println!("{}: {:?}", msg.subject, msg.payload);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Subscriber {
    inner: natbus::Subscriber,
}

impl Subscriber {
    pub(crate) fn new(inner: natbus::Subscriber) -> Self {
        Subscriber { inner }
    }

    /// The next message, waiting at most `timeout`: `Ok(None)` when the subscription has
    /// ended (as [`Iterator::next`]), `Err` when nothing came in time (the subscription
    /// goes on). A zero timeout takes a buffered message without waiting.
    ///
    /// # Errors
    /// [`TimedOut`] when no message arrived within `timeout`.
    pub fn next_timeout(&mut self, timeout: Duration) -> Result<Option<Message>, TimedOut> {
        next_timeout(&mut self.inner, timeout)
    }

    /// The next message if one is buffered, without waiting; `None` when none is (whether
    /// or not the subscription has ended).
    pub fn try_next(&mut self) -> Option<Message> {
        self.inner.try_next()
    }

    /// The subscription id on this connection.
    pub fn sid(&self) -> u64 {
        self.inner.sid()
    }

    /// The subject (or pattern) subscribed to.
    pub fn subject(&self) -> &str {
        self.inner.subject()
    }

    /// Why the server ended this subscription when it refused it (a permission
    /// violation); `None` for a normal end.
    pub fn error(&self) -> Option<String> {
        self.inner.error()
    }

    /// Messages buffered and not yet read.
    pub fn pending(&self) -> usize {
        self.inner.pending()
    }

    /// Ends the subscription now; buffered messages can still be read.
    pub fn unsubscribe(&mut self) {
        self.inner.unsubscribe();
    }

    /// Ends the subscription after `n` messages in total (counting those received).
    pub fn unsubscribe_after(&mut self, n: u64) {
        self.inner.unsubscribe_after(n);
    }

    /// Drains the subscription: messages the server sent before it stopped are still
    /// delivered, then the iterator ends.
    pub fn drain(&mut self) {
        self.inner.drain();
    }

    /// The async subscriber underneath.
    pub fn into_async(self) -> natbus::Subscriber {
        self.inner
    }
}

impl Iterator for Subscriber {
    type Item = Message;

    /// Waits for the next message; `None` once the subscription has ended.
    fn next(&mut self) -> Option<Message> {
        next(&mut self.inner)
    }
}
