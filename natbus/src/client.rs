//! `Client`: the cheap-to-clone handle applications use.

use std::future::poll_fn;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use natbus_proto::connection::{
    CommandError, FlushError as ProtoFlushError, RequestError as ProtoRequestError, Statistics,
};
use natbus_proto::headers::HeaderMap;
use natbus_proto::info::ServerInfo;
use natbus_proto::message::Message;

use crate::connection::mailbox::Mailbox;
use crate::connection::oneshot;
use crate::connection::shared::{Shared, SubEntry};
use crate::error::{DrainError, FlushError, PublishError, RequestError, SubscribeError};
use crate::events::EventStream;
use crate::runtime::sleep_for;
use crate::subscriber::Subscriber;

/// A connection to NATS. Cheap to clone; all clones share one connection, which closes
/// when the last clone (and the last [`Subscriber`]) is dropped.
#[derive(Debug, Clone)]
pub struct Client {
    handle: Arc<Handle>,
}

/// Closes the connection when the last `Client` goes away.
#[derive(Debug)]
struct Handle {
    shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let now = self.shared.runtime.now();
        self.shared.with(|inner| inner.conn.close(now));
    }
}

/// Options of one request beyond subject and payload.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// Headers to send.
    pub headers: Option<HeaderMap>,
    /// Timeout; the client's request timeout when `None`.
    pub timeout: Option<Duration>,
}

