//! The one wait loop of every continuous consumer: pull `messages()`, push and ordered
//! (and so the key-value and object store watchers, which read an ordered consumer).
//!
//! Why one loop: each consumer waits on the same three things — the next delivery on its
//! subscription, a client event (a reconnect means the server may have lost the pull
//! requests or the consumer itself), and a deadline (the heartbeat timer) — and must end
//! the same way when the subscription ends or the client closes. Written three times, the
//! three copies drifted; here the waiting, the stashing of a status message taken by the
//! fast path and the ending are written once, and each consumer keeps only its own
//! decisions, as a [`LoopPolicy`]:
//!
//! 1. [`before_wait`](LoopPolicy::before_wait): work due before waiting (send a pull
//!    request, create a lost consumer again);
//! 2. wait for a delivery, an event or [`deadline`](LoopPolicy::deadline) (at most
//!    [`IDLE_WAIT`] when there is none);
//! 3. a delivery goes to [`on_message`](LoopPolicy::on_message) (synchronous, so the
//!    fast path can use it too), and a status message it hands back to
//!    [`on_status`](LoopPolicy::on_status); `Disconnected`/`Reconnected` go to
//!    [`on_event`](LoopPolicy::on_event); a passed deadline to
//!    [`on_deadline`](LoopPolicy::on_deadline);
//! 4. each answers with a [`Flow`]: keep waiting, hand out an item, or hand out a last
//!    item and end.
//!
//! The stream ends (`None`) when the subscription ends, the event stream ends or the
//! client reports `Closed`, or after a [`Flow::Last`] item.

use natbus_proto::time::Instant;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use natbus_proto::message::Message;

use super::unfold::{Step, Unfold};
use crate::connection::select::{Either, first};
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;
use crate::subscriber::Subscriber;
use crate::{ClientEvent, EventStream, Runtime};

/// What every consumer stream yields: a message, or a notice/error about the consumer.
pub(crate) type Item = Result<JsMessage, JetStreamError>;

/// How long to wait when a consumer has no deadline (no heartbeat watched): only so that
/// the loop never waits on an endless timer; waking changes nothing.
const IDLE_WAIT: Duration = Duration::from_secs(60);

/// What a consumer makes of one delivered message, on the fast path or in the loop.
pub(crate) enum Delivery {
    /// Hand it out (or its error).
    Item(Item),
    /// Nothing to hand out (a stale redelivery, or a gap that re-creates a consumer).
    Skipped,
    /// A status message, for the consumer's async [`LoopPolicy::on_status`].
    Status(Message),
}

/// What the loop does after a consumer's decision.
pub(crate) enum Flow {
    /// Keep waiting.
    Continue,
    /// Hand out this item; the stream goes on.
    Yield(Item),
    /// Hand out this item, then end the stream (the consumer is gone for good).
    Last(Item),
}

/// A consumer's own decisions; the loop does the waiting (see the module docs).
///
/// The async hooks return `impl Future + Send` (not `async fn`) so that the loop, generic
/// over the policy, can box its step as a `Send` future.
pub(crate) trait LoopPolicy: Send + 'static {
    /// Whether [`before_wait`](Self::before_wait) has work due, so the fast path must step
    /// aside for the loop.
    fn work_due(&self) -> bool {
        false
    }

    /// Work due before waiting (default: none).
    fn before_wait(&mut self) -> impl Future<Output = Flow> + Send {
        std::future::ready(Flow::Continue)
    }

    /// When the loop must wake even if nothing arrives (`None`: no deadline).
    fn deadline(&self) -> Option<Instant>;

    /// A delivered message (data or status), received at `now`.
    fn on_message(&mut self, now: Instant, msg: Message) -> Delivery;

    /// A status message [`on_message`](Self::on_message) handed back.
    fn on_status(&mut self, now: Instant, msg: Message) -> impl Future<Output = Flow> + Send;

    /// A client event other than `Closed` (which ends the loop).
    fn on_event(&mut self, now: Instant, event: ClientEvent) -> impl Future<Output = Flow> + Send;

    /// The [`deadline`](Self::deadline) passed (or the idle wait ended: check `now`).
    fn on_deadline(&mut self, now: Instant) -> impl Future<Output = Flow> + Send;
}

/// A consumer stream's engine: the subscription, the client's events and a policy, turned
/// into a stream of [`Item`]s. The public consumer types wrap one.
pub(crate) struct WaitLoop<P> {
    inner: Unfold<Waiting<P>, Item>,
}

/// The loop's state, owned by the running step.
struct Waiting<P> {
    policy: P,
    runtime: Arc<dyn Runtime>,
    sub: Subscriber,
    events: EventStream,
    /// A status message the fast path took, for the loop to handle first.
    stashed: Option<Message>,
    /// A [`Flow::Last`] item was handed out.
    ended: bool,
}

