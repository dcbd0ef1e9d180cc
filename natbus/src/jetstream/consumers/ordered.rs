//! Ordered consumers: every stream message once, in order, surviving consumer loss.

use std::sync::Arc;
use std::time::Duration;

use natbus_proto::jetstream::consumer::{ConsumerConfig, DeliverPolicy};
use natbus_proto::jetstream::metadata::MessageMetadata;
use natbus_proto::jetstream::ordered::{ORDERED_IDLE_HEARTBEAT, OrderedConsumer, OrderedEvent};
use natbus_proto::jetstream::pull::NATS_LAST_CONSUMER;
use natbus_proto::jetstream::push::{FlowControlReplies, PushControl};
use natbus_proto::message::Message;

use super::pull::status_of;
use super::push::{IDLE_WAIT, answer_control};
use super::unfold::{Delivery, Step, Unfold, unfold_stream};
use crate::connection::select::{Either, first};
use crate::jetstream::context::{JetStream, random_name};
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;
use crate::subscriber::Subscriber;
use crate::{ClientEvent, EventStream, Runtime};

/// Pause before retrying a consumer creation that failed.
const RETRY_DELAY: Duration = Duration::from_millis(250);

/// What an ordered consumer reads.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderedOptions {
    /// Only these subjects (empty = the whole stream).
    pub filter_subjects: Vec<String>,
    /// Where the first consumer starts.
    pub deliver_policy: DeliverPolicy,
    /// Deliver headers only (with `Nats-Msg-Size`), no payloads.
    pub headers_only: bool,
    /// Heartbeat of each consumer; silence for twice this recreates the consumer.
    pub idle_heartbeat: Duration,
}

impl Default for OrderedOptions {
    fn default() -> Self {
        Self {
            filter_subjects: Vec::new(),
            deliver_policy: DeliverPolicy::All,
            headers_only: false,
            idle_heartbeat: ORDERED_IDLE_HEARTBEAT,
        }
    }
}

impl OrderedOptions {
    /// Reads only `subject` (wildcards allowed).
    pub fn filter(mut self, subject: impl Into<String>) -> Self {
        self.filter_subjects = vec![subject.into()];
        self
    }

    /// Sets where the first consumer starts.
    pub fn deliver(mut self, policy: DeliverPolicy) -> Self {
        self.deliver_policy = policy;
        self
    }

    /// Sets the heartbeat (and so how fast a lost consumer is noticed).
    pub fn idle_heartbeat(mut self, heartbeat: Duration) -> Self {
        self.idle_heartbeat = heartbeat;
        self
    }
}

/// The messages of an ordered consumer: each stream message (matching the filter) once,
/// in stream order, with no acks needed. When a delivery is missed, the consumer is
/// deleted on the server or heartbeats stop, a new consumer is created from the next
/// stream sequence, so the sequence stays gap-free. Creation failures are reported as
/// items and retried.
#[derive(Debug)]
pub struct OrderedMessages {
    inner: Unfold<State, Result<JsMessage, JetStreamError>>,
    initial_pending: u64,
}

unfold_stream!(OrderedMessages, Result<JsMessage, JetStreamError>);

struct State {
    js: JetStream,
    stream: String,
    deliver: String,
    sub: Subscriber,
    events: EventStream,
    ordered: OrderedConsumer,
    flow_control: FlowControlReplies,
    recreate: Option<String>,
    /// A status message the fast path took, for the step to handle first.
    stashed: Option<Message>,
}

impl JetStream {
    /// Starts an ordered consumer on `stream` (its first consumer is created before this
    /// returns).
    ///
    /// # Errors
    /// Stream not found, or JetStream unavailable.
    pub async fn ordered_consumer(
        &self,
        stream: &str,
        options: OrderedOptions,
    ) -> Result<OrderedMessages, JetStreamError> {
        let mut base = ConsumerConfig::default().deliver(options.deliver_policy);
        match options.filter_subjects.len() {
            0 => {}
            1 => base.filter_subject = options.filter_subjects.first().cloned(),
            _ => base.filter_subjects = options.filter_subjects.clone(),
        }
        base.headers_only = options.headers_only;
        let ordered = OrderedConsumer::new(random_name(), base, options.idle_heartbeat);
        let deliver = self.client.new_inbox();
        let sub = self.client.subscribe(&deliver).await?;
        let events = self.client.events();
        let mut state = State {
            js: self.clone(),
            stream: stream.to_owned(),
            deliver,
            sub,
            events,
            ordered,
            flow_control: FlowControlReplies::default(),
            recreate: None,
            stashed: None,
        };
        let info = create(&mut state).await?;
        Ok(OrderedMessages {
            inner: Unfold::new(state, |s| -> Step<State, _> { Box::pin(step(s)) })
                .with_ready(ready),
            initial_pending: info,
        })
    }
}

impl OrderedMessages {
    /// Messages pending for the first consumer when it was created (0 = nothing to read
    /// yet). Key-value `keys`/`history` use it to know when the initial values are done.
    pub fn initial_pending(&self) -> u64 {
        self.initial_pending
    }

