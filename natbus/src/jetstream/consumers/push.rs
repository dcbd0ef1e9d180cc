//! Push consumers: the server delivers to a subject; heartbeats and flow control.

use std::time::Duration;

use natbus_proto::jetstream::consumer::ConsumerConfig;
use natbus_proto::jetstream::consumer_info::ConsumerInfo;
use natbus_proto::jetstream::push::{
    FlowControlReplies, HeartbeatMonitor, NATS_CONSUMER_STALLED, PushControl, classify_push_status,
};
use natbus_proto::message::Message;

use super::pull::status_of;
use super::push_watch::{Checked, ConsumerWatch};
use super::unfold::{Delivery, Step, Unfold, unfold_stream};
use crate::ClientEvent;
use crate::connection::select::{Either, first};
use crate::jetstream::context::JetStream;
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;
use crate::subscriber::Subscriber;

/// How long to sleep when no heartbeat is watched.
pub(super) const IDLE_WAIT: Duration = Duration::from_secs(60);

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
    inner: Unfold<State, Result<JsMessage, JetStreamError>>,
    info: ConsumerInfo,
}

unfold_stream!(PushMessages, Result<JsMessage, JetStreamError>);

struct State {
    js: JetStream,
    sub: Subscriber,
    heartbeat: Option<HeartbeatMonitor>,
    flow_control: FlowControlReplies,
    /// A status message the fast path took, for the step to answer first.
    stashed: Option<Message>,
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
            m.on_activity(js.now());
        }
        let watch = ConsumerWatch::new(&js, &info.stream_name, &info.name, recreate);
        let state = State {
            js,
            sub,
            heartbeat,
            flow_control: FlowControlReplies::default(),
            stashed: None,
            watch,
        };
        Self {
            inner: Unfold::new(state, |s| -> Step<State, _> { Box::pin(step(s)) })
                .with_ready(ready),
            info,
        }
    }

    /// The consumer's info when subscribing.
    pub fn cached_info(&self) -> &ConsumerInfo {
        &self.info
    }
}

async fn step(mut s: State) -> (State, Option<Result<JsMessage, JetStreamError>>) {
    let item = next_item(&mut s).await;
    (s, item)
}

/// The fast path: a buffered data message, without a step or a timer.
fn ready(s: &mut State) -> Option<Result<JsMessage, JetStreamError>> {
    if s.stashed.is_some() || s.watch.done || s.watch.events.has_pending() {
        return None;
    }
    let msg = s.sub.try_next()?;
    data_item(s, msg).or_stash(&mut s.stashed)
}

/// A delivered message as an item; a status message comes back for its async answer.
fn data_item(s: &mut State, msg: Message) -> Delivery<Result<JsMessage, JetStreamError>> {
    if let Some(m) = s.heartbeat.as_mut() {
        m.on_activity(s.js.now());
    }
    if status_of(&msg).is_some() {
        return Delivery::Status(msg);
    }
    s.watch.delivered(msg.reply.as_ref());
    Delivery::Item(JsMessage::new(s.js.client.clone(), msg, s.js.timeout))
}

async fn next_item(s: &mut State) -> Option<Result<JsMessage, JetStreamError>> {
    loop {
        if s.watch.done {
            return None;
        }
        let msg = match s.stashed.take() {
            Some(msg) => msg,
            None => {
                let now = s.js.now();
                let deadline = s
                    .heartbeat
                    .as_ref()
                    .and_then(HeartbeatMonitor::deadline)
                    .unwrap_or(now + IDLE_WAIT);
                let sleep = s.js.client.runtime().sleep_until(deadline);
                match first(first(s.sub.next(), s.watch.events.next()), sleep).await {
                    Either::Left(Either::Left(Some(msg))) => msg,
                    Either::Left(Either::Left(None)) => return None,
                    Either::Left(Either::Right(Some(ClientEvent::Reconnected { .. }))) => {
                        if let Checked::Gone(e) = s.watch.check(&s.js).await {
                            return Some(Err(e));
                        }
                        continue;
                    }
                    Either::Left(Either::Right(Some(ClientEvent::Closed { .. })))
                    | Either::Left(Either::Right(None)) => return None,
                    Either::Left(Either::Right(Some(_))) => continue,
                    Either::Right(()) => {
                        let now = s.js.now();
                        let Some(m) = s.heartbeat.as_mut() else {
                            continue;
                        };
                        if !m.check(now) {
                            continue;
                        }
                        let silence = m.interval() * 2;
                        match s.watch.check(&s.js).await {
                            Checked::Gone(e) => return Some(Err(e)),
                            Checked::Recreated => {
                                if let Some(m) = s.heartbeat.as_mut() {
                                    m.on_activity(s.js.now());
                                }
                                continue;
                            }
                            Checked::Fine => {
                                return Some(Err(JetStreamError::MissedHeartbeats(silence)));
                            }
                        }
                    }
                }
            }
        };
        match data_item(s, msg) {
            Delivery::Item(item) => return Some(item),
            Delivery::Skipped => {}
            Delivery::Status(status) => {
                answer_control(&s.js, &mut s.flow_control, &status).await;
            }
        }
    }
}

/// Answers a flow-control request or a stalled heartbeat (each subject once). Returns
/// the classified status for callers that track heartbeats.
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
        if replies.should_answer(subject) {
            if let Err(e) = js.client.publish(subject, "").await {
                tracing::debug!(error = %e, "could not answer flow control");
            }
        }
    }
    control
}
