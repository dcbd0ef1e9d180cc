//! Message schedules (ADR-51): a message stored on its own subject that the stream
//! publishes to a target subject later, once or repeatedly.
//!
//! A schedule is an ordinary publish into a stream with `allow_msg_schedules`, carrying
//! headers: `Nats-Schedule` (when), `Nats-Schedule-Target` (where the produced messages
//! go, a subject of the same stream), and optionally `Nats-Schedule-TTL` (a `Nats-TTL` on
//! each produced message; the stream also needs `allow_msg_ttl`),
//! `Nats-Schedule-Source` (publish the last message of that subject instead of the
//! schedule's own body: sampling), `Nats-Schedule-Rollup: sub` (each produced message
//! rolls up the target subject) and `Nats-Schedule-Time-Zone` (cron only). The last
//! message on a schedule subject is the schedule: publishing another replaces it, purging
//! the subject stops it. Produced messages carry `Nats-Scheduler` (the schedule subject)
//! and `Nats-Schedule-Next` (the next firing time, or `purge` after a one-shot `@at`).
//!
//! Which server has what (read from nats-server's `stream.go`/`scheduler.go`): 2.12 knows
//! only `@at` with a target and TTL; 2.14 added `@every`, cron, predefined schedules, time
//! zones, sources and rollups. [`MessageSchedule::features`] names what a schedule needs,
//! so an older server is refused before anything is sent (a server without the feature
//! would store the schedule as a plain message and never fire it).
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use natbus_proto::jetstream::schedule::{MessageSchedule, Schedule};
//!
//! let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
//! let once = MessageSchedule::new(Schedule::At(at), "orders.reminders");
//! once.validate("schedules.order.42")?;
//! assert_eq!(
//!     once.headers(),
//!     [
//!         ("Nats-Schedule", "@at 2027-01-15T08:00:00Z".to_owned()),
//!         ("Nats-Schedule-Target", "orders.reminders".to_owned()),
//!     ]
//! );
//!
//! let nightly = MessageSchedule::new(
//!     Schedule::cron("0 30 2 * * *")?.in_time_zone("Europe/Amsterdam")?,
//!     "reports.nightly",
//! )
//! .ttl(Duration::from_secs(3600))
//! .rollup();
//! assert_eq!(nightly.headers()[0], ("Nats-Schedule", "0 30 2 * * *".to_owned()));
//! # Ok::<(), natbus_proto::jetstream::schedule::ScheduleError>(())
//! ```

use std::time::Duration;

use super::features::Feature;
use super::publish::ROLLUP_SUBJECT;
use crate::subject::validate_publish;
use crate::time::{SystemTime, format_rfc3339};

/// When the schedule fires (`Nats-Schedule`).
pub const NATS_SCHEDULE: &str = "Nats-Schedule";
/// Where produced messages go (`Nats-Schedule-Target`).
pub const NATS_SCHEDULE_TARGET: &str = "Nats-Schedule-Target";
/// The `Nats-TTL` of each produced message (`Nats-Schedule-TTL`).
pub const NATS_SCHEDULE_TTL: &str = "Nats-Schedule-TTL";
/// Publish the last message of this subject instead (`Nats-Schedule-Source`).
pub const NATS_SCHEDULE_SOURCE: &str = "Nats-Schedule-Source";
/// Produced messages roll up their subject (`Nats-Schedule-Rollup: sub`).
pub const NATS_SCHEDULE_ROLLUP: &str = "Nats-Schedule-Rollup";
/// The time zone of a cron schedule (`Nats-Schedule-Time-Zone`).
pub const NATS_SCHEDULE_TIME_ZONE: &str = "Nats-Schedule-Time-Zone";
/// On produced messages: the schedule's subject.
pub const NATS_SCHEDULER: &str = "Nats-Scheduler";
/// On produced messages: the next firing time (RFC 3339), or [`SCHEDULE_NEXT_PURGE`].
pub const NATS_SCHEDULE_NEXT: &str = "Nats-Schedule-Next";
/// [`NATS_SCHEDULE_NEXT`] of a one-shot schedule's message: the schedule is removed.
pub const SCHEDULE_NEXT_PURGE: &str = "purge";

/// 10188: the stream does not allow message schedules.
pub const SCHEDULES_DISABLED: u16 = 10188;
/// 10189: the schedule pattern is invalid (including an `@every` below 1 s).
pub const SCHEDULE_PATTERN_INVALID: u16 = 10189;
/// 10190: the target is missing, not a subject of the stream, or the schedule subject.
pub const SCHEDULE_TARGET_INVALID: u16 = 10190;
/// 10191: the schedule TTL is invalid.
pub const SCHEDULE_TTL_INVALID: u16 = 10191;
/// 10192: the rollup is not `sub`.
pub const SCHEDULE_ROLLUP_INVALID: u16 = 10192;
/// 10203: the source is not a subject of the stream, or equals the target or schedule.
pub const SCHEDULE_SOURCE_INVALID: u16 = 10203;
/// 10223: the server does not know the time zone (or has no tzdata for it).
pub const SCHEDULE_TIME_ZONE_INVALID: u16 = 10223;

