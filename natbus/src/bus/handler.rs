//! Handlers: the async functions a subscription runs for each message, and what the bus
//! does with their outcome (automatic or manual acknowledgement).

use std::future::Future;
use std::sync::Arc;

use crate::catch_unwind::catch_panics;
use crate::envelope::ReceivedMessage;
use crate::runtime::BoxFuture;

/// What a bus or service handler returns on failure: any error (`?` converts most errors
/// into it, and `"text".into()` makes one).
pub type HandlerError = Box<dyn std::error::Error + Send + Sync + 'static>;

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

    /// Runs the handler for one message and settles it: with automatic acks, `Ok` acks and
    /// `Err` naks (unless the handler already acked, nak'd or terminated it); with manual
    /// acks the handler's own acks are all there is.
    pub(crate) async fn handle(&self, message: ReceivedMessage, manual_ack: bool) {
        let outcome = self.call(message.clone()).await;
        // Only for the log lines; a malformed ack subject (never from a server) logs zeros.
        let (stream_seq, delivered) = message
            .metadata()
            .map_or((0, 0), |m| (m.stream_sequence, m.delivered));
        let settle = match &outcome {
            Ok(()) if manual_ack || message.is_acknowledged() => None,
            Ok(()) => Some(message.ack().await),
            Err(e) if manual_ack => {
                tracing::warn!(subject = %message.subject(), stream_seq, delivered, error = %e,
                    "handler failed (manual ack: the handler decides; an unacknowledged message is redelivered after ack_wait)");
                None
            }
            Err(e) => {
                tracing::warn!(subject = %message.subject(), stream_seq, delivered, error = %e,
                    "handler failed; the message is nak'd for redelivery");
                if message.is_acknowledged() {
                    None
                } else {
                    Some(message.nak().await)
                }
            }
        };
        if let Some(Err(e)) = settle {
            tracing::warn!(stream_seq, error = %e, "could not acknowledge the message");
        }
    }
}
