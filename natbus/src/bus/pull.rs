//! Pull subscriptions: the loop fetches a batch, handles it, and fetches again.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::error::BusError;
use super::handler::{HandlerError, MessageHandler, Settle};
use super::nats_bus::Bus;
use super::options::PullOptions;
use super::start::consumer_config;
use super::subscription::{SubState, Subscription};
use crate::connection::select::first;
use crate::envelope::ReceivedMessage;
use crate::jetstream::{FetchOptions, JetStreamError, PullConsumer};
use crate::runtime::sleep_for;

/// First wait after a failed fetch; doubled on each failure up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(250);
/// Longest wait between failed fetches.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

impl Bus {
    /// Starts a pull subscription: gets or creates the consumer (durable when
    /// `options.durable` is set; an existing durable is resumed unchanged), then in a task
    /// on the client's runtime fetches up to `batch` messages, runs `handler` on each in
    /// turn, and fetches again. At most one batch is held at a time.
    ///
    /// # Errors
    /// [`BusError::InvalidOption`] for a zero batch or bad subject, [`BusError::NoStream`],
    /// JetStream errors (e.g. the durable is a push consumer), [`BusError::Closed`].
    pub async fn pull_subscribe<F, Fut>(
        &self,
        options: PullOptions,
        handler: F,
    ) -> Result<Subscription, BusError>
    where
        F: Fn(ReceivedMessage) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.check_subscribe(&options.subject)?;
        if options.batch == 0 {
            return Err(BusError::InvalidOption("batch must be at least 1".into()));
        }
        if options.expires < Duration::from_millis(10) {
            return Err(BusError::InvalidOption(
                "expires must be at least 10 ms".into(),
            ));
        }
        let dead_letter = self
            .dead_letter_target(&options.subject, &options.redelivery)
            .await?;
        let stream = self
            .resolve_stream(options.stream.as_deref(), &options.subject)
            .await?;
        let config = consumer_config(
            &options.subject,
            options.durable.as_deref(),
            options.ack_wait,
            options.redelivery.max_deliver,
        );
        let consumer = self
            .jetstream()
            .get_or_create_pull_consumer(&stream, config)
            .await?;
        let state = self.sub_state("pull", stream, consumer.name().to_owned(), options.subject);
        let span =
            tracing::info_span!("bus_pull", stream = %state.stream, consumer = %state.consumer);
        let settle = self.settle(
            &state,
            &span,
            options.manual_ack,
            options.redelivery,
            dead_letter,
            consumer.cached_info().config.max_deliver,
        );
        let manual_ack = settle.manual_ack;
        tracing::info!(parent: &span, subject = %state.subject, batch = options.batch,
            expires = ?options.expires, manual_ack, max_deliver = settle.max_deliver,
            "pull subscription started");
        let fetch = FetchOptions::new(options.batch).expires(options.expires);
        let task = pull_loop(
            state.clone(),
            consumer,
            fetch,
            MessageHandler::new(handler),
            settle,
        );
        Ok(self.start(state, span, task))
    }
}

/// Fetches and handles until a stop is asked for or the connection closes. A fetch in
/// progress is finished (it ends by `expires`), so no pull request is left open at the
/// server; messages of a batch not yet handled at a stop are nak'd for redelivery.
async fn pull_loop(
    state: Arc<SubState>,
    consumer: PullConsumer,
    fetch: FetchOptions,
    handler: MessageHandler,
    settle: Settle,
) {
    let mut backoff = MIN_BACKOFF;
    while !state.stop.is_fired() {
        match consumer.fetch(fetch.clone()).await {
            Ok(batch) => {
                backoff = MIN_BACKOFF;
                for message in batch {
                    let message = ReceivedMessage::new(message);
                    if state.stop.is_fired() {
                        if let Err(e) = message.nak().await {
                            tracing::debug!(error = %e, "could not nak an unhandled message");
                        }
                        continue;
                    }
                    handler.handle(message, &settle).await;
                }
            }
            // Nothing arrived before the client-side deadline: fetch again.
            Err(JetStreamError::Timeout { .. }) => {}
            Err(e) if state.client.is_closed() => {
                tracing::info!(error = %e, "pull subscription ended: the connection closed");
                break;
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "fetch failed");
                let rt = state.client.runtime();
                first(state.stop.wait(), sleep_for(&**rt, backoff)).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    state.done.fire();
    tracing::info!("subscription stopped");
}
