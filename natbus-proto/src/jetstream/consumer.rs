//! `ConsumerConfig` and the consumer create request.
//!
//! As with streams, fields left unset are not sent, so the server applies its own defaults
//! (`ack_wait` 30 s, `max_ack_pending` 1000, `max_waiting` 512, …). Three fields are
//! always sent because their JSON zero value is not what a client means: `deliver_policy`,
//! `ack_policy` (zero would be `none`) and `replay_policy`.

use crate::time::SystemTime;
use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::api::{ApiPrefix, InvalidName};
use super::asset_metadata::{self, ServerMetadata};
use super::json::{self, is_false, is_zero};
use super::priority::{PriorityError, validate_group_name};

pub use super::consumer_policy::{AckPolicy, DeliverPolicy, PriorityPolicy, ReplayPolicy};

/// The configuration of a consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConsumerConfig {
    /// Durable name: the consumer lives until deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub durable_name: Option<String>,
    /// Consumer name (2.9+); ephemeral when there is no durable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description (at most 4096 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where to start: `deliver_policy` with `opt_start_seq`/`opt_start_time`.
    #[serde(flatten)]
    pub deliver_policy: DeliverPolicy,
    /// Ack policy; always sent.
    #[serde(default = "ack_none")]
    pub ack_policy: AckPolicy,
    /// Redelivery timeout for unacked messages (server default 30 s).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::nanos_opt"
    )]
    pub ack_wait: Option<Duration>,
    /// Most deliveries per message (-1 = unlimited, the server's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_deliver: Option<i64>,
    /// Redelivery delays; overrides `ack_wait`; at most `max_deliver` entries.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "json::nanos_vec"
    )]
    pub backoff: Vec<Duration>,
    /// Only messages on this subject (exclusive with `filter_subjects`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_subject: Option<String>,
    /// Only messages on these subjects (2.10+).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub filter_subjects: Vec<String>,
    /// Replay policy; always sent.
    #[serde(default)]
    pub replay_policy: ReplayPolicy,
    /// Push only: delivery rate limit, bits per second.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rate_limit_bps: u64,
    /// Ack sampling for advisories, e.g. `"100%"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_freq: Option<String>,
    /// Pull only: most outstanding pull requests (server default 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_waiting: Option<i64>,
    /// Most unacknowledged messages (server default 1000 with acks; -1 unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ack_pending: Option<i64>,
    /// Push only: flow control (needs `idle_heartbeat`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub flow_control: bool,
    /// Deliver headers only, with `Nats-Msg-Size`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub headers_only: bool,
    /// Pull only: largest batch per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_batch: Option<i64>,
    /// Pull only: longest request expiry (at least 1 ms).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::nanos_opt"
    )]
    pub max_expires: Option<Duration>,
    /// Pull only: largest `max_bytes` per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<i64>,
    /// Set = push consumer delivering to this subject; unset = pull consumer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver_subject: Option<String>,
    /// Push only: queue group of the subscribers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver_group: Option<String>,
    /// Push only: idle heartbeat interval (at least 100 ms).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::nanos_opt"
    )]
    pub idle_heartbeat: Option<Duration>,
    /// Delete the consumer after this long without activity (ephemerals default to 5 s).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::nanos_opt"
    )]
    pub inactive_threshold: Option<Duration>,
    /// Replicas (zero = as the stream).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub num_replicas: usize,
    /// Keep the consumer state in memory.
    #[serde(default, skip_serializing_if = "is_false")]
    pub mem_storage: bool,
    /// User metadata; reserved `_nats.*` keys are never sent.
    #[serde(
        default,
        skip_serializing_if = "json::metadata_is_empty",
        serialize_with = "json::serialize_metadata",
        deserialize_with = "json::null_default"
    )]
    pub metadata: BTreeMap<String, String>,
    /// Paused until this time (2.11+).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::rfc3339_opt"
    )]
    pub pause_until: Option<SystemTime>,
    /// Priority groups (2.11+).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub priority_groups: Vec<String>,
    /// Priority policy (2.11+).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub priority_policy: PriorityPolicy,
    /// Pin timeout for `pinned_client` (server default 2 min).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::nanos_opt"
    )]
    pub priority_timeout: Option<Duration>,
}

fn ack_none() -> AckPolicy {
    AckPolicy::None
}

