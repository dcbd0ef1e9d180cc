//! Which server a JetStream feature needs, and whether the connected one has it.
//!
//! Servers ignore JSON fields and headers they do not know. A 2.10 server asked to create
//! a stream with `allow_msg_counter: true` creates a plain stream, and a scheduled message
//! published to it is stored as an ordinary message: nothing fails, the feature silently
//! does not happen. So a client must know what the server it talks to can do before it
//! relies on a feature. This module is that knowledge, as data and pure functions:
//!
//! - [`Feature`]: every JetStream feature newer than 2.10 that natbus uses, each with the
//!   first server release that has it ([`Feature::min_version`]) and the JetStream API
//!   level of that release ([`Feature::api_level`], ADR-44).
//! - [`ServerSupport`]: what one server can do, from its INFO (`version` and, since 2.12,
//!   `api_lvl`) or from the `api.level` of `$JS.API.INFO`. [`ServerSupport::check`] says
//!   whether a feature is there, or returns [`ServerTooOld`] naming the feature, the
//!   version it needs and the server's version.
//! - [`REQUIRED_API_LEVEL_HEADER`] and [`required_api_level`]: the ADR-44 request header.
//!   Servers 2.12+ refuse a request carrying `Nats-Required-Api-Level: N` when their level
//!   is below N (error 10185, or status `412` on DIRECT.GET and CONSUMER.MSG.NEXT), which
//!   guards against an older JetStream server *behind* the connected one (a leaf node's
//!   hub, an older meta leader during a rolling upgrade). Older servers ignore it, which is
//!   why the INFO check comes first.
//! - [`stream_features`] and [`consumer_features`]: the features a config relies on.
//!
//! # Levels and versions
//!
//! | API level | servers |
//! |---|---|
//! | 0 | before 2.11 (INFO and `$JS.API.INFO` report no level) |
//! | 1 | 2.11 (`$JS.API.INFO` reports it; INFO does not) |
//! | 2 | 2.12.0 (INFO `api_lvl` from here on) |
//! | 3 | later 2.12 patches |
//! | 4 | 2.14 |
//! | 5 | 2.15 |
//!
//! A check compares versions when the server's version is known (it always is for the
//! connected server), and API levels otherwise. Pre-release and development builds count
//! as their release (`2.14.0-RC.1` has the 2.14 features).
//!
//! # Using it (for every feature that needs a server newer than 2.10)
//!
//! In the `natbus` crate, call `JetStream::require(Feature::X).await?` before the first
//! request that relies on the feature, and send JetStream API requests that rely on it
//! with `JetStream::api_request_requiring`, which also adds the header and turns a 10185
//! reply into the same typed error. Stream and consumer creation check
//! [`stream_features`] / [`consumer_features`] themselves. A new feature gets a variant
//! here, with its release and level read from nats-server's `jetstream_versioning.go`.
//!
//! ```
//! use natbus_proto::info::ServerInfo;
//! use natbus_proto::jetstream::features::{Feature, ServerSupport};
//! use natbus_proto::server_version::ServerVersion;
//!
//! let info = ServerInfo::parse(br#"{"version":"2.10.26","jetstream":true}"#)?;
//! let server = ServerSupport::from_info(&info);
//! assert!(server.check(Feature::MessageTtl).is_err());
//! let err = server.check(Feature::MessageCounters).unwrap_err();
//! assert_eq!(err.needs, ServerVersion::new(2, 12, 0));
//! assert_eq!(
//!     err.to_string(),
//!     "message counters need nats-server 2.12.0 or newer (JetStream API level 2); the connected server is 2.10.26"
//! );
//!
//! let info = ServerInfo::parse(br#"{"version":"2.15.1","api_lvl":5}"#)?;
//! assert!(ServerSupport::from_info(&info).check(Feature::MessageCounters).is_ok());
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::fmt;

use super::consumer::ConsumerConfig;
use super::consumer_policy::PriorityPolicy;
use super::stream::StreamConfig;
use crate::info::ServerInfo;
use crate::server_version::ServerVersion;

