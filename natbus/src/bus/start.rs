//! What push and pull subscriptions share when they start: checking the subject, the
//! consumer they ask for, and running their loop as a registered task.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use natbus_proto::jetstream::consumer::ConsumerConfig;
use natbus_proto::subject::validate_subscribe;
use tracing::Instrument;

use super::dead_letter::DeadLetterTarget;
use super::error::BusError;
use super::handler::Settle;
use super::nats_bus::Bus;
use super::redelivery::Redelivery;
use super::subscription::{SubState, Subscription};

/// The consumer a subscription asks for: durable under `durable` (else ephemeral),
/// filtered to `subject`, with the ack wait asked for (else the server's), delivering each
/// message at most `max_deliver` times.
pub(super) fn consumer_config(
    subject: &str,
    durable: Option<&str>,
    ack_wait: Option<Duration>,
    max_deliver: u32,
) -> ConsumerConfig {
    let mut config = match durable {
        Some(name) => ConsumerConfig::durable(name),
        None => ConsumerConfig::default(),
    };
    config.filter_subject = Some(subject.to_owned());
    config.ack_wait = ack_wait;
    config.max_deliver = Some(i64::from(max_deliver));
    config
}

impl Bus {
    /// Checks, before anything goes to the server, that the bus is open and `subject`
    /// can be subscribed to.
    pub(super) fn check_subscribe(&self, subject: &str) -> Result<(), BusError> {
        self.check_open()?;
        validate_subscribe(subject).map_err(|e| BusError::InvalidOption(format!("subject: {e}")))
    }

    /// The state a subscription's loop and its handles share, before the loop runs.
    pub(super) fn sub_state(
        &self,
        kind: &'static str,
        stream: String,
        consumer: String,
        subject: String,
    ) -> Arc<SubState> {
        Arc::new(SubState {
            kind,
            stream,
            consumer,
            subject,
            stop: Default::default(),
            done: Default::default(),
            client: self.client().clone(),
        })
    }

    /// How a subscription settles its messages, once its consumer exists: `consumer_max`
    /// is the consumer's configured `max_deliver` (a durable bound to may have been created
    /// with another one; the lower bound wins, since the server stops delivering there).
    /// Logs inside the subscription's `span`.
    pub(super) fn settle(
        &self,
        state: &SubState,
        span: &tracing::Span,
        manual_ack: Option<bool>,
        redelivery: Redelivery,
        dead_letter: Option<DeadLetterTarget>,
        consumer_max: Option<i64>,
    ) -> Settle {
        let wanted = redelivery.max_deliver;
        let max_deliver = match consumer_max {
            Some(m) if m > 0 => u32::try_from(m).unwrap_or(u32::MAX).min(wanted),
            _ => wanted,
        };
        if consumer_max != Some(i64::from(wanted)) {
            tracing::info!(parent: span, consumer_max_deliver = ?consumer_max, wanted,
                used = max_deliver, "the existing consumer has another max_deliver; it is kept");
        }
        Settle {
            manual_ack: self.manual_ack(manual_ack),
            max_deliver,
            redelivery,
            dead_letter,
            stream: state.stream.clone(),
            consumer: state.consumer.clone(),
        }
    }

    /// Runs a subscription's loop as a task on the client's runtime, inside `span`, and
    /// keeps its handle so [`drain`](Bus::drain) can stop it.
    pub(super) fn start(
        &self,
        state: Arc<SubState>,
        span: tracing::Span,
        task: impl Future<Output = ()> + Send + 'static,
    ) -> Subscription {
        self.client()
            .runtime()
            .spawn(Box::pin(task.instrument(span)));
        self.register(Subscription { state })
    }
}