/// A config that breaks a rule the server would reject it for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConsumerConfigError {
    /// A name is not usable in a subject.
    #[error("invalid consumer name: {0}")]
    Name(#[from] InvalidName),
    /// `name` and `durable_name` differ.
    #[error("durable_name '{durable}' and name '{name}' must be equal")]
    NameMismatch {
        /// The durable name.
        durable: String,
        /// The name.
        name: String,
    },
    /// Both `filter_subject` and `filter_subjects` are set.
    #[error("set either filter_subject or filter_subjects, not both")]
    BothFilters,
    /// A push-only setting on a pull consumer.
    #[error("{0} needs a push consumer (set deliver_subject)")]
    PushOnly(&'static str),
    /// A pull-only setting on a push consumer.
    #[error("{0} is for pull consumers only (remove deliver_subject)")]
    PullOnly(&'static str),
    /// Flow control without heartbeats.
    #[error("flow_control needs idle_heartbeat")]
    FlowControlWithoutHeartbeat,
    /// More backoff steps than deliveries.
    #[error("backoff has more entries than max_deliver allows")]
    BackoffTooLong,
    /// Priority groups set up in a way the server refuses.
    #[error("{0}")]
    Priority(#[from] PriorityError),
}

impl ConsumerConfig {
    /// A durable pull consumer with explicit acks.
    pub fn durable(name: impl Into<String>) -> Self {
        Self {
            durable_name: Some(name.into()),
            ..Self::default()
        }
    }

    /// A named ephemeral pull consumer with explicit acks.
    pub fn ephemeral(name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            ..Self::default()
        }
    }

    /// Makes this a push consumer delivering to `subject`.
    pub fn push(mut self, subject: impl Into<String>) -> Self {
        self.deliver_subject = Some(subject.into());
        self
    }

    /// Filters on one subject.
    pub fn filter(mut self, subject: impl Into<String>) -> Self {
        self.filter_subject = Some(subject.into());
        self
    }

    /// Sets the deliver policy.
    pub fn deliver(mut self, policy: DeliverPolicy) -> Self {
        self.deliver_policy = policy;
        self
    }

    /// Sets the ack policy.
    pub fn ack(mut self, policy: AckPolicy) -> Self {
        self.ack_policy = policy;
        self
    }

    /// The consumer's name: the durable name, else the name.
    pub fn consumer_name(&self) -> Option<&str> {
        self.durable_name.as_deref().or(self.name.as_deref())
    }

    /// Whether this is a pull consumer (no deliver subject).
    pub fn is_pull(&self) -> bool {
        self.deliver_subject.is_none()
    }

    /// Whether this consumer is durable.
    pub fn is_durable(&self) -> bool {
        self.durable_name.is_some()
    }

    /// Checks the rules the server would reject this config for, before a round trip.
    ///
    /// # Errors
    /// The first [`ConsumerConfigError`] found.
    pub fn validate(&self) -> Result<(), ConsumerConfigError> {
        for n in [&self.durable_name, &self.name].into_iter().flatten() {
            super::api::validate_name(n)?;
        }
        if let (Some(d), Some(n)) = (&self.durable_name, &self.name) {
            if d != n {
                return Err(ConsumerConfigError::NameMismatch {
                    durable: d.clone(),
                    name: n.clone(),
                });
            }
        }
        if self.filter_subject.is_some() && !self.filter_subjects.is_empty() {
            return Err(ConsumerConfigError::BothFilters);
        }
        if self.is_pull() {
            if self.idle_heartbeat.is_some() {
                return Err(ConsumerConfigError::PushOnly("idle_heartbeat"));
            }
            if self.flow_control {
                return Err(ConsumerConfigError::PushOnly("flow_control"));
            }
            if self.rate_limit_bps > 0 {
                return Err(ConsumerConfigError::PushOnly("rate_limit_bps"));
            }
        } else {
            if self.max_waiting.is_some() {
                return Err(ConsumerConfigError::PullOnly("max_waiting"));
            }
            if self.max_batch.is_some() || self.max_expires.is_some() || self.max_bytes.is_some() {
                return Err(ConsumerConfigError::PullOnly(
                    "max_batch/max_expires/max_bytes",
                ));
            }
            if self.flow_control && self.idle_heartbeat.is_none() {
                return Err(ConsumerConfigError::FlowControlWithoutHeartbeat);
            }
        }
        if let Some(max) = self.max_deliver {
            if max > 0 && self.backoff.len() as u64 > max.unsigned_abs() {
                return Err(ConsumerConfigError::BackoffTooLong);
            }
        }
        self.validate_priority()
    }

    /// The server's rules for priority groups (ADR-42): pull consumers only, a policy and
    /// at least one valid group name together, a pin timeout only with a policy.
    fn validate_priority(&self) -> Result<(), ConsumerConfigError> {
        let has_policy = self.priority_policy != PriorityPolicy::None;
        if has_policy && !self.is_pull() {
            return Err(ConsumerConfigError::PullOnly("priority_policy"));
        }
        if has_policy == self.priority_groups.is_empty() {
            return Err(PriorityError::PolicyWithoutGroups.into());
        }
        if !has_policy && self.priority_timeout.is_some_and(|t| !t.is_zero()) {
            return Err(PriorityError::TimeoutWithoutPolicy.into());
        }
        for group in &self.priority_groups {
            validate_group_name(group)?;
        }
        Ok(())
    }

    /// Shares the consumer's messages among its clients by `policy` (2.11+; `prioritized`
    /// 2.12+), in the groups `groups` (the server accepts one). Pull consumers only.
    ///
    /// ```
    /// use std::time::Duration;
    /// use natbus_proto::jetstream::consumer::{ConsumerConfig, PriorityPolicy};
    ///
    /// let config = ConsumerConfig::durable("worker")
    ///     .priority(PriorityPolicy::PinnedClient, ["jobs"])
    ///     .priority_timeout(Duration::from_secs(30));
    /// assert_eq!(config.validate(), Ok(()));
    /// ```
    pub fn priority<S: Into<String>>(
        mut self,
        policy: PriorityPolicy,
        groups: impl IntoIterator<Item = S>,
    ) -> Self {
        self.priority_policy = policy;
        self.priority_groups = groups.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a user metadata entry (nats-server 2.10+). Keys starting with `_nats.` are the
    /// server's and are never sent.
    ///
    /// ```
    /// use natbus_proto::jetstream::consumer::ConsumerConfig;
    ///
    /// let config = ConsumerConfig::durable("worker").metadata("owner", "billing");
    /// assert_eq!(config.metadata["owner"], "billing");
    /// ```
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The user's metadata entries, without the server's `_nats.` ones.
    pub fn user_metadata(&self) -> BTreeMap<&str, &str> {
        asset_metadata::user_metadata(&self.metadata)
    }

    /// What the server recorded in the metadata: its version and API level, and the level
    /// this consumer needs (nats-server 2.11+; see [`ServerMetadata`]).
    pub fn server_metadata(&self) -> ServerMetadata {
        ServerMetadata::from_metadata(&self.metadata)
    }

    /// `pinned_client`: how long the pinned client may go without a pull request before
    /// another one is pinned (server default 2 min).
    pub fn priority_timeout(mut self, timeout: Duration) -> Self {
        self.priority_timeout = Some(timeout);
        self
    }

    /// The subject to create this consumer on: `CONSUMER.CREATE.<stream>.<name>` (with
    /// `.<filter>` when there is a single `filter_subject`), or the legacy
    /// `CONSUMER.CREATE.<stream>` when the config has no name at all.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream or consumer name.
    pub fn create_subject(&self, prefix: &ApiPrefix, stream: &str) -> Result<String, InvalidName> {
        match (self.consumer_name(), &self.filter_subject) {
            (Some(name), Some(filter)) => prefix.consumer_create_filtered(stream, name, filter),
            (Some(name), None) => prefix.consumer_create(stream, name),
            (None, _) => prefix.consumer_create_ephemeral(stream),
        }
    }
}

/// What a create request may do when the consumer exists (or does not).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CreateAction {
    /// Create, or update an existing consumer (`""`, the default).
    #[default]
    #[serde(rename = "")]
    CreateOrUpdate,
    /// Only create; an existing consumer with a different config fails with 10148.
    #[serde(rename = "create")]
    Create,
    /// Only update; a missing consumer fails with 10149.
    #[serde(rename = "update")]
    Update,
}

/// The body of CONSUMER.CREATE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateConsumerRequest {
    /// Must equal the stream in the subject.
    pub stream_name: String,
    /// The consumer config.
    pub config: ConsumerConfig,
    /// Create/update semantics (older servers ignore it).
    #[serde(default)]
    pub action: CreateAction,
}

#[cfg(test)]
#[path = "consumer_tests.rs"]
mod tests;
