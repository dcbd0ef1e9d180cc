//! Push consumers: the server delivers to a subject; heartbeats and flow control.

use natbus_proto::time::Instant;

use natbus_proto::jetstream::consumer::ConsumerConfig;
use natbus_proto::jetstream::consumer_info::ConsumerInfo;
use natbus_proto::jetstream::push::{
    FlowControlReplies, HeartbeatMonitor, NATS_CONSUMER_STALLED, PushControl, classify_push_status,
};
use natbus_proto::message::Message;

use super::pull::status_of;
use super::push_watch::{Checked, ConsumerWatch};
use super::wait_loop::{Delivery, Flow, LoopPolicy, WaitLoop, wait_loop_stream};
use crate::ClientEvent;
use crate::jetstream::context::JetStream;
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;
use crate::subscriber::Subscriber;

/// The messages of a push consumer (see [`JetStream::push_subscribe`]). Heartbeats and
/// flow-control requests are handled inside; items are messages and, when the server
/// falls silent for two heartbeat intervals, a [`JetStreamError::MissedHeartbeats`]
/// notice (not fatal). After a reconnect, and after missed heartbeats, it checks that
/// its consumer still exists: an ephemeral consumer it created is created again (resuming
/// after the last message delivered), any other missing consumer ends the stream with a
/// [`JetStreamError::Terminal`]. Without `idle_heartbeat` a consumer deleted while the
/// connection stays up cannot be noticed. Dropping it unsubscribes; a durable consumer
/// keeps its position.
#[derive(Debug)]
pub struct PushMessages {
    inner: WaitLoop<Push>,
    info: ConsumerInfo,
}

wait_loop_stream!(PushMessages, Result<JsMessage, JetStreamError>);

/// A push consumer's decisions: answer flow control, watch heartbeats, and check that
/// the server-side consumer still exists when it may have been lost.
struct Push {
    js: JetStream,
    heartbeat: Option<HeartbeatMonitor>,
    flow_control: FlowControlReplies,
    /// Whether the server-side consumer still exists.
    watch: ConsumerWatch,
}