impl Client {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Client {
            handle: Arc::new(Handle { shared }),
        }
    }

    fn shared(&self) -> &Shared {
        &self.handle.shared
    }

    /// Publishes `payload` to `subject`. Waits while the outbound buffer is full
    /// (backpressure); returns once the message is queued, not when it is written: use
    /// [`flush`](Self::flush) to know the server has it.
    ///
    /// # Errors
    /// [`PublishError`] for an invalid subject, a payload over the server's `max_payload`,
    /// or a closed connection.
    pub async fn publish(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<(), PublishError> {
        self.publish_full(subject.as_ref(), None, None, payload.into())
            .await
    }

    /// Publishes with headers.
    ///
    /// # Errors
    /// As [`publish`](Self::publish), plus invalid header names or values.
    pub async fn publish_with_headers(
        &self,
        subject: impl AsRef<str>,
        headers: HeaderMap,
        payload: impl Into<Bytes>,
    ) -> Result<(), PublishError> {
        self.publish_full(subject.as_ref(), None, Some(&headers), payload.into())
            .await
    }

    /// Publishes with a reply subject for the receiver to answer to.
    ///
    /// # Errors
    /// As [`publish`](Self::publish).
    pub async fn publish_with_reply(
        &self,
        subject: impl AsRef<str>,
        reply: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<(), PublishError> {
        self.publish_full(subject.as_ref(), Some(reply.as_ref()), None, payload.into())
            .await
    }

    /// Publishes with every option: reply subject and headers.
    ///
    /// # Errors
    /// As [`publish_with_headers`](Self::publish_with_headers).
    pub async fn publish_full(
        &self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: Bytes,
    ) -> Result<(), PublishError> {
        poll_fn(|cx| {
            self.shared().with(|inner| {
                match inner
                    .conn
                    .publish_borrowed(subject, reply, headers, &payload)
                {
                    Err(CommandError::BufferFull { .. }) => {
                        inner.space_waiters.push(cx.waker().clone());
                        Poll::Pending
                    }
                    other => Poll::Ready(other),
                }
            })
        })
        .await
    }

    /// Publishes without waiting: when the outbound buffer is full this fails with
    /// [`CommandError::BufferFull`] instead.
    ///
    /// # Errors
    /// As [`publish_full`](Self::publish_full), plus a full buffer.
    pub fn try_publish(
        &self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: impl Into<Bytes>,
    ) -> Result<(), PublishError> {
        self.shared()
            .with(|inner| inner.conn.publish(subject, reply, headers, payload.into()))
    }

    /// Subscribes to `subject` (wildcards `*` and `>` allowed).
    ///
    /// # Errors
    /// [`SubscribeError`] for an invalid subject or a closed/draining connection.
    pub async fn subscribe(&self, subject: impl AsRef<str>) -> Result<Subscriber, SubscribeError> {
        self.subscribe_inner(subject.as_ref(), None)
    }

    /// Subscribes as a member of queue group `queue`: each message goes to one member.
    ///
    /// # Errors
    /// As [`subscribe`](Self::subscribe), plus an invalid queue name.
    pub async fn queue_subscribe(
        &self,
        subject: impl AsRef<str>,
        queue: impl AsRef<str>,
    ) -> Result<Subscriber, SubscribeError> {
        self.subscribe_inner(subject.as_ref(), Some(queue.as_ref()))
    }

    fn subscribe_inner(
        &self,
        subject: &str,
        queue: Option<&str>,
    ) -> Result<Subscriber, SubscribeError> {
        let options = &self.shared().options;
        let mailbox = Arc::new(Mailbox::new(
            options.subscription_capacity,
            options.subscription_capacity_bytes,
        ));
        let sid = self.shared().with(|inner| {
            let sid = inner.conn.subscribe(subject, queue)?;
            let entry = SubEntry {
                mailbox: mailbox.clone(),
                subject: subject.to_owned(),
                slow: false,
            };
            inner.subscribers.insert(sid, entry);
            Ok::<_, SubscribeError>(sid)
        })?;
        Ok(Subscriber {
            client: self.clone(),
            sid,
            subject: subject.to_owned(),
            mailbox,
        })
    }

    pub(crate) fn unsubscribe_sid(&self, sid: u64, max: Option<u64>) {
        self.shared().with(|inner| {
            if inner.conn.unsubscribe(sid, max) {
                if let Some(entry) = inner.subscribers.remove(&sid) {
                    entry.mailbox.close();
                }
            }
        });
    }

    pub(crate) fn drain_sid(&self, sid: u64) {
        self.shared().with(|inner| {
            if !inner.conn.drain_subscription(sid) {
                if let Some(entry) = inner.subscribers.remove(&sid) {
                    entry.mailbox.close();
                }
            }
        });
    }

    /// Sends a request and waits for the first reply, up to the client's request timeout.
    ///
    /// # Errors
    /// [`RequestError::NoResponders`] at once when nothing listens on `subject`,
    /// [`RequestError::TimedOut`], [`RequestError::Disconnected`], or a publish error.
    pub async fn request(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<Message, RequestError> {
        self.request_with(subject, payload, RequestOptions::default())
            .await
    }

    /// Sends a request with headers and/or a specific timeout.
    ///
    /// # Errors
    /// As [`request`](Self::request).
    pub async fn request_with(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
        options: RequestOptions,
    ) -> Result<Message, RequestError> {
        let subject = subject.as_ref();
        let timeout = options
            .timeout
            .unwrap_or(self.shared().options.request_timeout);
        let payload = payload.into();
        let (tx, rx) = oneshot::channel();
        let mut tx = Some(tx);
        let now = self.shared().runtime.now();
        let mut rearm = false;
        let mut no_room_until: Option<crate::BoxFuture<()>> = None;
        let id = poll_fn(|cx| {
            let queued = self.shared().with(|inner| {
                match inner.conn.request_borrowed(
                    subject,
                    options.headers.as_ref(),
                    &payload,
                    timeout,
                    now,
                ) {
                    Err(CommandError::BufferFull { .. }) => {
                        inner.space_waiters.push(cx.waker().clone());
                        Poll::Pending
                    }
                    Ok(id) => {
                        // Registered under the same lock as the request, so the reply
                        // cannot be routed before someone waits for it.
                        if let Some(tx) = tx.take() {
                            inner.replies.insert(id.0, tx);
                        }
                        // The driver's timer must not sleep past this request's deadline
                        // (it is not woken for bytes it cannot write yet, e.g. while
                        // disconnected or blocked on a full socket).
                        let next = inner.conn.poll_timeout();
                        rearm = next.is_some_and(|d| inner.timer_at.is_none_or(|at| d < at));
                        Poll::Ready(Ok(id))
                    }
                    Err(e) => Poll::Ready(Err(RequestError::from(e))),
                }
            });
            if queued.is_ready() {
                return queued;
            }
            // Waiting for room in a full outbound buffer (e.g. while disconnected) counts
            // against the timeout too.
            let sleep = no_room_until.get_or_insert_with(|| match now.checked_add(timeout) {
                Some(deadline) => self.shared().runtime.sleep_until(deadline),
                None => Box::pin(std::future::pending()),
            });
            match sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(RequestError::TimedOut {
                    subject: subject.to_owned(),
                    timeout,
                })),
                Poll::Pending => Poll::Pending,
            }
        })
        .await?;
        if rearm {
            self.shared().driver.wake();
        }
        // If this future is dropped before the reply, forget the request.
        let guard = CancelOnDrop {
            client: self,
            id: Some(id),
        };
        let result = rx.await;
        guard.disarm();
        match result {
            Some(Ok(message)) => Ok(message),
            Some(Err(ProtoRequestError::NoResponders)) => Err(RequestError::NoResponders {
                subject: subject.to_owned(),
            }),
            Some(Err(ProtoRequestError::TimedOut)) => Err(RequestError::TimedOut {
                subject: subject.to_owned(),
                timeout,
            }),
            Some(Err(ProtoRequestError::Disconnected)) => Err(RequestError::Disconnected {
                subject: subject.to_owned(),
            }),
            Some(Err(_)) | None => Err(RequestError::Closed),
        }
    }

    /// Waits until the server has processed everything published before this call
    /// (a PING/PONG round trip), up to the client's request timeout.
    ///
    /// # Errors
    /// [`FlushError`] on timeout, a lost connection or a closed connection.
    pub async fn flush(&self) -> Result<(), FlushError> {
        let timeout = self.shared().options.request_timeout;
        let (tx, rx) = oneshot::channel();
        let id = self.shared().with(|inner| {
            let id = inner.conn.flush().map_err(|_| FlushError::Closed)?;
            inner.flushes.insert(id, tx);
            Ok::<_, FlushError>(id)
        })?;
        let sleep = sleep_for(&*self.shared().runtime, timeout);
        match crate::connection::select::first(rx, sleep).await {
            crate::connection::select::Either::Left(Some(Ok(()))) => Ok(()),
            crate::connection::select::Either::Left(Some(Err(ProtoFlushError::Disconnected))) => {
                Err(FlushError::Disconnected)
            }
            crate::connection::select::Either::Left(_) => Err(FlushError::Closed),
            crate::connection::select::Either::Right(()) => {
                self.shared().lock().flushes.remove(&id);
                Err(FlushError::TimedOut(timeout))
            }
        }
    }

    /// Drops the connection and makes a new one, as after a lost connection: the next
    /// server of the pool is dialled at once (the same one when it is the only one),
    /// subscriptions are made again, and [`ClientEvent::Disconnected`] then
    /// [`ClientEvent::Reconnected`] are reported. Use it to rebalance clients across a
    /// cluster or to leave a server that misbehaves without going away. Everything
    /// published before the call is flushed first, so none of it is lost; requests still
    /// waiting for a reply fail with [`RequestError::Disconnected`]. Returns once the old
    /// connection is dropped, not when the new one is up (watch the events for that).
    ///
    /// # Errors
    /// [`FlushError`] when the flush before it fails (then nothing is dropped), or
    /// [`FlushError::Disconnected`] when the connection was already down.
    ///
    /// [`ClientEvent::Disconnected`]: crate::ClientEvent::Disconnected
    /// [`ClientEvent::Reconnected`]: crate::ClientEvent::Reconnected
    pub async fn force_reconnect(&self) -> Result<(), FlushError> {
        self.flush().await?;
        let now = self.shared().runtime.now();
        let dropped = self.shared().with(|inner| inner.conn.force_reconnect(now));
        if dropped {
            Ok(())
        } else if self.is_closed() {
            Err(FlushError::Closed)
        } else {
            Err(FlushError::Disconnected)
        }
    }

    /// Gracefully closes: unsubscribes everything, delivers what the server already sent
    /// to the subscribers (their streams then end), flushes publishes, and closes. Bounded
    /// by the drain timeout, after which the connection is closed anyway.
    ///
    /// # Errors
    /// [`DrainError::TimedOut`] when the drain did not finish in time.
    pub async fn drain(&self) -> Result<(), DrainError> {
        let timeout = self.shared().options.drain_timeout;
        let now = self.shared().runtime.now();
        let closed = self.closed_future(|inner| inner.conn.drain(now));
        let sleep = sleep_for(&*self.shared().runtime, timeout);
        match crate::connection::select::first(closed, sleep).await {
            crate::connection::select::Either::Left(_) => Ok(()),
            crate::connection::select::Either::Right(()) => {
                self.close().await;
                Err(DrainError::TimedOut(timeout))
            }
        }
    }

    /// Closes now: queued publishes are written best effort, pending requests fail,
    /// subscriptions end.
    pub async fn close(&self) {
        let now = self.shared().runtime.now();
        self.closed_future(|inner| inner.conn.close(now)).await;
    }

    /// Runs `f` and returns a future that completes once the connection is closed.
    fn closed_future(
        &self,
        f: impl FnOnce(&mut crate::connection::shared::Inner),
    ) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        self.shared().with(|inner| {
            f(inner);
            if inner.closed.is_some() {
                tx.send(());
            } else {
                inner.closed_waiters.push(tx);
            }
        });
        rx
    }

    /// True once the connection is closed for good.
    pub fn is_closed(&self) -> bool {
        self.shared().lock().closed.is_some()
    }

    /// Why the connection closed for good, in the terms of a failed connect: `None` while
    /// it is open or reconnecting; [`ConnectError::Auth`] when the server refused the
    /// credentials (at the first connect, or twice in a row later),
    /// [`ConnectError::Unreachable`] when reconnecting gave up, and
    /// [`ConnectError::Closed`] after [`close`](Self::close) or [`drain`](Self::drain).
    ///
    /// [`ConnectError::Auth`]: crate::ConnectError::Auth
    /// [`ConnectError::Unreachable`]: crate::ConnectError::Unreachable
    /// [`ConnectError::Closed`]: crate::ConnectError::Closed
    pub fn close_reason(&self) -> Option<crate::ConnectError> {
        let inner = self.shared().lock();
        inner.closed.as_ref().map(crate::ConnectError::from_close)
    }

    /// True while connected (false while reconnecting).
    pub fn is_connected(&self) -> bool {
        self.shared().lock().conn.is_connected()
    }

    /// The latest INFO the server sent.
    pub fn server_info(&self) -> Option<ServerInfo> {
        self.shared().lock().conn.server_info().cloned()
    }

    /// The connected server's version and JetStream API level, read from its INFO once per
    /// connection (and again after a reconnect); `None` before the first connection. The
    /// last server's facts stay while reconnecting.
    ///
    /// ```no_run
    /// # fn demo(client: natbus::Client) {
    /// use natbus::jetstream::Feature;
    ///
    /// if let Some(server) = client.server_support() {
    ///     if let Err(too_old) = server.check(Feature::MessageSchedules) {
    ///         eprintln!("{too_old}");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn server_support(&self) -> Option<natbus_proto::jetstream::features::ServerSupport> {
        self.connected_server().map(|s| s.support)
    }

    /// The cached facts about the connected server that feature checks use.
    pub(crate) fn connected_server(&self) -> Option<crate::connection::shared::ConnectedServer> {
        self.shared().lock().server
    }

    /// Message and byte counters, reconnects, and messages dropped by slow subscribers.
    pub fn statistics(&self) -> ClientStatistics {
        let inner = self.shared().lock();
        ClientStatistics {
            connection: inner.conn.statistics(),
            slow_consumer_drops: inner.slow_consumer_drops,
            direct_writes: inner.direct.writes(),
            buffered_bytes: inner.conn.pending_bytes(),
        }
    }

    /// A stream of connection lifecycle events from now on.
    pub fn events(&self) -> EventStream {
        EventStream {
            mailbox: self.shared().lock().listen(),
        }
    }

    /// A new unique inbox subject for custom reply handling.
    pub fn new_inbox(&self) -> String {
        self.shared().lock().conn.new_inbox()
    }

    /// A fresh NUID (22 characters, valid in subjects) from the connection's generator:
    /// seeded by [`ConnectOptions::seed`](crate::ConnectOptions::seed) when it is set, so
    /// names made with it (ephemeral consumers, service ids) replay with the seed.
    #[cfg(any(feature = "jetstream", feature = "service"))]
    pub(crate) fn fresh_nuid(&self) -> String {
        let inbox = self.new_inbox();
        // `new_inbox` is `<prefix>.<nuid>` and a NUID has no dot.
        match inbox.rsplit_once('.') {
            Some((_, nuid)) => nuid.to_owned(),
            None => inbox,
        }
    }

    /// The runtime this client runs on, for layers built on top (JetStream, services).
    pub fn runtime(&self) -> &Arc<dyn crate::Runtime> {
        &self.shared().runtime
    }

    pub(crate) fn options(&self) -> &crate::ConnectOptions {
        &self.shared().options
    }

    /// The default request timeout of this client.
    pub fn request_timeout(&self) -> Duration {
        self.shared().options.request_timeout
    }
}

/// Counters of a [`Client`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientStatistics {
    /// Counters of the protocol connection (messages, bytes, reconnects).
    pub connection: Statistics,
    /// Messages dropped because a subscriber's buffer was full.
    pub slow_consumer_drops: u64,
    /// Writes made by the calling task itself instead of the connection driver: the
    /// low-latency path of requests and replies (see [`DirectWrite`](crate::DirectWrite)).
    pub direct_writes: u64,
    /// Bytes of publishes (and other commands) queued and not yet handed to the socket.
    /// A publish is refused (or waits) past the write buffer size while connected and the
    /// reconnect buffer size while disconnected, so this stays within the larger of the two
    /// plus one message.
    pub buffered_bytes: usize,
}

struct CancelOnDrop<'a> {
    client: &'a Client,
    id: Option<natbus_proto::connection::RequestId>,
}

impl CancelOnDrop<'_> {
    fn disarm(mut self) {
        self.id = None;
    }
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let mut inner = self.client.shared().lock();
            inner.conn.cancel_request(id);
            inner.replies.remove(&id.0);
        }
    }
}
