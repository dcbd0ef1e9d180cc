//! `Client`: natbus's [`Client`](natbus::Client) with every waiting call blocking.

use std::time::Duration;

use natbus::{
    Bytes, ClientStatistics, ConnectError, DrainError, FlushError, HeaderMap, Message,
    PublishError, RequestError, RequestOptions, ServerInfo, SubscribeError,
};

use crate::block::{TimedOut, block_on, block_on_timeout};
use crate::subscriber::Subscriber;

/// A connection to NATS whose calls block the calling thread.
///
/// Cheap to clone, and `Send + Sync`: clones share one connection, and any number of
/// threads may use it at once (each blocked call waits for its own reply; the connection
/// multiplexes them). The connection closes, and its background thread ends, when the last
/// clone and the last [`Subscriber`] (and JetStream handle) are dropped.
///
/// Each method is its async counterpart on [`natbus::Client`], run to completion; the
/// "Blocks" line says what bounds the wait.
#[derive(Debug, Clone)]
pub struct Client {
    inner: natbus::Client,
}

impl Client {
    pub(crate) fn new(inner: natbus::Client) -> Self {
        Client { inner }
    }

    /// The async client underneath, for what this crate does not wrap (object stores,
    /// services, the bus, client events): run its futures with [`block_on`](crate::block_on).
    pub fn as_async(&self) -> &natbus::Client {
        &self.inner
    }

