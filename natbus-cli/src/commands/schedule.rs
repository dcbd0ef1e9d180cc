//! `natbus pub SUBJECT BODY --schedule WHEN --target SUBJECT`: store a message schedule
//! (ADR-51) in the stream capturing SUBJECT, which publishes BODY to the target when it
//! fires. The `--schedule*` flags of `pub` live here so `pub` itself stays core NATS.

use std::time::Duration;

use bytes::Bytes;
use clap::Args;
use natbus_tokio::HeaderMap;
use natbus_tokio::jetstream::{MessageSchedule, Schedule};
use natbus_tokio::proto::time::parse_rfc3339;
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::{jetstream, output};

/// The `--schedule` flags of `natbus pub`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Store the message as a schedule (JetStream; the stream needs --allow-schedules):
    /// `@at 2027-01-15T08:00:00Z` (once, 2.12+), `@every 5m` (2.14+), a six-field cron
    /// expression `0 30 2 * * *` or `@hourly`/`@daily`/`@weekly`/`@monthly`/`@yearly` (2.14+).
    #[arg(long, value_name = "WHEN", requires = "target")]
    pub schedule: Option<String>,
    /// The subject the schedule's messages are published to (a subject of the same stream).
    #[arg(long, value_name = "SUBJECT", requires = "schedule")]
    pub target: Option<String>,
    /// Each produced message expires after this (e.g. 1h; the stream needs --allow-msg-ttl).
    #[arg(long, value_parser = crate::duration::parse, value_name = "DURATION", requires = "schedule")]
    pub schedule_ttl: Option<Duration>,
    /// Publish the last message of this subject instead of BODY (sampling; 2.14+).
    #[arg(long, value_name = "SUBJECT", requires = "schedule")]
    pub schedule_source: Option<String>,
    /// Each produced message replaces the earlier ones on the target (2.14+).
    #[arg(long, requires = "schedule")]
    pub schedule_rollup: bool,
    /// The time zone of a cron schedule (e.g. Europe/Amsterdam; UTC when absent; 2.14+).
    #[arg(long, value_name = "ZONE", requires = "schedule")]
    pub time_zone: Option<String>,
}

impl ScheduleArgs {
    /// The schedule these flags describe, or `None` without `--schedule`.
    ///
    /// # Errors
    /// [`CliError::Usage`] for a schedule that does not parse or the server would refuse.
    pub fn schedule(&self) -> CliResult<Option<MessageSchedule>> {
        let (Some(when), Some(target)) = (&self.schedule, &self.target) else {
            return Ok(None);
        };
        let usage = |e: String| CliError::Usage(format!("--schedule: {e}"));
        let mut schedule = parse_when(when).map_err(usage)?;
        if let Some(zone) = &self.time_zone {
            schedule = schedule
                .in_time_zone(zone)
                .map_err(|e| usage(e.to_string()))?;
        }
        let mut message = MessageSchedule::new(schedule, target.trim());
        if let Some(ttl) = self.schedule_ttl {
            message = message.ttl(ttl);
        }
        if let Some(source) = &self.schedule_source {
            message = message.source(source.trim());
        }
        if self.schedule_rollup {
            message = message.rollup();
        }
        Ok(Some(message))
    }
}

/// `@at TIME`, `@every DURATION`, or a cron expression.
fn parse_when(when: &str) -> Result<Schedule, String> {
    let when = when.trim();
    if let Some(time) = when.strip_prefix("@at ") {
        let at = parse_rfc3339(time.trim())
            .map_err(|e| format!("'{}' is not an RFC 3339 time: {e}", time.trim()))?;
        return Ok(Schedule::At(at));
    }
    if let Some(interval) = when.strip_prefix("@every ") {
        let d = crate::duration::parse(interval.trim())?;
        return Schedule::every(d).map_err(|e| e.to_string());
    }
    Schedule::cron(when).map_err(|e| e.to_string())
}

/// Stores the schedule and says where.
///
/// # Errors
/// Bad flags, no connection, or the server's refusal (e.g. a stream without schedules, a
/// server too old for this kind of schedule).
pub async fn run(
    global: &GlobalArgs,
    subject: &str,
    schedule: &MessageSchedule,
    headers: Option<HeaderMap>,
    body: Bytes,
) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    let stored = js
        .publish_schedule_with(subject, headers, schedule, body)
        .await;
    client.close().await;
    let ack = stored.map_err(|source| CliError::JetStream {
        what: format!("could not store the schedule on '{subject}'"),
        source,
    })?;
    let when = schedule.schedule.header_value();
    if global.json {
        output::json_line(&json!({
            "subject": subject,
            "stream": ack.stream,
            "seq": ack.seq,
            "schedule": when,
            "target": schedule.target,
        }))
    } else {
        output::note(format!(
            "Scheduled \"{when}\" on \"{subject}\" (stream {} seq {}), publishing to \"{}\"",
            ack.stream, ack.seq, schedule.target
        ));
        Ok(())
    }
}
