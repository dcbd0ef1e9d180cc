//! `JsMessage`: a delivered JetStream message, its metadata, and its acknowledgements.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use natbus_proto::jetstream::ack::AckKind;
use natbus_proto::jetstream::metadata::MessageMetadata;
use natbus_proto::message::Message;

use super::error::JetStreamError;
use crate::{Client, RequestOptions};

/// The body of an ack: the fixed ones are static (no allocation per ack), the ones
/// carrying a delay or a reason are built.
fn ack_body(kind: &AckKind) -> Bytes {
    match kind {
        AckKind::Ack => Bytes::from_static(b"+ACK"),
        AckKind::Nak(None) => Bytes::from_static(b"-NAK"),
        AckKind::Term(None) => Bytes::from_static(b"+TERM"),
        AckKind::Progress => Bytes::from_static(b"+WPI"),
        AckKind::Next => Bytes::from_static(b"+NXT"),
        other => Bytes::from(other.body()),
    }
}

/// A message delivered by a consumer. The core [`Message`] is in `message`; its reply
/// subject is the ack subject, parsed into `metadata` (stream and consumer sequences,
/// delivery count, timestamp, pending).
///
/// After the first final acknowledgement (`ack`, `nak`, `term`), further ones are ignored,
/// as the server would ignore them anyway.
#[derive(Debug)]
pub struct JsMessage {
    /// The message as delivered (subject is the stream message's subject).
    pub message: Message,
    /// What the ack subject says about this delivery.
    pub metadata: MessageMetadata,
    client: Client,
    ack_timeout: Duration,
    acked: AtomicBool,
}

impl JsMessage {
    /// Wraps a delivered message; fails when its reply is not a JetStream ack subject.
    pub(crate) fn new(
        client: Client,
        message: Message,
        ack_timeout: Duration,
    ) -> Result<Self, JetStreamError> {
        let reply = message.reply.as_deref().unwrap_or_default();
        let metadata = MessageMetadata::parse(reply)?;
        Ok(Self {
            message,
            metadata,
            client,
            ack_timeout,
            acked: AtomicBool::new(false),
        })
    }

    /// The message's subject.
    pub fn subject(&self) -> &str {
        &self.message.subject
    }

    /// The message's payload.
    pub fn payload(&self) -> &[u8] {
        &self.message.payload
    }

    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.message.headers.as_ref()?.get(name)
    }

    /// The ack subject.
    fn ack_subject(&self) -> &str {
        self.message.reply.as_deref().unwrap_or_default()
    }

    async fn send(&self, kind: AckKind) -> Result<(), JetStreamError> {
        if kind.is_final() && self.acked.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.client
            .publish(self.ack_subject(), ack_body(&kind))
            .await?;
        Ok(())
    }

    /// Acknowledges: the message will not be redelivered. Fire and forget; see
    /// [`double_ack`](Self::double_ack) to know the server processed it.
    ///
    /// # Errors
    /// The connection is closed.
    pub async fn ack(&self) -> Result<(), JetStreamError> {
        self.send(AckKind::Ack).await
    }

    /// Acknowledges and waits for the server's confirmation (up to the JetStream
    /// timeout). The confirmation says the ack was processed, not that it changed
    /// anything (a repeated ack is confirmed too).
    ///
    /// # Errors
    /// [`JetStreamError::TimedOut`] when no confirmation came.
    pub async fn double_ack(&self) -> Result<(), JetStreamError> {
        self.client
            .request_with(
                self.ack_subject(),
                AckKind::Ack.body(),
                RequestOptions {
                    headers: None,
                    timeout: Some(self.ack_timeout),
                },
            )
            .await
            .map_err(JetStreamError::from_api_request)?;
        self.acked.store(true, Ordering::Release);
        Ok(())
    }

    /// Negatively acknowledges: redeliver now.
    ///
    /// # Errors
    /// The connection is closed.
    pub async fn nak(&self) -> Result<(), JetStreamError> {
        self.send(AckKind::Nak(None)).await
    }

    /// Negatively acknowledges: redeliver after `delay`.
    ///
    /// # Errors
    /// The connection is closed.
    pub async fn nak_with_delay(&self, delay: Duration) -> Result<(), JetStreamError> {
        self.send(AckKind::Nak(Some(delay))).await
    }

    /// Terminates: never redeliver this message.
    ///
    /// # Errors
    /// The connection is closed.
    pub async fn term(&self) -> Result<(), JetStreamError> {
        self.send(AckKind::Term(None)).await
    }

    /// Terminates with a reason the server puts into its advisory.
    ///
    /// # Errors
    /// The connection is closed.
    pub async fn term_with_reason(&self, reason: &str) -> Result<(), JetStreamError> {
        self.send(AckKind::Term(Some(reason.to_owned()))).await
    }

    /// Work in progress: resets the ack-wait timer; may be sent repeatedly.
    ///
    /// # Errors
    /// The connection is closed.
    pub async fn in_progress(&self) -> Result<(), JetStreamError> {
        self.send(AckKind::Progress).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_ack_bodies_match_the_protocol_bodies() {
        let kinds = [
            AckKind::Ack,
            AckKind::Nak(None),
            AckKind::Nak(Some(Duration::from_secs(1))),
            AckKind::Term(None),
            AckKind::Term(Some("bad".to_owned())),
            AckKind::Progress,
            AckKind::Next,
        ];
        for kind in kinds {
            assert_eq!(&ack_body(&kind)[..], &kind.body()[..], "{kind:?}");
        }
    }
}
