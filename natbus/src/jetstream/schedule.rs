//! Publishing message schedules (ADR-51): a message the stream publishes later, to a
//! target subject, once or repeatedly.

use bytes::Bytes;
use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::publish::{PubAck, PublishOptions};
use natbus_proto::jetstream::schedule::MessageSchedule;

use super::context::JetStream;
use super::error::JetStreamError;

impl JetStream {
    /// Stores `payload` on `subject` as a schedule: the stream (created with
    /// `allow_msg_schedules`) publishes it to `schedule.target` when the schedule fires.
    /// The last message on `subject` is the schedule, so publishing another replaces it and
    /// purging the subject stops it; one subject per schedule (e.g. `schedules.<id>`).
    ///
    /// ```no_run
    /// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
    /// use std::time::{Duration, SystemTime};
    /// use natbus::jetstream::{MessageSchedule, Schedule, StreamConfig};
    ///
    /// let mut config = StreamConfig::new("ORDERS").subjects(["orders.>", "schedules.>"]);
    /// config.allow_msg_schedules = true;
    /// js.create_stream(config).await?;
    ///
    /// // Once, in an hour, on orders.reminders.
    /// let at = SystemTime::now() + Duration::from_secs(3600);
    /// js.publish_schedule("schedules.remind.42", &MessageSchedule::new(Schedule::At(at), "orders.reminders"), "order 42").await?;
    /// // Every weekday at 08:00 in Amsterdam (server 2.14+).
    /// let cron = Schedule::cron("0 0 8 * * mon-fri")?.in_time_zone("Europe/Amsterdam")?;
    /// js.publish_schedule("schedules.report", &MessageSchedule::new(cron, "orders.report"), "").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`JetStreamError::Schedule`] for a schedule the server would refuse (checked before
    /// sending), [`JetStreamError::ServerTooOld`] when the server lacks a part of it
    /// (`@at` needs 2.12; intervals, cron, time zones, sources and rollups 2.14), or the
    /// stream's refusal as an API error (e.g.
    /// [`SCHEDULES_DISABLED`](natbus_proto::jetstream::schedule::SCHEDULES_DISABLED) when
    /// the stream does not allow schedules, `per-message TTL is disabled` (10166) for a TTL
    /// on a stream without `allow_msg_ttl`).
    pub async fn publish_schedule(
        &self,
        subject: impl AsRef<str>,
        schedule: &MessageSchedule,
        payload: impl Into<Bytes>,
    ) -> Result<PubAck, JetStreamError> {
        self.publish_schedule_with(subject, None, schedule, payload)
            .await
    }

    /// [`publish_schedule`](Self::publish_schedule) with headers of the caller's, which
    /// the produced messages carry verbatim.
    ///
    /// # Errors
    /// As [`publish_schedule`](Self::publish_schedule).
    pub async fn publish_schedule_with(
        &self,
        subject: impl AsRef<str>,
        headers: Option<HeaderMap>,
        schedule: &MessageSchedule,
        payload: impl Into<Bytes>,
    ) -> Result<PubAck, JetStreamError> {
        let subject = subject.as_ref();
        schedule.validate(subject)?;
        self.require_all(&schedule.features()).await?;
        let mut headers = headers.unwrap_or_default();
        for (name, value) in schedule.headers() {
            headers.insert(name, value);
        }
        self.publish_with(subject, Some(headers), &PublishOptions::default(), payload)
            .await
    }
}
