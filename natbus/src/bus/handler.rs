//! Handlers: the async functions a subscription runs for each message, and what the bus
//! does with their outcome (automatic or manual acknowledgement).

use std::future::Future;
use std::sync::Arc;

use super::dead_letter::{DeadLetterTarget, GiveUp};
use super::redelivery::Redelivery;
use crate::catch_unwind::catch_panics;
use crate::envelope::ReceivedMessage;
use crate::runtime::BoxFuture;

pub use crate::error::HandlerError;

type Erased = dyn Fn(ReceivedMessage) -> BoxFuture<Result<(), HandlerError>> + Send + Sync;

/// A type-erased handler, cheap to clone.
#[derive(Clone)]
pub(crate) struct MessageHandler(Arc<Erased>);

impl MessageHandler {
    pub(crate) fn new<F, Fut>(f: F) -> Self
    where
        F: Fn(ReceivedMessage) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        MessageHandler(Arc::new(move |m| Box::pin(f(m))))
    }

    /// Runs the handler; a panic becomes an error, so one bad message cannot end the
    /// subscription's loop.
    async fn call(&self, message: ReceivedMessage) -> Result<(), HandlerError> {
        catch_panics(|| (self.0)(message))
            .await
            .unwrap_or_else(|| Err(HandlerError::from("the handler panicked")))
    }

    /// Runs the handler for one message and settles it (see [`Settle`]).
    pub(crate) async fn handle(&self, message: ReceivedMessage, settle: &Settle) {
        let outcome = self.call(message.clone()).await;
        // Only for the log lines; a malformed ack subject (never from a server) logs zeros.
        let (stream_seq, delivered) = message
            .metadata()
            .map_or((0, 0), |m| (m.stream_sequence, m.delivered));
        let subject = message.subject();
        let error = match outcome {
            Ok(()) => {
                if !settle.manual_ack && !message.is_acknowledged() {
                    if let Err(e) = message.ack().await {
                        tracing::warn!(%subject, stream_seq, error = %e, "could not ack the message");
                    }
                }
                return;
            }
            Err(error) => error,
        };
        let max_deliver = settle.max_deliver;
        if message.is_acknowledged() {
            tracing::warn!(%subject, stream_seq, delivered, max_deliver, error = %error,
                "handler failed after settling the message itself; nothing more is sent");
            return;
        }
        if delivered >= u64::from(max_deliver) {
            settle.give_up().run(&message, &error.to_string()).await;
            return;
        }
        if settle.manual_ack {
            tracing::warn!(%subject, stream_seq, delivered, max_deliver, error = %error,
                "handler failed (manual ack: the handler decides; an unsettled message is redelivered after ack_wait)");
            return;
        }
        let retry_in = settle.redelivery.delay_after(delivered);
        tracing::warn!(%subject, stream_seq, delivered, max_deliver, error = %error, ?retry_in,
            "handler failed; the message is nak'd for redelivery");
        let nak = match retry_in {
            Some(delay) => message.nak_with_delay(delay).await,
            None => message.nak().await,
        };
        if let Err(e) = nak {
            tracing::warn!(%subject, stream_seq, error = %e, "could not nak the message");
        }
    }
}

/// How a subscription settles each message after its handler ran.
///
/// - `Ok`: with automatic acks the message is acked (unless the handler settled it);
///   with manual acks nothing is sent.
/// - `Err` or a panic, before the last delivery: with automatic acks the message is nak'd
///   with the backoff delay of its attempt; with manual acks nothing is sent (it comes
///   back after the ack wait). Unless the handler settled it already.
/// - `Err` or a panic on the last delivery (`max_deliver`), not settled by the handler,
///   in either mode: the dead-letter step ([`GiveUp`]).
///
/// Every failure and decision is logged at warn level with the subject, stream sequence,
/// delivery count and error.
#[derive(Debug)]
pub(crate) struct Settle {
    pub(crate) manual_ack: bool,
    /// Deliveries after which the message is given up: the options' `max_deliver`, or the
    /// consumer's own when it is lower (a durable created before).
    pub(crate) max_deliver: u32,
    pub(crate) redelivery: Redelivery,
    pub(crate) dead_letter: Option<DeadLetterTarget>,
    pub(crate) stream: String,
    pub(crate) consumer: String,
}

impl Settle {
    fn give_up(&self) -> GiveUp<'_> {
        GiveUp {
            redelivery: &self.redelivery,
            target: self.dead_letter.as_ref(),
            stream: &self.stream,
            consumer: &self.consumer,
        }
    }
}