    /// Reads until the messages that existed when the consumer started are all delivered
    /// (a message with no more pending), waiting at most `timeout` for each; `what` names
    /// the read in a timeout error. Key-value `keys`/`history` and object store listings
    /// are this.
    pub(crate) async fn collect_initial(
        mut self,
        rt: &Arc<dyn Runtime>,
        timeout: Duration,
        what: &'static str,
    ) -> Result<Vec<JsMessage>, JetStreamError> {
        let mut out = Vec::new();
        if self.initial_pending == 0 {
            return Ok(out);
        }
        loop {
            let deadline = rt.now() + timeout;
            let msg = match first(self.next(), rt.sleep_until(deadline)).await {
                Either::Left(Some(msg)) => msg?,
                Either::Left(None) => return Err(JetStreamError::Closed),
                Either::Right(()) => return Err(JetStreamError::Timeout { what, timeout }),
            };
            let last = msg.metadata()?.pending == 0;
            out.push(msg);
            if last {
                return Ok(out);
            }
        }
    }
}

/// Creates the current consumer; returns its pending count.
async fn create(s: &mut State) -> Result<u64, JetStreamError> {
    let config = s.ordered.consumer_config(Some(&s.deliver));
    let info = s.js.create_consumer(&s.stream, config).await?;
    s.ordered.on_created(s.js.now());
    Ok(info.num_pending)
}

fn data_item(s: &mut State, msg: Message) -> Delivery<Result<JsMessage, JetStreamError>> {
    if status_of(&msg).is_some() {
        return Delivery::Status(msg);
    }
    let meta = match MessageMetadata::parse(msg.reply.as_deref().unwrap_or_default()) {
        Ok(m) => m,
        Err(e) => return Delivery::Item(Err(e.into())),
    };
    match s.ordered.on_message(s.js.now(), &meta) {
        OrderedEvent::Deliver => Delivery::Item(Ok(JsMessage::with_metadata(
            s.js.client.clone(),
            msg,
            s.js.timeout,
            meta,
        ))),
        OrderedEvent::Stale => Delivery::Skipped,
        OrderedEvent::Reset(r) => {
            s.recreate = Some(r.old_consumer);
            Delivery::Skipped
        }
    }
}

/// The fast path: buffered data messages, without a step or a timer. It steps aside
/// when a consumer must be re-created or a lifecycle event waits.
fn ready(s: &mut State) -> Option<Result<JsMessage, JetStreamError>> {
    loop {
        if s.recreate.is_some() || s.stashed.is_some() || s.events.has_pending() {
            return None;
        }
        let msg = s.sub.try_next()?;
        match data_item(s, msg) {
            Delivery::Item(item) => return Some(item),
            Delivery::Skipped => {}
            Delivery::Status(msg) => s.stashed = Some(msg),
        }
    }
}

async fn step(mut s: State) -> (State, Option<Result<JsMessage, JetStreamError>>) {
    let item = next_item(&mut s).await;
    (s, item)
}

async fn next_item(s: &mut State) -> Option<Result<JsMessage, JetStreamError>> {
    loop {
        if let Some(old) = s.recreate.take() {
            // Best effort: the old one may already be gone (that may be why we are here).
            let _ = s.js.delete_consumer(&s.stream, &old).await;
            if let Err(e) = create(s).await {
                s.recreate = Some(old);
                s.js.sleep(RETRY_DELAY).await;
                return Some(Err(e));
            }
        }
        let woke = match s.stashed.take() {
            Some(msg) => Either::Left(Either::Left(Some(msg))),
            None => {
                let now = s.js.now();
                let deadline = s.ordered.heartbeat_deadline().unwrap_or(now + IDLE_WAIT);
                let sleep = s.js.client.runtime().sleep_until(deadline);
                first(first(s.sub.next(), s.events.next()), sleep).await
            }
        };
        let now = s.js.now();
        match woke {
            Either::Left(Either::Left(Some(msg))) => {
                let msg = match data_item(s, msg) {
                    Delivery::Item(item) => return Some(item),
                    Delivery::Skipped => continue,
                    Delivery::Status(msg) => msg,
                };
                let control = answer_control(&s.js, &mut s.flow_control, &msg).await;
                match control {
                    PushControl::Heartbeat { .. } => {
                        let last = msg
                            .headers
                            .as_ref()
                            .and_then(|h| h.get(NATS_LAST_CONSUMER))
                            .and_then(|v| v.trim().parse().ok());
                        if let Some(r) = s.ordered.on_heartbeat(now, last) {
                            s.recreate = Some(r.old_consumer);
                        }
                    }
                    PushControl::FlowControl { .. } => {}
                    PushControl::Other { code, .. } if code == 409 || code == 503 => {
                        s.recreate = Some(s.ordered.reset().old_consumer);
                    }
                    PushControl::Other { .. } => {}
                }
            }
            Either::Left(Either::Left(None)) => return None,
            Either::Left(Either::Right(Some(ClientEvent::Reconnected { .. }))) => {
                s.recreate = Some(s.ordered.reset().old_consumer);
            }
            Either::Left(Either::Right(Some(ClientEvent::Closed { .. }))) => return None,
            Either::Left(Either::Right(Some(_))) => {}
            Either::Left(Either::Right(None)) => return None,
            Either::Right(()) => {
                if let Some(r) = s.ordered.check_heartbeat(now) {
                    s.recreate = Some(r.old_consumer);
                }
            }
        }
    }
}
