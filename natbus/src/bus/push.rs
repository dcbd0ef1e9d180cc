//! Push subscriptions: the server delivers; the loop hands each message to the handler.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::error::BusError;
use super::handler::{HandlerError, MessageHandler, Settle};
use super::nats_bus::Bus;
use super::options::PushOptions;
use super::start::consumer_config;
use super::subscription::{SubState, Subscription};
use crate::Runtime;
use crate::connection::select::{Either, first};
use crate::envelope::ReceivedMessage;
use crate::jetstream::{JetStreamError, PushMessages};

impl Bus {
    /// Starts a push subscription: creates the consumer (durable when `options.durable`
    /// is set) or binds to the existing one, then runs `handler` for each message, one at
    /// a time, in a task on the client's runtime. With a queue group, the subscribers in
    /// the group share the messages.
    ///
    /// ```no_run
    /// # async fn demo(bus: natbus::bus::Bus) -> Result<(), natbus::bus::BusError> {
    /// use natbus::bus::PushOptions;
    /// use natbus::envelope::ReceivedMessage;
    ///
    /// let sub = bus
    ///     .push_subscribe(PushOptions::new("test.stream").durable("orders_push"), |msg: ReceivedMessage| async move {
    ///         println!("{} from {:?}: {:?}", msg.subject(), msg.sender(), msg.as_text());
    ///         Ok(())
    ///     })
    ///     .await?;
    /// sub.stop().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`BusError::NoStream`] when no stream captures the subject,
    /// [`BusError::ConsumerExists`] with `bind` off, JetStream errors (e.g. the durable is
    /// a pull consumer, or delivers to another queue group), [`BusError::Closed`].
    pub async fn push_subscribe<F, Fut>(
        &self,
        options: PushOptions,
        handler: F,
    ) -> Result<Subscription, BusError>
    where
        F: Fn(ReceivedMessage) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.check_subscribe(&options.subject)?;
        let dead_letter = self
            .dead_letter_target(&options.subject, &options.redelivery)
            .await?;
        let stream = self
            .resolve_stream(options.stream.as_deref(), &options.subject)
            .await?;
        let queue = match (&options.queue, options.no_queue) {
            (_, true) => None,
            (Some(q), false) => Some(q.clone()),
            (None, false) => self.config().queue_group.clone(),
        };
        let mut config = consumer_config(
            &options.subject,
            options.durable.as_deref(),
            options.ack_wait,
            options.redelivery.max_deliver,
        );
        config.deliver_group = queue.clone();
        if let (false, Some(name)) = (options.bind, &options.durable) {
            match self.jetstream().consumer_info(&stream, name).await {
                Ok(_) => {
                    return Err(BusError::ConsumerExists {
                        stream,
                        consumer: name.clone(),
                    });
                }
                Err(JetStreamError::Api(e)) if e.is_consumer_not_found() => {}
                Err(e) => return Err(e.into()),
            }
        }
        let messages = self.jetstream().push_subscribe(&stream, config).await?;
        // So that a publish from anywhere right after this returns finds the subscription.
        if let Err(e) = self.client().flush().await {
            tracing::debug!(error = %e, "flush after subscribing failed");
        }
        let state = self.sub_state(
            "push",
            stream,
            messages.cached_info().name.clone(),
            options.subject,
        );
        let span =
            tracing::info_span!("bus_push", stream = %state.stream, consumer = %state.consumer);
        let settle = self.settle(
            &state,
            &span,
            options.manual_ack,
            options.redelivery,
            dead_letter,
            messages.cached_info().config.max_deliver,
        );
        let manual_ack = settle.manual_ack;
        tracing::info!(parent: &span, subject = %state.subject, queue = ?queue, manual_ack,
            max_deliver = settle.max_deliver, "push subscription started");
        let task = push_loop(
            state.clone(),
            messages,
            MessageHandler::new(handler),
            settle,
        );
        Ok(self.start(state, span, task))
    }
}

/// How long a stopping push subscription waits for the next buffered message before it
/// considers its buffer empty; messages already buffered come out at once.
const GIVE_BACK_IDLE: Duration = Duration::from_millis(50);
/// Upper bound of the give-back, for a consumer that keeps delivering while it stops.
const GIVE_BACK_MAX: Duration = Duration::from_secs(1);
/// Given-back messages are redelivered after this delay: past the give-back window, so the
/// stopping subscription (still subscribed while it gives back) does not get them again.
const REDELIVER_AFTER: Duration = Duration::from_secs(2);

/// Naks what the subscription holds (see [`push_loop`]); bounded in time.
async fn give_back_buffered(runtime: &Arc<dyn Runtime>, messages: &mut PushMessages) {
    let until = runtime.now() + GIVE_BACK_MAX;
    let mut returned = 0u64;
    while runtime.now() < until {
        let idle = runtime.sleep_until(runtime.now() + GIVE_BACK_IDLE);
        match first(messages.next(), idle).await {
            Either::Left(Some(Ok(message))) => {
                if message.nak_with_delay(REDELIVER_AFTER).await.is_ok() {
                    returned += 1;
                }
            }
            Either::Left(Some(Err(_))) => continue,
            Either::Left(None) | Either::Right(()) => break,
        }
    }
    if returned > 0 {
        tracing::info!(
            returned,
            "stopping: gave buffered messages back to the server"
        );
    }
}

/// Handles messages until a stop is asked for or the subscription ends. On a stop, messages
/// the subscription already buffered but the handler did not get are given back with a
/// delayed nak, so the server redelivers them within seconds (to another member of the queue
/// group or to the next subscriber of the durable) instead of after their ack wait.
async fn push_loop(
    state: Arc<SubState>,
    mut messages: PushMessages,
    handler: MessageHandler,
    settle: Settle,
) {
    loop {
        match first(state.stop.wait(), messages.next()).await {
            Either::Left(()) => break,
            Either::Right(None) => {
                tracing::info!("push subscription ended: the connection closed");
                break;
            }
            Either::Right(Some(Err(e))) => tracing::warn!(error = %e, "push consumer notice"),
            Either::Right(Some(Ok(message))) => {
                handler.handle(ReceivedMessage::new(message), &settle).await;
            }
        }
    }
    give_back_buffered(state.client.runtime(), &mut messages).await;
    drop(messages);
    state.done.fire();
    tracing::info!("subscription stopped");
}
