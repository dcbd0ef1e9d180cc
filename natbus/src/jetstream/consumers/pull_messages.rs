//! `Messages`: a continuous pull consumer, driven by `PullTracker` in the shared
//! [wait loop](super::wait_loop).

use natbus_proto::time::Instant;
use std::time::Duration;

use natbus_proto::jetstream::consumer_info::ConsumerInfo;
use natbus_proto::jetstream::priority::PinChange;
use natbus_proto::jetstream::pull::{PullAction, PullStatus};
use natbus_proto::jetstream::pull_tracker::{ConsumeOptions, PullTracker};
use natbus_proto::message::Message;

use super::pull::{SharedPin, pending_of, pin_id_of, pin_of, set_pin, status_of};
use super::wait_loop::{Delivery, Flow, LoopPolicy, WaitLoop, wait_loop_stream};
use crate::ClientEvent;
use crate::jetstream::context::JetStream;
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;

/// The continuous message stream of a pull consumer (see
/// [`PullConsumer::messages`](crate::jetstream::PullConsumer::messages)). Dropping it stops pulling.
#[derive(Debug)]
pub struct Messages {
    inner: WaitLoop<Pull>,
}

wait_loop_stream!(Messages, Result<JsMessage, JetStreamError>);

/// A pull consumer's decisions: keep the window of requested messages full, follow
/// the server's status messages and watch the heartbeats the requests asked for.
struct Pull {
    js: JetStream,
    stream: String,
    consumer: String,
    next_subject: String,
    inbox: String,
    tracker: PullTracker,
    heartbeat: Duration,
    /// The consumer handle's pin: the tracker starts from it and writes changes back, so
    /// a later fetch or message stream of the same client stays pinned.
    pin: SharedPin,
}

impl Messages {
    pub(crate) async fn start(
        js: JetStream,
        info: &ConsumerInfo,
        options: ConsumeOptions,
        pin: SharedPin,
    ) -> Result<Self, JetStreamError> {
        let next_subject = js.prefix.consumer_msg_next(&info.stream_name, &info.name)?;
        let inbox = js.client.new_inbox();
        let sub = js.client.subscribe(&inbox).await?;
        let events = js.client.events();
        let runtime = js.client.runtime().clone();
        let heartbeat = options.idle_heartbeat;
        let mut tracker = PullTracker::new(options);
        tracker.set_pin(pin_of(&pin));
        let pull = Pull {
            js,
            stream: info.stream_name.clone(),
            consumer: info.name.clone(),
            next_subject,
            inbox,
            tracker,
            heartbeat,
            pin,
        };
        Ok(Self {
            inner: WaitLoop::new(runtime, sub, events, pull),
        })
    }

    /// Messages requested from the server and not yet delivered.
    pub fn pending_messages(&self) -> usize {
        self.inner
            .policy()
            .map_or(0, |p| p.tracker.pending_messages())
    }

    /// The pin id of this client in a `pinned_client` priority group, while pinned.
    pub fn pin_id(&self) -> Option<&str> {
        self.inner.policy().and_then(|p| p.tracker.pin().id())
    }
}

impl LoopPolicy for Pull {
    fn work_due(&self) -> bool {
        self.tracker.wants_request()
    }

    async fn before_wait(&mut self) -> Flow {
        let Some(request) = self.tracker.poll_request(self.js.now()) else {
            return Flow::Continue;
        };
        let sent = self
            .js
            .client
            .publish_full(
                &self.next_subject,
                Some(&self.inbox),
                None,
                request.to_json().into(),
            )
            .await;
        match sent {
            Ok(()) => Flow::Continue,
            // The window counts this request; the heartbeat check will release it.
            Err(e) => Flow::Yield(Err(e.into())),
        }
    }

    fn deadline(&self) -> Option<Instant> {
        self.tracker.poll_timeout()
    }

    fn on_message(&mut self, now: Instant, msg: Message) -> Delivery {
        if status_of(&msg).is_some() {
            return Delivery::Status(msg);
        }
        self.tracker.handle_message(now, msg.size());
        if self.tracker.handle_pin_id(pin_id_of(&msg)) != PinChange::Unchanged {
            set_pin(&self.pin, self.tracker.pin().clone());
        }
        Delivery::Item(JsMessage::new(self.js.client.clone(), msg, self.js.timeout))
    }

    async fn on_status(&mut self, now: Instant, msg: Message) -> Flow {
        let (code, description) = status_of(&msg).unwrap_or_default();
        let (pm, pb) = pending_of(&msg);
        let status = self.tracker.handle_status(now, code, &description, pm, pb);
        if status == PullStatus::PinIdMismatch {
            // Another client is pinned: carry on with stand-by requests.
            set_pin(&self.pin, self.tracker.pin().clone());
        }
        match status.action() {
            PullAction::KeepGoing | PullAction::Refill | PullAction::Reset => Flow::Continue,
            // Not fatal unless the consumer is gone: the window refills on the next
            // heartbeat check, by which time a leader may have been elected.
            PullAction::Warning(_) if code == 503 => {
                match self
                    .js
                    .pull_no_responders(&self.stream, &self.consumer)
                    .await
                {
                    e @ JetStreamError::Terminal(_) => Flow::Last(Err(e)),
                    e => Flow::Yield(Err(e)),
                }
            }
            PullAction::Warning(w) => Flow::Yield(Err(JetStreamError::Warning(w))),
            PullAction::Terminal(reason) => Flow::Last(Err(JetStreamError::Terminal(reason))),
        }
    }

    async fn on_event(&mut self, now: Instant, event: ClientEvent) -> Flow {
        match event {
            ClientEvent::Disconnected { .. } => self.tracker.handle_disconnected(),
            ClientEvent::Reconnected { .. } => self.tracker.handle_reconnected(now),
            _ => {}
        }
        Flow::Continue
    }

    async fn on_deadline(&mut self, now: Instant) -> Flow {
        if self.tracker.handle_timeout(now) {
            let silence = self.heartbeat.saturating_mul(2);
            return Flow::Yield(Err(JetStreamError::MissedHeartbeats(silence)));
        }
        Flow::Continue
    }
}
