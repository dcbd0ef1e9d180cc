//! Handler-style subscriptions: an async function runs for each message, the way
//! nats-client-py's `broker.subscribe(subject, handler)` works, next to the stream-style
//! [`Subscriber`] that the caller reads itself.
//!
//! The handler runs in a task on the client's runtime (so on tokio, smol and async-std
//! alike), one message at a time; messages wait meanwhile in the subscription's bounded
//! buffer. A handler that returns an error or panics is logged at warn level and the
//! subscription goes on with the next message.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use natbus_proto::message::Message;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::catch_unwind::catch_panics;
use crate::client::Client;
use crate::connection::select::{Either, first};
use crate::connection::signal::Signal;
use crate::error::HandlerError;
use crate::error::SubscribeError;
use crate::runtime::{BoxFuture, sleep_for};
use crate::subscriber::Subscriber;

type Erased = dyn Fn(Message) -> BoxFuture<Result<(), HandlerError>> + Send + Sync;

/// What the task and the handles share.
struct State {
    client: Client,
    sid: u64,
    subject: String,
    /// Asks the task to stop before the next message.
    stop: Signal,
    /// Fired by the task when it has ended.
    done: Signal,
}

/// A subscription whose messages a handler processes (from [`Client::subscribe_with`] or
/// [`Client::queue_subscribe_with`]). Cheap to clone; dropping the handles does not stop
/// it: call [`drain`](Self::drain) or [`stop`](Self::stop), or drain or close the client.
#[derive(Clone)]
pub struct HandlerSubscription {
    state: Arc<State>,
}

impl std::fmt::Debug for HandlerSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerSubscription")
            .field("subject", &self.state.subject)
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

/// A handler was still running when the stop timeout (the client's drain timeout) passed;
/// the subscription ends once it returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the handler of subscription '{subject}' still ran after {timeout:?}; it ends when that handler returns"
)]
#[non_exhaustive]
pub struct HandlerStopTimedOut {
    /// The subscription's subject.
    pub subject: String,
    /// How long was waited.
    pub timeout: Duration,
}

impl Client {
    /// Subscribes to `subject` and runs `handler` for each message, one at a time, in a
    /// task on the client's runtime (nats-client-py's `broker.subscribe(subject, handler)`).
    /// An `Err` or a panic is logged at warn level and the next message is handled. Wrap
    /// the handler in [`json_handler`] to receive the payload decoded from JSON.
    ///
    /// ```no_run
    /// # async fn demo(client: natbus::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use natbus::{HandlerError, Message, json_handler};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Login { user: String }
    ///
    /// let logins = client
    ///     .subscribe_with("v1.audit.user_login", json_handler(|login: Login, _msg: Message| async move {
    ///         println!("User {} logged in", login.user);
    ///         Ok::<_, HandlerError>(())
    ///     }))
    ///     .await?;
    /// // …
    /// logins.drain().await?; // handles what was sent before, then ends
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`subscribe`](Self::subscribe).
    pub async fn subscribe_with<F, Fut>(
        &self,
        subject: impl AsRef<str>,
        handler: F,
    ) -> Result<HandlerSubscription, SubscribeError>
    where
        F: Fn(Message) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        let subscriber = self.subscribe(subject).await?;
        Ok(self.run_handler(subscriber, handler))
    }

    /// Like [`subscribe_with`](Self::subscribe_with) in queue group `queue`: each message
    /// goes to one member of the group.
    ///
    /// # Errors
    /// As [`queue_subscribe`](Self::queue_subscribe).
    pub async fn queue_subscribe_with<F, Fut>(
        &self,
        subject: impl AsRef<str>,
        queue: impl AsRef<str>,
        handler: F,
    ) -> Result<HandlerSubscription, SubscribeError>
    where
        F: Fn(Message) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        let subscriber = self.queue_subscribe(subject, queue).await?;
        Ok(self.run_handler(subscriber, handler))
    }

    fn run_handler<F, Fut>(&self, subscriber: Subscriber, handler: F) -> HandlerSubscription
    where
        F: Fn(Message) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        let state = Arc::new(State {
            client: self.clone(),
            sid: subscriber.sid(),
            subject: subscriber.subject().to_owned(),
            stop: Signal::default(),
            done: Signal::default(),
        });
        let handler: Arc<Erased> = Arc::new(move |m| Box::pin(handler(m)));
        let span = tracing::info_span!("subscription", subject = %state.subject);
        let task = run(state.clone(), subscriber, handler).instrument(span);
        self.runtime().spawn(Box::pin(task));
        HandlerSubscription { state }
    }
}