/// The shortest `@every` interval the server accepts.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// The predefined cron schedules (`@hourly`, …) the server knows.
const PREDEFINED: [&str; 7] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/// A schedule the client would send but the server would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// An `@every` interval below one second.
    #[error("a schedule interval must be at least 1s, not {0:?}")]
    IntervalTooShort(Duration),
    /// A cron expression that is neither six fields nor a predefined schedule.
    #[error(
        "invalid cron expression {expression:?}: {reason} (six fields: second minute hour day-of-month month day-of-week, or @hourly, @daily, @weekly, @monthly, @yearly)"
    )]
    InvalidCron {
        /// The expression.
        expression: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An empty time zone (omit it for UTC).
    #[error("a schedule time zone must not be empty (leave it out for UTC)")]
    EmptyTimeZone,
    /// A target, source or schedule subject that is not a plain publish subject.
    #[error("invalid schedule {role} subject {subject:?}: {reason}")]
    InvalidSubject {
        /// `"target"`, `"source"` or `"schedule"`.
        role: &'static str,
        /// The subject.
        subject: String,
        /// Why.
        reason: String,
    },
    /// Subjects that must differ do not.
    #[error("the schedule's {0} must differ from {1}")]
    SameSubject(&'static str, &'static str),
    /// A schedule TTL below one second.
    #[error("a schedule TTL must be at least 1s, not {0:?}")]
    TtlTooShort(Duration),
}

/// When a schedule fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Once, at this time (`@at <RFC 3339>`; a time in the past fires at once). 2.12+.
    At(SystemTime),
    /// Repeatedly, every interval (at least 1 s), from when it is stored. 2.14+.
    Every(Duration),
    /// A cron schedule, in UTC unless a time zone is given. 2.14+.
    Cron {
        /// Six fields (`second minute hour day-of-month month day-of-week`) or a predefined
        /// schedule such as `@hourly`.
        expression: String,
        /// An IANA time zone name (`Europe/Amsterdam`), `UTC` or `Local` (the server's).
        time_zone: Option<String>,
    },
}

impl Schedule {
    /// Every `interval`.
    ///
    /// # Errors
    /// [`ScheduleError::IntervalTooShort`] below one second.
    pub fn every(interval: Duration) -> Result<Self, ScheduleError> {
        if interval < MIN_INTERVAL {
            return Err(ScheduleError::IntervalTooShort(interval));
        }
        Ok(Schedule::Every(interval))
    }

    /// A cron expression in UTC: six fields, or a predefined schedule (`@hourly`, `@daily`,
    /// `@weekly`, `@monthly`, `@yearly`/`@annually`, `@midnight`). Fields are checked for
    /// count and characters here; their ranges are checked by the server (10189).
    ///
    /// # Errors
    /// [`ScheduleError::InvalidCron`].
    pub fn cron(expression: &str) -> Result<Self, ScheduleError> {
        let expression = expression.trim();
        let invalid = |reason| ScheduleError::InvalidCron {
            expression: expression.to_owned(),
            reason,
        };
        if expression.starts_with('@') {
            if !PREDEFINED.contains(&expression) {
                return Err(invalid("unknown predefined schedule"));
            }
        } else {
            let fields: Vec<&str> = expression.split_whitespace().collect();
            if fields.len() != 6 {
                return Err(invalid("it needs exactly six fields"));
            }
            let allowed = |c: char| c.is_ascii_alphanumeric() || "*,-/?".contains(c);
            if !fields.iter().all(|f| f.chars().all(allowed)) {
                return Err(invalid(
                    "a field holds a character other than 0-9, a-z, * , - / ?",
                ));
            }
        }
        Ok(Schedule::Cron {
            expression: fields_joined(expression),
            time_zone: None,
        })
    }

    /// This cron schedule in `time_zone` (an IANA name such as `America/New_York`, `UTC`,
    /// or `Local`); the server must have tzdata for it (else 10223). Only cron schedules
    /// take a time zone, which the types enforce: an `@at` time is absolute, an interval
    /// has none.
    ///
    /// # Errors
    /// [`ScheduleError::EmptyTimeZone`]; [`ScheduleError::InvalidCron`] when `self` is not
    /// a cron schedule.
    pub fn in_time_zone(self, time_zone: &str) -> Result<Self, ScheduleError> {
        let time_zone = time_zone.trim();
        if time_zone.is_empty() {
            return Err(ScheduleError::EmptyTimeZone);
        }
        match self {
            Schedule::Cron { expression, .. } => Ok(Schedule::Cron {
                expression,
                time_zone: Some(time_zone.to_owned()),
            }),
            other => Err(ScheduleError::InvalidCron {
                expression: other.header_value(),
                reason: "only cron schedules take a time zone",
            }),
        }
    }

