//! `JsMessage`: a delivered JetStream message, its metadata, and its acknowledgements.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use natbus_proto::jetstream::ack::AckKind;
use natbus_proto::jetstream::metadata::{ACK_PREFIX, MessageMetadata, MetadataError};
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
/// subject is the ack subject, which [`metadata`](Self::metadata) parses (stream and
/// consumer sequences, delivery count, timestamp, pending).
///
/// The metadata is parsed on first use, not on delivery: most consumers only ack, and
/// parsing every ack subject (three `String`s) cost as much as the rest of a fetched
/// message's handling.
///
/// After the first final acknowledgement (`ack`, `nak`, `term`) that was queued for sending,
/// further ones are ignored, as the server would ignore them anyway. One that failed (the
/// connection closed) or was cancelled while waiting for buffer room does not count.
#[derive(Debug)]
pub struct JsMessage {
    /// The message as delivered (subject is the stream message's subject).
    pub message: Message,
    /// The ack subject parsed, filled on the first [`metadata`](Self::metadata) call.
    metadata: OnceLock<Result<MessageMetadata, MetadataError>>,
    client: Client,
    ack_timeout: Duration,
    acked: AtomicBool,
}

impl JsMessage {
    /// Wraps a delivered message; fails when its reply is not a JetStream ack subject
    /// (`$JS.ACK.…`). The rest of the subject is only read by [`metadata`](Self::metadata).
    pub(crate) fn new(
        client: Client,
        message: Message,
        ack_timeout: Duration,
    ) -> Result<Self, JetStreamError> {
        // On the bytes: `&str` access re-checks UTF-8 (a third of this function's cost).
        let reply = message.reply.as_ref().map_or(&[][..], |r| r.as_bytes());
        if !reply.starts_with(ACK_PREFIX.as_bytes()) {
            let reply = String::from_utf8_lossy(reply).into_owned();
            return Err(MetadataError::NotJetStream(reply).into());
        }
        Ok(Self::with(client, message, ack_timeout, OnceLock::new()))
    }

    /// Wraps a delivered message whose ack subject the caller already parsed (the ordered
    /// consumer needs the sequences before it delivers), so it is not parsed twice.
    pub(crate) fn with_metadata(
        client: Client,
        message: Message,
        ack_timeout: Duration,
        metadata: MessageMetadata,
    ) -> Self {
        Self::with(client, message, ack_timeout, OnceLock::from(Ok(metadata)))
    }

    fn with(
        client: Client,
        message: Message,
        ack_timeout: Duration,
        metadata: OnceLock<Result<MessageMetadata, MetadataError>>,
    ) -> Self {
        Self {
            message,
            metadata,
            client,
            ack_timeout,
            acked: AtomicBool::new(false),
        }
    }

    /// What the ack subject says about this delivery: stream, consumer, stream and
    /// consumer sequences, delivery count, timestamp, pending. Parsed on the first call
    /// and kept; later calls cost nothing.
    ///
    /// # Errors
    /// [`JetStreamError::Metadata`] when the ack subject is malformed (never the case for
    /// subjects a NATS server writes).
    pub fn metadata(&self) -> Result<&MessageMetadata, JetStreamError> {
        self.metadata
            .get_or_init(|| MessageMetadata::parse(self.ack_subject()))
            .as_ref()
            .map_err(|e| JetStreamError::Metadata(e.clone()))
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
        if !kind.is_final() {
            self.client
                .publish(self.ack_subject(), ack_body(&kind))
                .await?;
            return Ok(());
        }
        if self.acked.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        // Claimed, not yet sent: if the publish fails, or this future is dropped while it
        // waits for room in the outbound buffer, the claim is given back so that a retried
        // ack really sends one instead of reporting success for an ack never written.
        let claim = AckClaim(&self.acked);
        self.client
            .publish(self.ack_subject(), ack_body(&kind))
            .await?;
        std::mem::forget(claim);
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

/// A final ack claimed by [`JsMessage::send`] but not yet queued; dropping it un-claims.
struct AckClaim<'a>(&'a AtomicBool);

impl Drop for AckClaim<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
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
