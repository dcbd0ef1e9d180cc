//! `Messages`: a continuous pull consumer, driven by `PullTracker`.

use std::time::Duration;

use natbus_proto::jetstream::consumer_info::ConsumerInfo;
use natbus_proto::jetstream::pull::PullAction;
use natbus_proto::jetstream::pull_tracker::{ConsumeOptions, PullTracker};
use natbus_proto::message::Message;

use super::pull::{pending_of, status_of};
use super::unfold::{Delivery, Unfold, unfold_stream};
use crate::connection::select::{Either, first};
use crate::jetstream::context::JetStream;
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;
use crate::subscriber::Subscriber;
use crate::{ClientEvent, EventStream};

/// How long to sleep when there is nothing to wait for (no request outstanding).
const IDLE_WAIT: Duration = Duration::from_secs(60);

/// The continuous message stream of a pull consumer (see
/// [`PullConsumer::messages`](crate::jetstream::PullConsumer::messages)). Dropping it stops pulling.
#[derive(Debug)]
pub struct Messages {
    inner: Unfold<State, Result<JsMessage, JetStreamError>>,
}

unfold_stream!(Messages, Result<JsMessage, JetStreamError>);

struct State {
    js: JetStream,
    stream: String,
    consumer: String,
    next_subject: String,
    inbox: String,
    sub: Subscriber,
    events: EventStream,
    tracker: PullTracker,
    heartbeat: Duration,
    done: bool,
    /// A status message the fast path took, for the step to handle first.
    stashed: Option<Message>,
}

type Item = Result<JsMessage, JetStreamError>;

impl Messages {
    pub(crate) async fn start(
        js: JetStream,
        info: &ConsumerInfo,
        options: ConsumeOptions,
    ) -> Result<Self, JetStreamError> {
        let next_subject = js.prefix.consumer_msg_next(&info.stream_name, &info.name)?;
        let inbox = js.client.new_inbox();
        let sub = js.client.subscribe(&inbox).await?;
        let events = js.client.events();
        let heartbeat = options.idle_heartbeat;
        let state = State {
            js,
            stream: info.stream_name.clone(),
            consumer: info.name.clone(),
            next_subject,
            inbox,
            sub,
            events,
            tracker: PullTracker::new(options),
            heartbeat,
            done: false,
            stashed: None,
        };
        Ok(Self {
            inner: Unfold::new(state, |s| Box::pin(step(s))).with_ready(ready),
        })
    }

    /// Messages requested from the server and not yet delivered.
    pub fn pending_messages(&self) -> usize {
        self.inner
            .state()
            .map_or(0, |s| s.tracker.pending_messages())
    }
}

/// The fast path: a buffered data message, without a step or a timer. It steps aside
/// when a refill request is due or a lifecycle event waits, which the step handles first.
fn ready(s: &mut State) -> Option<Item> {
    if s.done || s.stashed.is_some() || s.tracker.request_due() || s.events.has_pending() {
        return None;
    }
    let msg = s.sub.try_next()?;
    data_item(s, msg).or_stash(&mut s.stashed)
}

/// A delivered message as an item; a status message comes back for the step to handle.
fn data_item(s: &mut State, msg: Message) -> Delivery<Item> {
    if status_of(&msg).is_some() {
        return Delivery::Status(msg);
    }
    s.tracker.on_message(s.js.now(), msg.size());
    Delivery::Item(JsMessage::new(s.js.client.clone(), msg, s.js.timeout))
}

async fn step(mut s: State) -> (State, Option<Item>) {
    let item = next_item(&mut s).await;
    (s, item)
}

async fn next_item(s: &mut State) -> Option<Item> {
    loop {
        if s.done {
            return None;
        }
        let now = s.js.now();
        if let Some(request) = s.tracker.next_request(now) {
            let sent =
                s.js.client
                    .publish_full(
                        &s.next_subject,
                        Some(&s.inbox),
                        None,
                        request.to_json().into(),
                    )
                    .await;
            if let Err(e) = sent {
                // The window counts this request; the heartbeat check will release it.
                return Some(Err(e.into()));
            }
        }
        let woke = match s.stashed.take() {
            Some(msg) => Either::Left(Either::Left(Some(msg))),
            None => {
                let deadline = s.tracker.heartbeat_deadline().unwrap_or(now + IDLE_WAIT);
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
                    Delivery::Status(status) => status,
                };
                let (code, description) = status_of(&msg).unwrap_or_default();
                let (pm, pb) = pending_of(&msg);
                let status = s.tracker.on_status(now, code, &description, pm, pb);
                match status.action() {
                    PullAction::KeepGoing | PullAction::Refill | PullAction::Reset => {}
                    PullAction::Warning(_) if code == 503 && consumer_is_gone(s).await => {
                        s.done = true;
                        return Some(Err(JetStreamError::Terminal(
                            "the consumer was deleted".to_owned(),
                        )));
                    }
                    PullAction::Warning(w) => return Some(Err(JetStreamError::Warning(w))),
                    PullAction::Terminal(reason) => {
                        s.done = true;
                        return Some(Err(JetStreamError::Terminal(reason)));
                    }
                }
            }
            Either::Left(Either::Left(None)) => return None,
            Either::Left(Either::Right(Some(event))) => match event {
                ClientEvent::Disconnected { .. } => s.tracker.on_disconnected(),
                ClientEvent::Reconnected { .. } => s.tracker.on_reconnected(now),
                ClientEvent::Closed { .. } => return None,
                _ => {}
            },
            Either::Left(Either::Right(None)) => return None,
            Either::Right(()) => {
                if s.tracker.check_heartbeat(now) {
                    return Some(Err(JetStreamError::MissedHeartbeats(s.heartbeat * 2)));
                }
            }
        }
    }
}

/// A 503 on a pull means nothing serves the consumer: find out whether it is gone for
/// good (deleted) or JetStream is briefly unavailable.
async fn consumer_is_gone(s: &State) -> bool {
    match s.js.consumer_info(&s.stream, &s.consumer).await {
        Err(JetStreamError::Api(e)) => e.is_consumer_not_found() || e.is_stream_not_found(),
        _ => false,
    }
}