/// Hands each message to the handler until a stop, or until the subscription ends
/// (drained, unsubscribed, or the connection closed) and its buffer is empty.
async fn run(state: Arc<State>, mut subscriber: Subscriber, handler: Arc<Erased>) {
    loop {
        let message = match first(state.stop.wait(), subscriber.next()).await {
            Either::Left(()) | Either::Right(None) => break,
            Either::Right(Some(message)) => message,
        };
        let subject = message.subject.clone();
        match catch_panics(|| handler(message)).await {
            Some(Ok(())) => {}
            Some(Err(e)) => tracing::warn!(%subject, error = %e, "handler failed"),
            None => tracing::warn!(%subject, "handler panicked; the subscription goes on"),
        }
    }
    drop(subscriber);
    state.done.fire();
    tracing::debug!("handler subscription ended");
}

impl HandlerSubscription {
    /// The subject (or pattern) subscribed to.
    pub fn subject(&self) -> &str {
        &self.state.subject
    }

    /// Drains: the server stops sending, the messages it sent before are still handled,
    /// then the subscription ends. Returns once the last handler returned.
    ///
    /// # Errors
    /// [`HandlerStopTimedOut`] when that takes longer than the client's drain timeout.
    pub async fn drain(&self) -> Result<(), HandlerStopTimedOut> {
        self.state.client.drain_sid(self.state.sid);
        self.wait_done().await
    }

    /// Stops now: no further message is handled (buffered ones are dropped; plain NATS
    /// has no redelivery, use [`drain`](Self::drain) to handle them). Returns once the
    /// handler running at the time returned.
    ///
    /// # Errors
    /// [`HandlerStopTimedOut`] when that handler outlives the client's drain timeout.
    pub async fn stop(&self) -> Result<(), HandlerStopTimedOut> {
        self.state.stop.fire();
        self.state.client.unsubscribe_sid(self.state.sid, None);
        self.wait_done().await
    }

    /// Completes once the subscription has ended (after a drain, a stop, or when the
    /// connection closed).
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let state = self.state.clone();
        async move { state.done.wait().await }
    }

    /// True once the subscription has ended.
    pub fn is_stopped(&self) -> bool {
        self.state.done.is_fired()
    }

    async fn wait_done(&self) -> Result<(), HandlerStopTimedOut> {
        let timeout = self.state.client.options().drain_timeout;
        // A timeout too large to be a deadline is no timeout (the crate's one rule).
        let sleep = sleep_for(&**self.state.client.runtime(), timeout);
        match first(self.state.done.wait(), sleep).await {
            Either::Left(()) => Ok(()),
            Either::Right(()) => Err(HandlerStopTimedOut {
                subject: self.state.subject.clone(),
                timeout,
            }),
        }
    }
}

/// Adapts a handler of `T` (the payload decoded from JSON) and the message, for
/// [`Client::subscribe_with`]. A payload that is not JSON of `T`'s shape is not handed
/// to `handler`: it fails with an error naming the type, logged at warn level.
pub fn json_handler<T, F, Fut>(
    handler: F,
) -> impl Fn(Message) -> BoxFuture<Result<(), HandlerError>> + Send + Sync + 'static
where
    T: DeserializeOwned + Send + 'static,
    F: Fn(T, Message) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    move |message: Message| match serde_json::from_slice::<T>(&message.payload) {
        Ok(value) => Box::pin(handler(value, message)),
        Err(e) => {
            let error = format!(
                "the payload is not JSON of {}: {e}",
                std::any::type_name::<T>()
            );
            Box::pin(async move { Err(error.into()) })
        }
    }
}
