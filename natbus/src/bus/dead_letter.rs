//! The dead-letter step: a message whose handler failed on its last delivery is handed to
//! the callback, republished to the dead-letter subject with what went wrong, and
//! terminated, so the consumer moves on and a person can look at it later.

use bytes::Bytes;
use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::publish::PublishOptions;
use natbus_proto::subject::{matches, validate_publish};

use super::error::BusError;
use super::handler::HandlerError;
use super::nats_bus::Bus;
use super::redelivery::{
    DEAD_LETTER_CONSUMER_HEADER, DEAD_LETTER_DELIVERIES_HEADER, DEAD_LETTER_ERROR_HEADER,
    DEAD_LETTER_SEQUENCE_HEADER, DEAD_LETTER_STREAM_HEADER, DEAD_LETTER_SUBJECT_HEADER, DeadLetter,
    Redelivery, one_line,
};
use crate::catch_unwind::catch_panics;
use crate::client::Client;
use crate::envelope::ReceivedMessage;
use crate::jetstream::JetStream;

/// Longest error text put into a header or a term reason.
const MAX_ERROR_TEXT: usize = 1024;

/// How dead letters reach their subject.
#[derive(Debug, Clone)]
enum Route {
    /// A stream captures the subject: published with JetStream, stored once acknowledged.
    Stream(JetStream),
    /// No stream does: a plain NATS message, seen only by current subscribers.
    Core(Client),
}

/// Where a subscription's dead letters go.
#[derive(Debug, Clone)]
pub(crate) struct DeadLetterTarget {
    subject: String,
    route: Route,
}

impl Bus {
    /// Checks the failure policy of a subscription to `subject` and finds out how its dead
    /// letters are published: with JetStream when a stream captures the dead-letter
    /// subject, else as plain NATS (with a warning, since nobody may be listening).
    pub(super) async fn dead_letter_target(
        &self,
        subject: &str,
        redelivery: &Redelivery,
    ) -> Result<Option<DeadLetterTarget>, BusError> {
        if redelivery.max_deliver == 0 {
            return Err(BusError::InvalidOption(
                "max_deliver must be at least 1".into(),
            ));
        }
        let Some(dead) = &redelivery.dead_letter_subject else {
            return Ok(None);
        };
        validate_publish(dead)
            .map_err(|e| BusError::InvalidOption(format!("dead-letter subject: {e}")))?;
        if matches(subject, dead) {
            return Err(BusError::InvalidOption(format!(
                "dead-letter subject '{dead}' is delivered to this subscription ('{subject}') again"
            )));
        }
        let streams = self.jetstream().stream_names(Some(dead)).await?;
        let route = if streams.is_empty() {
            tracing::warn!(dead_letter = %dead,
                "no stream captures the dead-letter subject: dead letters are published as plain NATS messages, lost when nobody listens");
            Route::Core(self.client().clone())
        } else {
            Route::Stream(self.jetstream().clone())
        };
        Ok(Some(DeadLetterTarget {
            subject: dead.clone(),
            route,
        }))
    }
}

/// What the dead-letter step needs besides the message.
#[derive(Debug)]
pub(crate) struct GiveUp<'a> {
    pub(crate) redelivery: &'a Redelivery,
    pub(crate) target: Option<&'a DeadLetterTarget>,
    pub(crate) stream: &'a str,
    pub(crate) consumer: &'a str,
}

impl GiveUp<'_> {
    /// Runs the dead-letter step for `message`, whose last delivery failed with `error`.
    pub(crate) async fn run(&self, message: &ReceivedMessage, error: &str) {
        let (stream_seq, delivered) = message
            .metadata()
            .map_or((0, 0), |m| (m.stream_sequence, m.delivered));
        let error = one_line(error, MAX_ERROR_TEXT);
        let subject = message.subject();
        tracing::warn!(%subject, stream_seq, delivered, error = %error,
            dead_letter = ?self.target.map(|t| &t.subject),
            "handler failed on the last delivery; the message is dead-lettered");
        if let Some(callback) = &self.redelivery.on_dead_letter {
            let letter = DeadLetter {
                message: message.clone(),
                error: error.clone(),
                stream: self.stream.to_owned(),
                consumer: self.consumer.to_owned(),
                stream_sequence: stream_seq,
                deliveries: delivered,
            };
            if catch_panics(|| (callback.0)(letter)).await.is_none() {
                tracing::warn!(%subject, stream_seq, "the dead-letter callback panicked");
            }
        }
        if let Some(target) = self.target {
            if let Err(e) = self.republish(target, message, &error).await {
                let retry_in = self.redelivery.backoff.last().copied().unwrap_or_default();
                tracing::warn!(%subject, stream_seq, dead_letter = %target.subject, error = %e,
                    ?retry_in, "could not publish the dead letter; the message is nak'd, not terminated");
                if let Err(e) = message.nak_with_delay(retry_in).await {
                    tracing::warn!(stream_seq, error = %e, "could not nak the message");
                }
                return;
            }
        }
        if let Err(e) = message.term_with_reason(&error).await {
            tracing::warn!(stream_seq, error = %e, "could not terminate the message");
        }
    }

    async fn republish(
        &self,
        target: &DeadLetterTarget,
        message: &ReceivedMessage,
        error: &str,
    ) -> Result<(), HandlerError> {
        let headers = self.headers(message, error);
        let payload = Bytes::clone(message.payload());
        match &target.route {
            Route::Stream(js) => {
                let ack = js
                    .publish_with(
                        &target.subject,
                        Some(headers),
                        &PublishOptions::default(),
                        payload,
                    )
                    .await?;
                tracing::info!(dead_letter = %target.subject, stored_in = %ack.stream, seq = ack.seq,
                    "dead letter stored");
            }
            Route::Core(client) => {
                client
                    .publish_full(&target.subject, None, Some(&headers), payload)
                    .await?;
                client.flush().await?;
            }
        }
        Ok(())
    }

    /// The original headers, without JetStream's own (`Nats-*`: a message id would be
    /// deduplicated, an expectation would refuse the publish), plus what went wrong.
    fn headers(&self, message: &ReceivedMessage, error: &str) -> HeaderMap {
        let mut headers: HeaderMap = message
            .headers()
            .map(|h| {
                h.iter()
                    .filter(|(name, _)| !is_jetstream_header(name))
                    .collect()
            })
            .unwrap_or_default();
        let (seq, delivered) = message
            .metadata()
            .map_or((0, 0), |m| (m.stream_sequence, m.delivered));
        for (name, value) in [
            (DEAD_LETTER_ERROR_HEADER, error.to_owned()),
            (DEAD_LETTER_STREAM_HEADER, self.stream.to_owned()),
            (DEAD_LETTER_SEQUENCE_HEADER, seq.to_string()),
            (DEAD_LETTER_SUBJECT_HEADER, message.subject().to_owned()),
            (DEAD_LETTER_CONSUMER_HEADER, self.consumer.to_owned()),
            (DEAD_LETTER_DELIVERIES_HEADER, delivered.to_string()),
        ] {
            headers.insert(name, value);
        }
        headers
    }
}

fn is_jetstream_header(name: &str) -> bool {
    name.get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("nats-"))
}

#[cfg(test)]
mod tests {
    use super::is_jetstream_header;

    #[test]
    fn nats_headers_are_jetstreams_own() {
        for name in ["Nats-Msg-Id", "nats-expected-stream", "NATS-X"] {
            assert!(is_jetstream_header(name), "{name}");
        }
        for name in ["content-type", "X-Sender", "Nats", "NatsX", ""] {
            assert!(!is_jetstream_header(name), "{name}");
        }
    }
}