    /// Publishes `payload` to `subject`; returns once it is queued, not written (see
    /// [`flush`](Self::flush)).
    ///
    /// Blocks only while the outbound buffer is full
    /// ([`ConnectOptions::write_buffer_size`](natbus::ConnectOptions::write_buffer_size),
    /// or `reconnect_buffer_size` while disconnected), and then at most the request timeout
    /// ([`ConnectOptions::request_timeout`](natbus::ConnectOptions::request_timeout)), as a
    /// request waiting for room would. [`try_publish`](Self::try_publish) never blocks.
    ///
    /// # Errors
    /// As [`natbus::Client::publish`], plus
    /// [`CommandError::BufferFull`](natbus::CommandError::BufferFull) when the buffer
    /// stayed full for the whole request timeout.
    pub fn publish(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<(), PublishError> {
        self.publish_full(subject.as_ref(), None, None, payload.into())
    }

    /// Publishes with headers. Blocks as [`publish`](Self::publish).
    ///
    /// # Errors
    /// As [`publish`](Self::publish), plus invalid header names or values.
    pub fn publish_with_headers(
        &self,
        subject: impl AsRef<str>,
        headers: HeaderMap,
        payload: impl Into<Bytes>,
    ) -> Result<(), PublishError> {
        self.publish_full(subject.as_ref(), None, Some(&headers), payload.into())
    }

    /// Publishes with a reply subject. Blocks as [`publish`](Self::publish).
    ///
    /// # Errors
    /// As [`publish`](Self::publish).
    pub fn publish_with_reply(
        &self,
        subject: impl AsRef<str>,
        reply: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<(), PublishError> {
        self.publish_full(subject.as_ref(), Some(reply.as_ref()), None, payload.into())
    }

    /// Publishes with every option: reply subject and headers. Blocks as
    /// [`publish`](Self::publish).
    ///
    /// # Errors
    /// As [`publish`](Self::publish), plus invalid header names or values.
    pub fn publish_full(
        &self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: Bytes,
    ) -> Result<(), PublishError> {
        // `Bytes` clones share the buffer: the copy for the last try costs no copy.
        let waiting = self
            .inner
            .publish_full(subject, reply, headers, payload.clone());
        match block_on_timeout(waiting, self.inner.request_timeout()) {
            Ok(result) => result,
            // No room for the whole timeout. One last try without waiting either finds
            // room that appeared just now or gives the error that says why
            // (`BufferFull` and its limit, or `Closed`).
            Err(TimedOut { .. }) => self.inner.try_publish(subject, reply, headers, payload),
        }
    }

    /// Publishes without waiting: fails with
    /// [`CommandError::BufferFull`](natbus::CommandError::BufferFull) when the outbound
    /// buffer is full.
    ///
    /// # Errors
    /// As [`natbus::Client::try_publish`].
    pub fn try_publish(
        &self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: impl Into<Bytes>,
    ) -> Result<(), PublishError> {
        self.inner.try_publish(subject, reply, headers, payload)
    }

    /// Subscribes to `subject` (wildcards `*` and `>` allowed). Does not wait for the
    /// server; [`flush`](Self::flush) does.
    ///
    /// # Errors
    /// As [`natbus::Client::subscribe`].
    pub fn subscribe(&self, subject: impl AsRef<str>) -> Result<Subscriber, SubscribeError> {
        block_on(self.inner.subscribe(subject)).map(Subscriber::new)
    }

    /// Subscribes as a member of queue group `queue`: each message goes to one member.
    ///
    /// # Errors
    /// As [`natbus::Client::queue_subscribe`].
    pub fn queue_subscribe(
        &self,
        subject: impl AsRef<str>,
        queue: impl AsRef<str>,
    ) -> Result<Subscriber, SubscribeError> {
        block_on(self.inner.queue_subscribe(subject, queue)).map(Subscriber::new)
    }

    /// Sends a request and waits for the first reply.
    ///
    /// Blocks up to the request timeout
    /// ([`ConnectOptions::request_timeout`](natbus::ConnectOptions::request_timeout)).
    ///
    /// # Errors
    /// As [`natbus::Client::request`]: no responders, timed out, disconnected.
    pub fn request(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<Message, RequestError> {
        block_on(self.inner.request(subject, payload))
    }

    /// Sends a request with headers and/or its own timeout, which bounds the wait.
    ///
    /// # Errors
    /// As [`natbus::Client::request_with`].
    pub fn request_with(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
        options: RequestOptions,
    ) -> Result<Message, RequestError> {
        block_on(self.inner.request_with(subject, payload, options))
    }

    /// Waits until the server has processed everything published before (a PING/PONG
    /// round trip). Blocks up to the request timeout.
    ///
    /// # Errors
    /// As [`natbus::Client::flush`].
    pub fn flush(&self) -> Result<(), FlushError> {
        block_on(self.inner.flush())
    }

    /// Gracefully closes: unsubscribes, lets subscribers read what the server already sent
    /// (their iterators then end), flushes publishes, closes. Blocks up to the drain
    /// timeout ([`ConnectOptions::drain_timeout`](natbus::ConnectOptions::drain_timeout)),
    /// after which the connection is closed anyway.
    ///
    /// # Errors
    /// As [`natbus::Client::drain`].
    pub fn drain(&self) -> Result<(), DrainError> {
        block_on(self.inner.drain())
    }

    /// Closes now: queued publishes are written best effort, waiting requests fail,
    /// subscriber iterators end. Returns once the connection is marked closed, without
    /// waiting for the network.
    pub fn close(&self) {
        block_on(self.inner.close());
    }

    /// True once the connection is closed for good.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Why the connection closed for good; see [`natbus::Client::close_reason`].
    pub fn close_reason(&self) -> Option<ConnectError> {
        self.inner.close_reason()
    }

    /// True while connected (false while reconnecting).
    pub fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }

    /// The latest INFO the server sent.
    pub fn server_info(&self) -> Option<ServerInfo> {
        self.inner.server_info()
    }

    /// Message and byte counters, reconnects, slow-consumer drops.
    pub fn statistics(&self) -> ClientStatistics {
        self.inner.statistics()
    }

    /// A new unique inbox subject for custom reply handling.
    pub fn new_inbox(&self) -> String {
        self.inner.new_inbox()
    }

    /// The default request timeout of this client.
    pub fn request_timeout(&self) -> Duration {
        self.inner.request_timeout()
    }
}
