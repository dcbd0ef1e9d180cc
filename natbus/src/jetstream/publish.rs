//! Publishing to a stream and waiting for its acknowledgement.

use bytes::Bytes;
use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::publish::{PubAck, PublishOptions};
use natbus_proto::message::Message;

use super::context::JetStream;
use super::error::JetStreamError;
use crate::RequestOptions;

impl JetStream {
    /// Publishes `payload` to `subject` and waits for the stream's [`PubAck`] (its
    /// sequence, and `duplicate` when deduplicated).
    ///
    /// # Errors
    /// [`JetStreamError::NoStreamForSubject`] when no stream captures the subject,
    /// [`JetStreamError::TimedOut`], or an API error from the stream.
    pub async fn publish(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<PubAck, JetStreamError> {
        self.publish_with(subject, None, &PublishOptions::default(), payload)
            .await
    }

    /// Publishes with headers and [`PublishOptions`]: `msg_id` for deduplication and
    /// the `expected_*` preconditions (a failed one is an API error such as
    /// `is_wrong_last_sequence`).
    ///
    /// # Errors
    /// As [`publish`](Self::publish).
    pub async fn publish_with(
        &self,
        subject: impl AsRef<str>,
        headers: Option<HeaderMap>,
        options: &PublishOptions,
        payload: impl Into<Bytes>,
    ) -> Result<PubAck, JetStreamError> {
        let subject = subject.as_ref();
        let headers = with_options(headers, options);
        let reply = self
            .client
            .request_with(
                subject,
                payload,
                RequestOptions {
                    headers,
                    timeout: Some(self.timeout),
                },
            )
            .await
            .map_err(JetStreamError::from_publish_request)?;
        parse_pub_ack(subject, &reply)
    }
}

/// Adds the headers `options` ask for to `headers`.
pub(crate) fn with_options(
    headers: Option<HeaderMap>,
    options: &PublishOptions,
) -> Option<HeaderMap> {
    let extra = options.headers();
    if extra.is_empty() {
        return headers;
    }
    let mut h = headers.unwrap_or_default();
    for (name, value) in extra {
        h.insert(name, value);
    }
    Some(h)
}

/// Reads a PubAck reply; a 503 status means no stream listens on the subject.
pub(crate) fn parse_pub_ack(subject: &str, reply: &Message) -> Result<PubAck, JetStreamError> {
    if let Some(status) = reply.status() {
        if status.as_u16() == 503 {
            return Err(JetStreamError::NoStreamForSubject {
                subject: subject.to_owned(),
            });
        }
        return Err(JetStreamError::Status {
            code: status.as_u16(),
            description: reply.description().unwrap_or_default().to_owned(),
        });
    }
    Ok(PubAck::parse(&reply.payload)?)
}
