//! `Subscription`: the handle of a running push or pull subscription.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::error::BusError;
use crate::client::Client;
use crate::connection::select::{Either, first};
use crate::connection::signal::Signal;
use crate::runtime::sleep_for;

/// What a subscription's loop and its handles share.
#[derive(Debug)]
pub(crate) struct SubState {
    pub(crate) kind: &'static str,
    pub(crate) stream: String,
    pub(crate) consumer: String,
    pub(crate) subject: String,
    /// Asks the loop to stop.
    pub(crate) stop: Signal,
    /// Fired by the loop when it has ended.
    pub(crate) done: Signal,
    pub(crate) client: Client,
}

/// A running subscription (from [`Bus::push_subscribe`](super::Bus::push_subscribe) or
/// [`Bus::pull_subscribe`](super::Bus::pull_subscribe)). Its loop runs as a task on the
/// client's runtime until [`stop`](Self::stop), [`Bus::drain`](super::Bus::drain) or the
/// connection closes. Cheap to clone; dropping the handles does not stop it.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub(crate) state: Arc<SubState>,
}

impl Subscription {
    /// `"push"` or `"pull"`.
    pub fn kind(&self) -> &'static str {
        self.state.kind
    }

    /// The stream it consumes.
    pub fn stream(&self) -> &str {
        &self.state.stream
    }

    /// The consumer's name (the durable name, or the server-chosen ephemeral name).
    pub fn consumer(&self) -> &str {
        &self.state.consumer
    }

    /// The subject it receives.
    pub fn subject(&self) -> &str {
        &self.state.subject
    }

    /// Stops gracefully: takes no new messages, lets the running handler finish (and its
    /// ack go out), then unsubscribes. A pull subscription first finishes its fetch in
    /// progress (at most `expires`, so no pull request is left open) and naks the
    /// messages of that batch it has not handled, for immediate redelivery; messages a
    /// push subscription had buffered but not handled are redelivered by the server after
    /// their ack wait. The consumer itself stays: a durable resumes where it left off on
    /// the next subscribe.
    ///
    /// # Errors
    /// [`BusError::StopTimedOut`] when a handler still runs after the client's drain
    /// timeout; the loop ends once it returns.
    pub async fn stop(&self) -> Result<(), BusError> {
        self.request_stop();
        self.wait_stopped(self.state.client.options().drain_timeout)
            .await
    }

    /// Asks the loop to stop without waiting.
    pub(crate) fn request_stop(&self) {
        if !self.state.stop.is_fired() {
            tracing::info!(kind = self.state.kind, stream = %self.state.stream,
                consumer = %self.state.consumer, "subscription stopping");
        }
        self.state.stop.fire();
    }

    /// Waits up to `timeout` for the loop to end.
    pub(crate) async fn wait_stopped(&self, timeout: Duration) -> Result<(), BusError> {
        let rt = self.state.client.runtime();
        match first(self.state.done.wait(), sleep_for(&**rt, timeout)).await {
            Either::Left(()) => Ok(()),
            Either::Right(()) => Err(BusError::StopTimedOut {
                consumer: self.state.consumer.clone(),
                timeout,
            }),
        }
    }

    /// Completes when the loop has ended (stopped, or the connection closed).
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let state = self.state.clone();
        async move { state.done.wait().await }
    }

    /// True once the loop has ended.
    pub fn is_stopped(&self) -> bool {
        self.state.done.is_fired()
    }
}
