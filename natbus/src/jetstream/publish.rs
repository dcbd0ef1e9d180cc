//! Publishing to a stream and waiting for its acknowledgement, with the retries of
//! [`RetryPolicy`] (ADR-22; the decisions are
//! [`PublishRetry`]'s, in natbus-proto).

use bytes::Bytes;
use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::errors::DUPLICATE_IN_PROCESS;
use natbus_proto::jetstream::publish::{NATS_MSG_ID, PubAck, PublishOptions};
use natbus_proto::jetstream::publish_retry::{AttemptFailure, PublishRetry, Retry, RetryPolicy};
use natbus_proto::message::Message;

use super::context::{JetStream, random_name};
use super::error::JetStreamError;
use crate::{RequestError, RequestOptions};

impl JetStream {
    /// Publishes `payload` to `subject` and waits for the stream's [`PubAck`] (its
    /// sequence, and `duplicate` when deduplicated).
    ///
    /// A publish that reaches no stream (the stream has no leader for a moment, e.g. during
    /// an election) is sent again after a wait, as the context's [`RetryPolicy`] says
    /// (default: twice, 250 ms apart; see
    /// [`with_publish_retry`](Self::with_publish_retry)). A message with a `Nats-Msg-Id`
    /// is also sent again after a timeout or a lost connection; the stream stores it once,
    /// and a retry whose first attempt was stored is acknowledged with `duplicate: true`.
    ///
    /// ```no_run
    /// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
    /// let ack = js.publish("orders.new", "order 1").await?;
    /// println!("stored in {} as {}", ack.stream, ack.seq);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`JetStreamError::NoStreamForSubject`] when no stream captures the subject,
    /// [`JetStreamError::StreamNotResponding`] when a stream captures it but did not answer
    /// any attempt (no leader), [`JetStreamError::TimedOut`], or an API error from the
    /// stream.
    pub async fn publish(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<PubAck, JetStreamError> {
        self.publish_with(subject, None, &PublishOptions::default(), payload)
            .await
    }

    /// Publishes with headers and [`PublishOptions`]: `msg_id` for deduplication (and safe
    /// retries after a timeout) and the `expected_*` preconditions (a failed one is an API
    /// error such as `is_wrong_last_sequence`).
    ///
    /// ```no_run
    /// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
    /// use natbus::jetstream::PublishOptions;
    /// let options = PublishOptions { msg_id: Some("order-1".into()), ..PublishOptions::default() };
    /// let ack = js.publish_with("orders.new", None, &options, "order 1").await?;
    /// if ack.duplicate {
    ///     println!("order-1 was already stored, as {}", ack.seq);
    /// }
    /// # Ok(()) }
    /// ```
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
        let payload = payload.into();
        let (headers, has_msg_id) = self.publish_headers(headers, options);
        let mut retry = PublishRetry::new(self.retry, has_msg_id);
        loop {
            let result = match self
                .client
                .request_with(
                    subject,
                    payload.clone(),
                    RequestOptions {
                        headers: headers.clone(),
                        timeout: Some(self.timeout),
                    },
                )
                .await
            {
                Ok(reply) => parse_pub_ack(subject, &reply),
                Err(e) => Err(JetStreamError::from_publish_request(e)),
            };
            let error = match result {
                Ok(ack) => return Ok(ack),
                Err(e) => e,
            };
            let Some(failure) = attempt_failure(&error) else {
                return Err(error);
            };
            match retry.on_failure(failure, self.now()) {
                Retry::At(at) => self.sleep_until(at).await,
                Retry::GiveUp => return Err(self.final_error(error, &retry, subject).await),
            }
        }
    }

    /// Uses `policy` for the retries of this context's publishes (all of
    /// [`publish`](Self::publish), [`publish_with`](Self::publish_with) and
    /// [`publish_async`](Self::publish_async)).
    ///
    /// ```
    /// # fn demo(js: natbus::jetstream::JetStream) {
    /// use std::time::Duration;
    /// use natbus::jetstream::RetryPolicy;
    /// // Ride out elections of up to ~10 s; ids make timeouts safe to retry too.
    /// let js = js.with_publish_retry(
    ///     RetryPolicy::default().attempts(40).wait(Duration::from_millis(250)).generate_msg_id(true),
    /// );
    /// # let _ = js;
    /// # }
    /// ```
    pub fn with_publish_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The retry policy of this context's publishes.
    pub fn publish_retry(&self) -> RetryPolicy {
        self.retry
    }

    /// The headers of a publish (the caller's plus those `options` ask for, plus a
    /// generated `Nats-Msg-Id` when the policy says so), and whether it has an id.
    pub(crate) fn publish_headers(
        &self,
        headers: Option<HeaderMap>,
        options: &PublishOptions,
    ) -> (Option<HeaderMap>, bool) {
        let mut headers = with_options(headers, options);
        let has_id = headers
            .as_ref()
            .is_some_and(|h| h.get(NATS_MSG_ID).is_some());
        if has_id || !self.retry.generates_msg_id() {
            return (headers, has_id);
        }
        headers
            .get_or_insert_with(HeaderMap::default)
            .insert(NATS_MSG_ID, random_name(&self.client));
        (headers, true)
    }

    /// The error to report once retrying is over: for no responders, whether a stream
    /// captures the subject at all (one cheap look-up), so the error says which of "no
    /// stream" and "no leader" it is.
    pub(crate) async fn final_error(
        &self,
        error: JetStreamError,
        retry: &PublishRetry,
        subject: &str,
    ) -> JetStreamError {
        if !matches!(error, JetStreamError::NoStreamForSubject { .. }) {
            return error;
        }
        let attempts = retry.attempts();
        match self.stream_names(Some(subject)).await {
            Ok(names) if names.is_empty() => JetStreamError::NoStreamForSubject {
                subject: subject.to_owned(),
            },
            Ok(mut names) => JetStreamError::StreamNotResponding {
                subject: subject.to_owned(),
                stream: Some(names.swap_remove(0)),
                attempts,
            },
            Err(_) => JetStreamError::StreamNotResponding {
                subject: subject.to_owned(),
                stream: None,
                attempts,
            },
        }
    }
}

/// Which retryable failure `error` is, if it is one.
pub(crate) fn attempt_failure(error: &JetStreamError) -> Option<AttemptFailure> {
    match error {
        JetStreamError::NoStreamForSubject { .. } => Some(AttemptFailure::NoResponders),
        JetStreamError::TimedOut { .. } | JetStreamError::Timeout { .. } => {
            Some(AttemptFailure::TimedOut)
        }
        JetStreamError::Request(RequestError::Disconnected { .. }) => {
            Some(AttemptFailure::ConnectionLost)
        }
        JetStreamError::Api(e) if e.is(DUPLICATE_IN_PROCESS) => {
            Some(AttemptFailure::DuplicateInProcess)
        }
        _ => None,
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