/// The request header of ADR-44: the responding server must have at least this API level.
pub const REQUIRED_API_LEVEL_HEADER: &str = "Nats-Required-Api-Level";

/// The err_code of a JetStream API reply refusing [`REQUIRED_API_LEVEL_HEADER`] (HTTP 412).
pub const REQUIRED_API_LEVEL_ERR_CODE: u16 = 10185;

/// A JetStream feature that needs a server newer than 2.10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// Per-message TTLs: `allow_msg_ttl` streams and the `Nats-TTL` header (ADR-43).
    MessageTtl,
    /// Subject delete markers (`subject_delete_marker_ttl`), the key-value limit markers of
    /// ADR-48.
    SubjectDeleteMarkers,
    /// Pausing and resuming consumers (`pause_until`, `CONSUMER.PAUSE`).
    ConsumerPause,
    /// Priority groups with the overflow and pinned-client policies, and unpinning (ADR-42).
    PriorityGroups,
    /// The `prioritized` priority policy (ADR-42).
    PrioritizedPolicy,
    /// Batch direct get: `batch` with `next_by_subj` or `start_time`, ended by `204 EOB`
    /// (ADR-31).
    DirectGetBatch,
    /// Multi-subject last-message direct get: `multi_last`, `up_to_seq`, `up_to_time`
    /// (ADR-31).
    DirectGetMultiLast,
    /// Counter streams (`allow_msg_counter`) and the `Nats-Incr` header (ADR-49).
    MessageCounters,
    /// Atomic batch publishing (`allow_atomic`, ADR-50).
    AtomicBatch,
    /// Message schedules (`allow_msg_schedules`): a message delivered once at a time
    /// (`@at`), to a target subject, with an optional TTL (ADR-51).
    MessageSchedules,
    /// Repeating schedules: `@every <interval>`, cron expressions and the predefined
    /// `@hourly`-style schedules (ADR-51).
    RepeatingSchedules,
    /// Cron schedules in a time zone (`Nats-Schedule-Time-Zone`, ADR-51).
    ScheduleTimeZone,
    /// Schedules that publish the last message of a source subject (sampling,
    /// `Nats-Schedule-Source`, ADR-51).
    ScheduleSource,
    /// Schedules whose messages roll up their target subject (`Nats-Schedule-Rollup`,
    /// ADR-51).
    ScheduleRollup,
    /// The asynchronous persist mode of streams (`persist_mode: "async"`).
    AsyncPersist,
    /// Fast-ingest (flow-controlled) batch publishing (`allow_batched`, ADR-50).
    FastBatch,
    /// Resetting a consumer to a sequence (`CONSUMER.RESET`).
    ConsumerReset,
}

impl Feature {
    /// The first nats-server release with the feature.
    pub const fn min_version(self) -> ServerVersion {
        match self {
            Feature::MessageTtl
            | Feature::SubjectDeleteMarkers
            | Feature::ConsumerPause
            | Feature::PriorityGroups
            | Feature::DirectGetBatch
            | Feature::DirectGetMultiLast => ServerVersion::new(2, 11, 0),
            Feature::PrioritizedPolicy
            | Feature::MessageCounters
            | Feature::AtomicBatch
            | Feature::MessageSchedules
            | Feature::AsyncPersist => ServerVersion::new(2, 12, 0),
            Feature::RepeatingSchedules
            | Feature::ScheduleTimeZone
            | Feature::ScheduleSource
            | Feature::ScheduleRollup
            | Feature::FastBatch
            | Feature::ConsumerReset => ServerVersion::new(2, 14, 0),
        }
    }

    /// The JetStream API level of [`min_version`](Self::min_version) (ADR-44): what a
    /// server without a known version must report, and what
    /// [`REQUIRED_API_LEVEL_HEADER`] asks for.
    pub const fn api_level(self) -> u32 {
        release_api_level(self.min_version())
    }