impl<P: LoopPolicy> WaitLoop<P> {
    /// A loop over `sub`'s deliveries and `events`, deciding with `policy`.
    pub(crate) fn new(
        runtime: Arc<dyn Runtime>,
        sub: Subscriber,
        events: EventStream,
        policy: P,
    ) -> Self {
        let state = Waiting {
            policy,
            runtime,
            sub,
            events,
            stashed: None,
            ended: false,
        };
        Self {
            inner: Unfold::new(state, step::<P>).with_ready(ready::<P>),
        }
    }

    /// The policy, while no step is running.
    pub(crate) fn policy(&self) -> Option<&P> {
        self.inner.state().map(|s| &s.policy)
    }

    /// Polls for the next item (`None`: the stream has ended).
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Item>> {
        self.inner.poll_step(cx)
    }
}

impl<P> std::fmt::Debug for WaitLoop<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitLoop")
            .field("inner", &self.inner)
            .finish()
    }
}

/// The fast path: buffered data messages, without a step or a timer. It steps aside
/// when the loop has anything else to do first (an ending, a stashed status, due work,
/// a waiting event).
fn ready<P: LoopPolicy>(s: &mut Waiting<P>) -> Option<Item> {
    loop {
        if s.ended || s.stashed.is_some() || s.policy.work_due() || s.events.has_pending() {
            return None;
        }
        let msg = s.sub.try_next()?;
        match s.policy.on_message(s.runtime.now(), msg) {
            Delivery::Item(item) => return Some(item),
            Delivery::Skipped => {}
            Delivery::Status(msg) => s.stashed = Some(msg),
        }
    }
}

fn step<P: LoopPolicy>(mut s: Waiting<P>) -> Step<Waiting<P>, Item> {
    Box::pin(async move {
        let item = next_item(&mut s).await;
        (s, item)
    })
}

/// What woke the loop.
enum Wake {
    Message(Message),
    Event(ClientEvent),
    Deadline,
    /// The subscription or the event stream ended.
    Ended,
}

async fn next_item<P: LoopPolicy>(s: &mut Waiting<P>) -> Option<Item> {
    loop {
        if s.ended {
            return None;
        }
        let flow = match s.policy.before_wait().await {
            Flow::Continue => decide(s).await?,
            flow => flow,
        };
        match flow {
            Flow::Continue => {}
            Flow::Yield(item) => return Some(item),
            Flow::Last(item) => {
                s.ended = true;
                return Some(item);
            }
        }
    }
}

/// Waits for one wake and lets the policy decide; `None` ends the stream.
async fn decide<P: LoopPolicy>(s: &mut Waiting<P>) -> Option<Flow> {
    let wake = match s.stashed.take() {
        Some(msg) => Wake::Message(msg),
        None => wait(s).await,
    };
    let now = s.runtime.now();
    Some(match wake {
        Wake::Message(msg) => match s.policy.on_message(now, msg) {
            Delivery::Item(item) => Flow::Yield(item),
            Delivery::Skipped => Flow::Continue,
            Delivery::Status(msg) => s.policy.on_status(now, msg).await,
        },
        Wake::Event(ClientEvent::Closed { .. }) | Wake::Ended => return None,
        Wake::Event(event) => s.policy.on_event(now, event).await,
        Wake::Deadline => s.policy.on_deadline(now).await,
    })
}

async fn wait<P: LoopPolicy>(s: &mut Waiting<P>) -> Wake {
    let deadline = s
        .policy
        .deadline()
        .unwrap_or_else(|| s.runtime.now() + IDLE_WAIT);
    let sleep = s.runtime.sleep_until(deadline);
    match first(first(s.sub.next(), s.events.next()), sleep).await {
        Either::Left(Either::Left(Some(msg))) => Wake::Message(msg),
        Either::Left(Either::Right(Some(event))) => Wake::Event(event),
        Either::Left(Either::Left(None) | Either::Right(None)) => Wake::Ended,
        Either::Right(()) => Wake::Deadline,
    }
}

/// Implements `Stream` and an inherent `next()` for a wrapper around a [`WaitLoop`].
macro_rules! wait_loop_stream {
    ($ty:ty, $item:ty) => {
        impl futures_core::Stream for $ty {
            type Item = $item;

            fn poll_next(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<$item>> {
                self.inner.poll_next(cx)
            }
        }

        impl $ty {
            /// The next item; `None` once the stream has ended.
            // An async `next` as users know it from `StreamExt`, without that import.
            #[allow(clippy::should_implement_trait)]
            pub fn next(&mut self) -> impl std::future::Future<Output = Option<$item>> + '_ {
                std::future::poll_fn(move |cx| self.inner.poll_next(cx))
            }
        }
    };
}
pub(crate) use wait_loop_stream;