    /// The `Nats-Schedule` header value.
    pub fn header_value(&self) -> String {
        match self {
            Schedule::At(t) => format!("@at {}", format_rfc3339(*t)),
            Schedule::Every(d) => format!("@every {}", go_duration(*d)),
            Schedule::Cron { expression, .. } => expression.clone(),
        }
    }

    /// The server feature this schedule needs.
    pub fn feature(&self) -> Feature {
        match self {
            Schedule::At(_) => Feature::MessageSchedules,
            Schedule::Every(_) | Schedule::Cron { .. } => Feature::RepeatingSchedules,
        }
    }
}

/// Whitespace between cron fields normalised to one space.
fn fields_joined(expression: &str) -> String {
    expression.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A duration as Go's `time.ParseDuration` reads it: whole seconds as `90s`, anything
/// finer in nanoseconds.
fn go_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ns", d.as_nanos())
    }
}

/// A schedule and what it produces: what `JetStream::publish_schedule` (in the `natbus`
/// crate) sends as headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSchedule {
    /// When.
    pub schedule: Schedule,
    /// The subject produced messages are stored on (a subject of the same stream, not the
    /// schedule's own).
    pub target: String,
    /// `Nats-TTL` of each produced message (whole seconds, at least 1 s; the stream needs
    /// `allow_msg_ttl`).
    pub ttl: Option<Duration>,
    /// Publish the last message of this subject (of the same stream) instead of the
    /// schedule's own body; when it has none, the schedule's body is published. 2.14+.
    pub source: Option<String>,
    /// Each produced message rolls up (replaces) the earlier ones on the target. 2.14+.
    pub rollup: bool,
}

impl MessageSchedule {
    /// `schedule`, producing messages on `target`.
    pub fn new(schedule: Schedule, target: impl Into<String>) -> Self {
        Self {
            schedule,
            target: target.into(),
            ttl: None,
            source: None,
            rollup: false,
        }
    }

    /// Each produced message expires after `ttl`.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Publishes the last message of `subject` (sampling).
    pub fn source(mut self, subject: impl Into<String>) -> Self {
        self.source = Some(subject.into());
        self
    }

    /// Each produced message rolls up the target subject.
    pub fn rollup(mut self) -> Self {
        self.rollup = true;
        self
    }

    /// Checks what the server would refuse, for a schedule stored on `schedule_subject`.
    ///
    /// # Errors
    /// A [`ScheduleError`] naming the problem.
    pub fn validate(&self, schedule_subject: &str) -> Result<(), ScheduleError> {
        let plain = |role: &'static str, subject: &str| {
            validate_publish(subject).map_err(|e| ScheduleError::InvalidSubject {
                role,
                subject: subject.to_owned(),
                reason: e.to_string(),
            })
        };
        plain("schedule", schedule_subject)?;
        plain("target", &self.target)?;
        if self.target == schedule_subject {
            return Err(ScheduleError::SameSubject("target", "the schedule subject"));
        }
        if let Some(source) = &self.source {
            plain("source", source)?;
            if *source == self.target {
                return Err(ScheduleError::SameSubject("source", "its target"));
            }
            if source == schedule_subject {
                return Err(ScheduleError::SameSubject("source", "the schedule subject"));
            }
        }
        if let Some(ttl) = self.ttl {
            if ttl < Duration::from_secs(1) {
                return Err(ScheduleError::TtlTooShort(ttl));
            }
        }
        if let Schedule::Every(d) = self.schedule {
            if d < MIN_INTERVAL {
                return Err(ScheduleError::IntervalTooShort(d));
            }
        }
        Ok(())
    }

    /// The headers of the schedule message, in a fixed order.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut h = vec![
            (NATS_SCHEDULE, self.schedule.header_value()),
            (NATS_SCHEDULE_TARGET, self.target.clone()),
        ];
        if let Schedule::Cron {
            time_zone: Some(tz),
            ..
        } = &self.schedule
        {
            h.push((NATS_SCHEDULE_TIME_ZONE, tz.clone()));
        }
        if let Some(ttl) = self.ttl {
            h.push((NATS_SCHEDULE_TTL, format!("{}s", ttl.as_secs())));
        }
        if let Some(source) = &self.source {
            h.push((NATS_SCHEDULE_SOURCE, source.clone()));
        }
        if self.rollup {
            h.push((NATS_SCHEDULE_ROLLUP, ROLLUP_SUBJECT.to_owned()));
        }
        h
    }

    /// The server features this schedule relies on (a TTL also needs per-message TTLs).
    pub fn features(&self) -> Vec<Feature> {
        let mut f = vec![self.schedule.feature()];
        if matches!(
            self.schedule,
            Schedule::Cron {
                time_zone: Some(_),
                ..
            }
        ) {
            f.push(Feature::ScheduleTimeZone);
        }
        if self.ttl.is_some() {
            f.push(Feature::MessageTtl);
        }
        if self.source.is_some() {
            f.push(Feature::ScheduleSource);
        }
        if self.rollup {
            f.push(Feature::ScheduleRollup);
        }
        f
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