impl JetStream {
    /// Subscribes to a push consumer, creating it from `config` when it does not exist and
    /// binding to it when it does (a restarted process resumes where its durable left off,
    /// without "already exists" errors). Without `deliver_subject` a new inbox is used; with
    /// `deliver_group` the subscription joins that queue group, so each message goes to one
    /// member.
    ///
    /// # Errors
    /// The consumer exists but is a pull consumer or has another deliver group; heartbeats
    /// or flow control together with a deliver group; API errors.
    pub async fn push_subscribe(
        &self,
        stream: &str,
        mut config: ConsumerConfig,
    ) -> Result<PushMessages, JetStreamError> {
        if config.deliver_group.is_some()
            && (config.flow_control || config.idle_heartbeat.is_some())
        {
            return Err(JetStreamError::InvalidOption(
                "idle_heartbeat and flow_control cannot be used with a deliver_group".into(),
            ));
        }
        if let Some(name) = config.consumer_name() {
            match self.consumer_info(stream, name).await {
                Ok(info) => return self.bind_push(info, config.deliver_group.as_deref()).await,
                Err(JetStreamError::Api(e)) if e.is_consumer_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        let deliver = match &config.deliver_subject {
            Some(d) => d.clone(),
            None => self.client.new_inbox(),
        };
        config.deliver_subject = Some(deliver.clone());
        // Subscribe before creating, so the first deliveries find interest.
        let sub = self
            .subscribe_deliver(&deliver, config.deliver_group.as_deref())
            .await?;
        let name = config.consumer_name().map(str::to_owned);
        // An ephemeral consumer made here is made again should it vanish.
        let recreate = config.durable_name.is_none().then(|| config.clone());
        match self.create_consumer(stream, config).await {
            Ok(info) => Ok(PushMessages::new(self.clone(), sub, info, recreate)),
            Err(JetStreamError::Api(e)) if e.is_consumer_already_exists() && name.is_some() => {
                drop(sub);
                let name = name.unwrap_or_default();
                let info = self.consumer_info(stream, &name).await?;
                let group = info.config.deliver_group.clone();
                self.bind_push(info, group.as_deref()).await
            }
            Err(e) => Err(e),
        }
    }

    async fn bind_push(
        &self,
        info: ConsumerInfo,
        group: Option<&str>,
    ) -> Result<PushMessages, JetStreamError> {
        let Some(deliver) = info.config.deliver_subject.clone() else {
            return Err(JetStreamError::WrongConsumerKind {
                consumer: info.name,
                actual: "pull",
            });
        };
        if info.config.deliver_group.as_deref() != group {
            return Err(JetStreamError::DeliverGroupMismatch {
                consumer: info.name,
                expected: info.config.deliver_group,
                requested: group.map(str::to_owned),
            });
        }
        if info.push_bound && group.is_none() {
            // A restarted process may bind before the server noticed the old connection
            // is gone; binding anyway is what makes restarts work.
            tracing::warn!(consumer = %info.name, "push consumer is still bound elsewhere; binding anyway");
        }
        let sub = self.subscribe_deliver(&deliver, group).await?;
        Ok(PushMessages::new(self.clone(), sub, info, None))
    }

    async fn subscribe_deliver(
        &self,
        deliver: &str,
        group: Option<&str>,
    ) -> Result<Subscriber, JetStreamError> {
        Ok(match group {
            Some(g) => self.client.queue_subscribe(deliver, g).await?,
            None => self.client.subscribe(deliver).await?,
        })
    }
}

impl PushMessages {
    fn new(
        js: JetStream,
        sub: Subscriber,
        info: ConsumerInfo,
        recreate: Option<ConsumerConfig>,
    ) -> Self {
        let mut heartbeat = info
            .config
            .idle_heartbeat
            .map(|hb| HeartbeatMonitor::new(hb, 2));
        if let Some(m) = heartbeat.as_mut() {
            m.handle_activity(js.now());
        }
        let watch = ConsumerWatch::new(&info.stream_name, &info.name, recreate);
        let events = js.client.events();
        let runtime = js.client.runtime().clone();
        let push = Push {
            js,
            heartbeat,
            flow_control: FlowControlReplies::default(),
            watch,
        };
        Self {
            inner: WaitLoop::new(runtime, sub, events, push),
            info,
        }
    }

    /// The consumer's info when subscribing.
    pub fn cached_info(&self) -> &ConsumerInfo {
        &self.info
    }
}

impl LoopPolicy for Push {
    fn deadline(&self) -> Option<Instant> {
        self.heartbeat
            .as_ref()
            .and_then(HeartbeatMonitor::poll_timeout)
    }

    fn on_message(&mut self, now: Instant, msg: Message) -> Delivery {
        if let Some(m) = self.heartbeat.as_mut() {
            m.handle_activity(now);
        }
        if status_of(&msg).is_some() {
            return Delivery::Status(msg);
        }
        self.watch.delivered(msg.reply.as_ref());
        Delivery::Item(JsMessage::new(self.js.client.clone(), msg, self.js.timeout))
    }

    async fn on_status(&mut self, _now: Instant, msg: Message) -> Flow {
        answer_control(&self.js, &mut self.flow_control, &msg).await;
        Flow::Continue
    }

    async fn on_event(&mut self, _now: Instant, event: ClientEvent) -> Flow {
        if !matches!(event, ClientEvent::Reconnected { .. }) {
            return Flow::Continue;
        }
        match self.watch.check(&self.js).await {
            Checked::Gone(e) => Flow::Last(Err(e)),
            Checked::Fine | Checked::Recreated => Flow::Continue,
        }
    }

    async fn on_deadline(&mut self, now: Instant) -> Flow {
        let Some(m) = self.heartbeat.as_mut() else {
            return Flow::Continue;
        };
        if !m.handle_timeout(now) {
            return Flow::Continue;
        }
        let silence = m.interval().saturating_mul(2);
        match self.watch.check(&self.js).await {
            Checked::Gone(e) => Flow::Last(Err(e)),
            Checked::Recreated => {
                if let Some(m) = self.heartbeat.as_mut() {
                    m.handle_activity(self.js.now());
                }
                Flow::Continue
            }
            Checked::Fine => Flow::Yield(Err(JetStreamError::MissedHeartbeats(silence))),
        }
    }
}

/// Answers a flow-control request (each subject once) or a stalled heartbeat (every
/// time: the server still waits). Returns the classified status for callers that track
/// heartbeats.
pub(crate) async fn answer_control(
    js: &JetStream,
    replies: &mut FlowControlReplies,
    msg: &Message,
) -> PushControl {
    let (code, description) = status_of(msg).unwrap_or((0, String::new()));
    let stalled = msg
        .headers
        .as_ref()
        .and_then(|h| h.get(NATS_CONSUMER_STALLED));
    let control = classify_push_status(code, &description, msg.reply.as_deref(), stalled);
    if let Some(subject) = control.reply_subject() {
        // A heartbeat naming the subject means the server still waits on it: an answer
        // sent already was lost (with a connection that died), so it goes again. Without
        // this, one lost answer stalled the consumer for good.
        let stalled = matches!(control, PushControl::Heartbeat { .. });
        if replies.handle_flow_control(subject) || stalled {
            if let Err(e) = js.client.publish(subject, "").await {
                tracing::debug!(error = %e, "could not answer flow control");
            }
        }
    }
    control
}
