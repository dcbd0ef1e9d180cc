//! Steering a consumer that exists: unpinning a priority group, pausing and resuming,
//! resetting its delivery.

use natbus_proto::jetstream::consumer_info::{
    PauseRequest, PauseResponse, ResetRequest, ResetResponse,
};
use natbus_proto::jetstream::features::Feature;
use natbus_proto::jetstream::priority::{UnpinRequest, validate_group_name};
use natbus_proto::time::SystemTime;
use serde::de::IgnoredAny;

use crate::jetstream::context::JetStream;
use crate::jetstream::error::JetStreamError;

impl JetStream {
    /// Unpins the client pinned in `group` of a `pinned_client` consumer (nats-server
    /// 2.11+): the server pins another waiting client, and requests still carrying the
    /// old pin id get status `423`.
    ///
    /// ```no_run
    /// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
    /// js.unpin_consumer("ORDERS", "worker", "jobs").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// An invalid group name; [`JetStreamError::ServerTooOld`] before 2.11; the stream,
    /// consumer or group does not exist (API errors 10059, 10014, 10160).
    pub async fn unpin_consumer(
        &self,
        stream: &str,
        consumer: &str,
        group: &str,
    ) -> Result<(), JetStreamError> {
        validate_group_name(group).map_err(|e| JetStreamError::InvalidOption(e.to_string()))?;
        let subject = self.prefix.consumer_unpin(stream, consumer)?;
        let request = UnpinRequest {
            group: group.to_owned(),
        };
        let body = serde_json::to_vec(&request)?;
        let _: IgnoredAny = self
            .api_request_requiring(&[Feature::PriorityGroups], &subject, body)
            .await?;
        Ok(())
    }

    /// Pauses a consumer until `until` (nats-server 2.11+): the server delivers nothing to
    /// it, push or pull, until then (pull requests wait), and resumes by itself at that
    /// time. A time in the past resumes at once.
    ///
    /// ```no_run
    /// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
    /// use std::time::{Duration, SystemTime};
    ///
    /// let state = js
    ///     .pause_consumer("ORDERS", "worker", SystemTime::now() + Duration::from_secs(600))
    ///     .await?;
    /// assert!(state.paused);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`JetStreamError::ServerTooOld`] before 2.11; the stream or consumer does not exist
    /// (API errors 10059, 10014).
    pub async fn pause_consumer(
        &self,
        stream: &str,
        consumer: &str,
        until: SystemTime,
    ) -> Result<PauseResponse, JetStreamError> {
        self.pause_request(stream, consumer, Some(until)).await
    }

    /// Resumes a paused consumer at once (nats-server 2.11+); resuming one that is not
    /// paused is no error.
    ///
    /// ```no_run
    /// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
    /// let state = js.resume_consumer("ORDERS", "worker").await?;
    /// assert!(!state.paused && state.pause_until.is_none());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`pause_consumer`](Self::pause_consumer).
    pub async fn resume_consumer(
        &self,
        stream: &str,
        consumer: &str,
    ) -> Result<PauseResponse, JetStreamError> {
        self.pause_request(stream, consumer, None).await
    }

    async fn pause_request(
        &self,
        stream: &str,
        consumer: &str,
        pause_until: Option<SystemTime>,
    ) -> Result<PauseResponse, JetStreamError> {
        let subject = self.prefix.consumer_pause(stream, consumer)?;
        let body = serde_json::to_vec(&PauseRequest { pause_until })?;
        self.api_request_requiring(&[Feature::ConsumerPause], &subject, body)
            .await
    }

    /// Resets a consumer (nats-server 2.14+): its pending acks and redeliveries are
    /// dropped and delivery starts again, from the first message above the ack floor
    /// (`seq` `None`: everything unacknowledged is delivered again) or from stream
    /// sequence `seq`.
    ///
    /// A sequence is accepted for consumers delivering `all` (forwards or backwards), and
    /// for `by_start_sequence` / `by_start_time` ones when it is not below their start.
    ///
    /// ```no_run
    /// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
    /// // Replay the stream from sequence 100.
    /// let reset = js.reset_consumer("ORDERS", "worker", Some(100)).await?;
    /// assert_eq!(reset.reset_seq, 100);
    /// println!("{} messages to deliver", reset.info.num_pending);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`JetStreamError::ServerTooOld`] before 2.14; a sequence the consumer's deliver
    /// policy does not allow (API error 10204); the stream or consumer does not exist
    /// (10059, 10014).
    pub async fn reset_consumer(
        &self,
        stream: &str,
        consumer: &str,
        seq: Option<u64>,
    ) -> Result<ResetResponse, JetStreamError> {
        let subject = self.prefix.consumer_reset(stream, consumer)?;
        let body = serde_json::to_vec(&ResetRequest { seq })?;
        self.api_request_requiring(&[Feature::ConsumerReset], &subject, body)
            .await
    }
}
