//! Noticing that a push consumer's server-side consumer is gone.
//!
//! A push subscription only listens on its deliver subject: if the consumer disappears
//! (deleted by an operator, or lost with a server that restarted without it), nothing
//! more arrives and nothing says why. So after every reconnect, and whenever two
//! heartbeat intervals pass in silence, the subscription asks the server whether its
//! consumer still exists. An ephemeral consumer this subscription created itself is
//! created again, starting after the last message it delivered (no redelivery of what
//! the application already saw); any other missing consumer ends the stream with a
//! [`JetStreamError::Terminal`] the application can act on.

use natbus_proto::jetstream::consumer::{ConsumerConfig, DeliverPolicy};
use natbus_proto::jetstream::metadata::MessageMetadata;
use natbus_proto::jetstream::terminal::TerminalReason;
use natbus_proto::subject::Subject;

use crate::jetstream::context::JetStream;
use crate::jetstream::error::JetStreamError;

/// The server-side consumer a push subscription depends on.
pub(super) struct ConsumerWatch {
    pub(super) stream: String,
    pub(super) name: String,
    /// The config to create an ephemeral consumer again with (`None`: never re-create).
    recreate: Option<ConsumerConfig>,
    /// The reply (ack) subject of the last message handed out, kept only when the
    /// consumer may be re-created: its stream sequence is where the new one starts.
    last_reply: Option<Subject>,
}

/// What a check found.
pub(super) enum Checked {
    /// The consumer exists (or the check failed for now; the next one retries).
    Fine,
    /// It was gone and an identical one was created: deliveries resume.
    Recreated,
    /// It is gone for good: yield this and end.
    Gone(JetStreamError),
}

impl ConsumerWatch {
    pub(super) fn new(stream: &str, name: &str, recreate: Option<ConsumerConfig>) -> Self {
        ConsumerWatch {
            stream: stream.to_owned(),
            name: name.to_owned(),
            recreate,
            last_reply: None,
        }
    }

    /// Notes a delivered message (a reference-count increment, and only for consumers
    /// that may be re-created).
    pub(super) fn delivered(&mut self, reply: Option<&Subject>) {
        if self.recreate.is_some() {
            self.last_reply = reply.cloned();
        }
    }

    /// Asks the server whether the consumer still exists, and acts on the answer.
    pub(super) async fn check(&mut self, js: &JetStream) -> Checked {
        match js.consumer_info(&self.stream, &self.name).await {
            Ok(_) => return Checked::Fine,
            Err(JetStreamError::Api(e)) if e.is_stream_not_found() => {
                return self.gone(TerminalReason::StreamDeleted {
                    stream: self.stream.clone(),
                });
            }
            Err(JetStreamError::Api(e)) if e.is_consumer_not_found() => {}
            Err(e) => {
                tracing::debug!(consumer = %self.name, error = %e, "consumer check failed; retrying later");
                return Checked::Fine;
            }
        }
        let Some(mut config) = self.recreate.clone() else {
            return self.gone(TerminalReason::ConsumerNotFound {
                consumer: self.name.clone(),
            });
        };
        let start = self
            .last_reply
            .as_ref()
            .and_then(|r| MessageMetadata::parse(r.as_str()).ok())
            .map(|m| m.stream_sequence + 1);
        if let Some(seq) = start {
            config.deliver_policy = DeliverPolicy::ByStartSequence(seq);
        }
        match js.create_consumer(&self.stream, config).await {
            Ok(info) => {
                tracing::warn!(old = %self.name, new = %info.name, stream = %self.stream, "ephemeral push consumer was gone; created it again");
                self.name = info.name;
                Checked::Recreated
            }
            Err(e) => {
                tracing::warn!(consumer = %self.name, error = %e, "could not create the push consumer again; retrying later");
                Checked::Fine
            }
        }
    }

    fn gone(&self, why: TerminalReason) -> Checked {
        Checked::Gone(JetStreamError::Terminal(why))
    }
}
