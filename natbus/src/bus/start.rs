//! What push and pull subscriptions share when they start: checking the subject, the
//! consumer they ask for, and running their loop as a registered task.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use natbus_proto::jetstream::consumer::ConsumerConfig;
use natbus_proto::subject::validate_subscribe;
use tracing::Instrument;

use super::error::BusError;
use super::nats_bus::Bus;
use super::subscription::{SubState, Subscription};

/// The consumer a subscription asks for: durable under `durable` (else ephemeral),
/// filtered to `subject`, with the ack wait asked for (else the server's).
pub(super) fn consumer_config(
    subject: &str,
    durable: Option<&str>,
    ack_wait: Option<Duration>,
) -> ConsumerConfig {
    let mut config = match durable {
        Some(name) => ConsumerConfig::durable(name),
        None => ConsumerConfig::default(),
    };
    config.filter_subject = Some(subject.to_owned());
    config.ack_wait = ack_wait;
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
