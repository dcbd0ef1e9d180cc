//! Ordered consumers: every stream message once, in order, surviving consumer loss.

use natbus_proto::time::Instant;
use std::time::Duration;

use natbus_proto::jetstream::consumer::{ConsumerConfig, DeliverPolicy};
use natbus_proto::jetstream::metadata::MessageMetadata;
use natbus_proto::jetstream::ordered::{ORDERED_IDLE_HEARTBEAT, OrderedConsumer, OrderedEvent};
use natbus_proto::jetstream::pull::NATS_LAST_CONSUMER;
use natbus_proto::jetstream::push::{FlowControlReplies, PushControl};
use natbus_proto::message::Message;

use super::pull::status_of;
use super::push::answer_control;
use super::wait_loop::{Delivery, Flow, LoopPolicy, WaitLoop, wait_loop_stream};
use crate::ClientEvent;
use crate::jetstream::context::{JetStream, random_name};
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;

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
    inner: WaitLoop<Ordered>,
    initial_pending: u64,
}

wait_loop_stream!(OrderedMessages, Result<JsMessage, JetStreamError>);

/// An ordered consumer's decisions: hand out each stream message once, and replace the
/// server-side consumer whenever the sequence breaks, heartbeats stop or the connection
/// was lost.
struct Ordered {
    js: JetStream,
    stream: String,
    deliver: String,
    ordered: OrderedConsumer,
    flow_control: FlowControlReplies,
    /// The consumer to replace before waiting again.
    recreate: Option<String>,
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
        let ordered = OrderedConsumer::new(random_name(&self.client), base, options.idle_heartbeat);
        let deliver = self.client.new_inbox();
        let sub = self.client.subscribe(&deliver).await?;
        let events = self.client.events();
        let mut policy = Ordered {
            js: self.clone(),
            stream: stream.to_owned(),
            deliver,
            ordered,
            flow_control: FlowControlReplies::default(),
            recreate: None,
        };
        let initial_pending = policy.create().await?;
        let runtime = self.client.runtime().clone();
        Ok(OrderedMessages {
            inner: WaitLoop::new(runtime, sub, events, policy),
            initial_pending,
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
    #[cfg(any(feature = "kv", feature = "object-store"))]
    pub(crate) async fn collect_initial(
        mut self,
        rt: &std::sync::Arc<dyn crate::Runtime>,
        timeout: Duration,
        what: &'static str,
    ) -> Result<Vec<JsMessage>, JetStreamError> {
        use crate::connection::select::{Either, first};
        use crate::runtime::sleep_for;
        let mut out = Vec::new();
        if self.initial_pending == 0 {
            return Ok(out);
        }
        loop {
            let msg = match first(self.next(), sleep_for(&**rt, timeout)).await {
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

impl Ordered {
    /// Creates the current consumer; returns its pending count.
    async fn create(&mut self) -> Result<u64, JetStreamError> {
        let config = self.ordered.consumer_config(Some(&self.deliver));
        let info = self.js.create_consumer(&self.stream, config).await?;
        self.ordered.handle_created(self.js.now());
        Ok(info.num_pending)
    }
}

impl LoopPolicy for Ordered {
    fn work_due(&self) -> bool {
        self.recreate.is_some()
    }

    async fn before_wait(&mut self) -> Flow {
        let Some(old) = self.recreate.take() else {
            return Flow::Continue;
        };
        // Best effort: the old one may already be gone (that may be why we are here).
        let _ = self.js.delete_consumer(&self.stream, &old).await;
        match self.create().await {
            Ok(_) => Flow::Continue,
            Err(e) => {
                self.recreate = Some(old);
                self.js.sleep(RETRY_DELAY).await;
                Flow::Yield(Err(e))
            }
        }
    }

    fn deadline(&self) -> Option<Instant> {
        self.ordered.poll_timeout()
    }

    fn on_message(&mut self, now: Instant, msg: Message) -> Delivery {
        if status_of(&msg).is_some() {
            return Delivery::Status(msg);
        }
        let meta = match MessageMetadata::parse(msg.reply.as_deref().unwrap_or_default()) {
            Ok(m) => m,
            Err(e) => return Delivery::Item(Err(e.into())),
        };
        match self.ordered.handle_message(now, &meta) {
            OrderedEvent::Deliver => Delivery::Item(Ok(JsMessage::with_metadata(
                self.js.client.clone(),
                msg,
                self.js.timeout,
                meta,
            ))),
            OrderedEvent::Stale => Delivery::Skipped,
            OrderedEvent::Reset(r) => {
                self.recreate = Some(r.old_consumer);
                Delivery::Skipped
            }
        }
    }

    async fn on_status(&mut self, now: Instant, msg: Message) -> Flow {
        match answer_control(&self.js, &mut self.flow_control, &msg).await {
            PushControl::Heartbeat { .. } => {
                let last = msg
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(NATS_LAST_CONSUMER))
                    .and_then(|v| v.trim().parse().ok());
                if let Some(r) = self.ordered.handle_heartbeat(now, last) {
                    self.recreate = Some(r.old_consumer);
                }
            }
            PushControl::FlowControl { .. } => {}
            PushControl::Other { code, .. } if code == 409 || code == 503 => {
                self.recreate = Some(self.ordered.reset().old_consumer);
            }
            PushControl::Other { .. } => {}
        }
        Flow::Continue
    }

    async fn on_event(&mut self, _now: Instant, event: ClientEvent) -> Flow {
        if matches!(event, ClientEvent::Reconnected { .. }) {
            self.recreate = Some(self.ordered.reset().old_consumer);
        }
        Flow::Continue
    }

    async fn on_deadline(&mut self, now: Instant) -> Flow {
        if let Some(r) = self.ordered.handle_timeout(now) {
            self.recreate = Some(r.old_consumer);
        }
        Flow::Continue
    }
}