    /// The feature's name in error messages.
    pub const fn name(self) -> &'static str {
        match self {
            Feature::MessageTtl => "per-message TTLs",
            Feature::SubjectDeleteMarkers => "subject delete markers",
            Feature::ConsumerPause => "consumer pause",
            Feature::PriorityGroups => "priority groups",
            Feature::PrioritizedPolicy => "the prioritized priority policy",
            Feature::DirectGetBatch => "batch direct gets",
            Feature::DirectGetMultiLast => "multi-subject direct gets",
            Feature::MessageCounters => "message counters",
            Feature::AtomicBatch => "atomic batch publishing",
            Feature::MessageSchedules => "message schedules",
            Feature::RepeatingSchedules => "repeating message schedules",
            Feature::ScheduleTimeZone => "schedule time zones",
            Feature::ScheduleSource => "schedule sources",
            Feature::ScheduleRollup => "schedule rollups",
            Feature::AsyncPersist => "async persist mode",
            Feature::FastBatch => "fast batch publishing",
            Feature::ConsumerReset => "consumer reset",
        }
    }

    /// Singular grammar for the error message ("consumer pause needs", "message
    /// counters need").
    const fn is_plural(self) -> bool {
        !matches!(
            self,
            Feature::ConsumerPause
                | Feature::PrioritizedPolicy
                | Feature::AtomicBatch
                | Feature::AsyncPersist
                | Feature::FastBatch
                | Feature::ConsumerReset
        )
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one server can do: its version and JetStream API level, as far as known.
///
/// Built from the connected server's INFO ([`from_info`](Self::from_info)) or from the
/// `api.level` of a `$JS.API.INFO` reply ([`from_api_level`](Self::from_api_level)) when
/// the JetStream answering is not the connected server (a domain, an imported API, a
/// server without JetStream of its own).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerSupport {
    /// The server's version, when it reported one that parses.
    pub version: Option<ServerVersion>,
    /// The server's JetStream API level, when reported.
    pub api_level: Option<u32>,
}

impl ServerSupport {
    /// What the server that sent `info` can do.
    pub fn from_info(info: &ServerInfo) -> Self {
        Self {
            version: info.version.parse().ok(),
            api_level: info.api_lvl.and_then(|l| u32::try_from(l).ok()),
        }
    }

    /// A JetStream server known only by its API level (`$JS.API.INFO` `api.level`; servers
    /// before 2.11 report none, which parses as 0, their level).
    pub fn from_api_level(level: u32) -> Self {
        Self {
            version: None,
            api_level: Some(level),
        }
    }

    /// Whether the server has `feature`.
    ///
    /// A known version decides; otherwise a known API level; a server that reported
    /// neither is given the benefit of the doubt (the request goes out, and a server 2.12+
    /// still enforces [`REQUIRED_API_LEVEL_HEADER`]).
    ///
    /// # Errors
    /// [`ServerTooOld`] naming the feature, the version it needs and the server's.
    pub fn check(&self, feature: Feature) -> Result<(), ServerTooOld> {
        let supported = match (self.version, self.api_level) {
            (Some(version), _) => version >= feature.min_version(),
            (None, Some(level)) => level >= feature.api_level(),
            (None, None) => true,
        };
        if supported {
            Ok(())
        } else {
            Err(ServerTooOld {
                feature,
                needs: feature.min_version(),
                server: self.version,
                server_api_level: self.api_level,
            })
        }
    }
}

impl ServerSupport {
    /// [`check`](Self::check) for several features: of those the server lacks, the error
    /// names the one needing the newest server (the first such on a tie), so it says which
    /// upgrade is enough.
    ///
    /// # Errors
    /// [`ServerTooOld`].
    pub fn check_all(&self, features: &[Feature]) -> Result<(), ServerTooOld> {
        let lacking = features
            .iter()
            .filter_map(|&f| self.check(f).err())
            .min_by_key(|e| std::cmp::Reverse(e.needs));
        match lacking {
            Some(too_old) => Err(too_old),
            None => Ok(()),
        }
    }
}

/// The API level a release introduced (nats-server's `JSApiLevel` at `x.y.0`).
const fn release_api_level(version: ServerVersion) -> u32 {
    match (version.major, version.minor) {
        (0..=1, _) | (2, ..=10) => 0,
        (2, 11) => 1,
        (2, 12) => 2,
        (2, 13 | 14) => 4,
        _ => 5,
    }
}

/// A feature the server is too old for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ServerTooOld {
    /// The feature asked for.
    pub feature: Feature,
    /// The first server release with it.
    pub needs: ServerVersion,
    /// The server's version: `None` when a JetStream server other than the connected one
    /// refused, known only by its API level.
    pub server: Option<ServerVersion>,
    /// The server's API level, when known.
    pub server_api_level: Option<u32>,
}

impl ServerTooOld {
    /// The refusal of a JetStream server that answered a request carrying
    /// [`REQUIRED_API_LEVEL_HEADER`] with error 10185 or status 412.
    pub fn refused_by_api_level(feature: Feature) -> Self {
        Self {
            feature,
            needs: feature.min_version(),
            server: None,
            server_api_level: None,
        }
    }

    fn describe(&self) -> String {
        let verb = if self.feature.is_plural() {
            "need"
        } else {
            "needs"
        };
        let level = self.feature.api_level();
        let head = format!(
            "{} {verb} nats-server {} or newer (JetStream API level {level})",
            self.feature, self.needs
        );
        match (self.server, self.server_api_level) {
            (Some(v), _) => format!("{head}; the connected server is {v}"),
            (None, Some(l)) => format!("{head}; the JetStream server's API level is {l}"),
            (None, None) => {
                format!("{head}; the JetStream server that answered is older")
            }
        }
    }
}

/// The `Nats-Required-Api-Level` value for requests relying on all of `features`: the
/// highest of their levels, or `None` when no feature needs one.
pub fn required_api_level(features: impl IntoIterator<Item = Feature>) -> Option<u32> {
    features.into_iter().map(Feature::api_level).max()
}

/// The features a stream config relies on (its options newer than 2.10).
///
/// ```
/// use natbus_proto::jetstream::features::{stream_features, Feature};
/// use natbus_proto::jetstream::stream::StreamConfig;
///
/// let mut config = StreamConfig::new("COUNTS");
/// config.allow_msg_counter = true;
/// assert_eq!(stream_features(&config), [Feature::MessageCounters]);
/// assert!(stream_features(&StreamConfig::new("PLAIN")).is_empty());
/// ```
pub fn stream_features(config: &StreamConfig) -> Vec<Feature> {
    let flags = [
        (config.allow_msg_ttl, Feature::MessageTtl),
        (
            config.subject_delete_marker_ttl.is_some(),
            Feature::SubjectDeleteMarkers,
        ),
        (config.allow_msg_counter, Feature::MessageCounters),
        (config.allow_atomic, Feature::AtomicBatch),
        (config.allow_batched, Feature::FastBatch),
        (config.allow_msg_schedules, Feature::MessageSchedules),
        (
            config.persist_mode.as_deref() == Some("async"),
            Feature::AsyncPersist,
        ),
    ];
    flags
        .into_iter()
        .filter_map(|(used, feature)| used.then_some(feature))
        .collect()
}

/// The features a consumer config relies on (its options newer than 2.10).
pub fn consumer_features(config: &ConsumerConfig) -> Vec<Feature> {
    let mut features = Vec::new();
    if config.pause_until.is_some() {
        features.push(Feature::ConsumerPause);
    }
    match config.priority_policy {
        PriorityPolicy::None => {}
        PriorityPolicy::Prioritized => features.push(Feature::PrioritizedPolicy),
        PriorityPolicy::Overflow | PriorityPolicy::PinnedClient => {
            features.push(Feature::PriorityGroups);
        }
    }
    features
}

#[cfg(test)]
#[path = "features_tests.rs"]
mod tests;
