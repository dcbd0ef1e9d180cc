//! The JSON answers to `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS` (ADR-32 §4).
//!
//! Serialization writes exactly the fields and `type` strings of the Go client (metadata as
//! `{}` when empty, description as a string, `data` left out when absent), because that is
//! what `nats micro` and every other client read. Deserialization accepts what all known
//! implementations write (`null` or missing metadata, a `null` description, `"data": null`,
//! any number of fractional-second digits in `started`), but insists on the right `type`.

use crate::time::SystemTime;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::config::{Metadata, ServiceConfig};
use super::lenient::{InfoTag, PingTag, StatsTag, last_error, null_as_default};

/// The `type` of a PING response.
pub const PING_RESPONSE_TYPE: &str = "io.nats.micro.v1.ping_response";
/// The `type` of an INFO response.
pub const INFO_RESPONSE_TYPE: &str = "io.nats.micro.v1.info_response";
/// The `type` of a STATS response.
pub const STATS_RESPONSE_TYPE: &str = "io.nats.micro.v1.stats_response";

/// Serializes a response. None of these types can fail to serialize: every map has string
/// keys and every custom serializer writes a plain string or integer.
fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("service schemas have string keys and infallible fields")
}

/// The answer to `$SRV.PING…`: who this instance is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PingResponse {
    #[serde(rename = "type")]
    kind: PingTag,
    /// Service name.
    pub name: String,
    /// Instance id.
    pub id: String,
    /// Service version.
    pub version: String,
    /// Service metadata (`{}` when none).
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
}

impl PingResponse {
    /// The PING answer of instance `id` of `config`.
    pub fn new(config: &ServiceConfig, id: impl Into<String>) -> Self {
        Self {
            kind: PingTag,
            name: config.name.clone(),
            id: id.into(),
            version: config.version.clone(),
            metadata: config.metadata.clone(),
        }
    }

    /// The JSON body of the reply.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

/// One endpoint as INFO describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EndpointInfo {
    /// Endpoint name.
    pub name: String,
    /// Full subject, group prefix included.
    pub subject: String,
    /// Resolved queue group; `""` when queueing is disabled.
    #[serde(default, deserialize_with = "null_as_default")]
    pub queue_group: String,
    /// Endpoint metadata (`{}` when none; Go and nats-py may send `null`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
}

impl EndpointInfo {
    /// Describes an endpoint; `queue_group` is `None` when queueing is disabled.
    pub fn new(
        name: impl Into<String>,
        subject: impl Into<String>,
        queue_group: Option<&str>,
        metadata: Metadata,
    ) -> Self {
        Self {
            name: name.into(),
            subject: subject.into(),
            queue_group: queue_group.unwrap_or_default().to_owned(),
            metadata,
        }
    }

    /// The queue group to subscribe with, `None` when queueing is disabled.
    pub fn queue_group(&self) -> Option<&str> {
        Some(self.queue_group.as_str()).filter(|q| !q.is_empty())
    }
}

/// The answer to `$SRV.INFO…`: the instance and its endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InfoResponse {
    #[serde(rename = "type")]
    kind: InfoTag,
    /// Service name.
    pub name: String,
    /// Instance id.
    pub id: String,
    /// Service version.
    pub version: String,
    /// Service metadata (`{}` when none).
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
    /// Service description (`""` when none; nats-py sends `null`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// The endpoints (`[]` when none).
    #[serde(default, deserialize_with = "null_as_default")]
    pub endpoints: Vec<EndpointInfo>,
}

impl InfoResponse {
    /// The INFO answer of instance `id` of `config` with `endpoints`.
    pub fn new(
        config: &ServiceConfig,
        id: impl Into<String>,
        endpoints: Vec<EndpointInfo>,
    ) -> Self {
        Self {
            kind: InfoTag,
            name: config.name.clone(),
            id: id.into(),
            version: config.version.clone(),
            metadata: config.metadata.clone(),
            description: config.description.clone(),
            endpoints,
        }
    }

    /// The JSON body of the reply.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

/// One endpoint's counters as STATS reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EndpointStats {
    /// Endpoint name.
    pub name: String,
    /// Full subject, group prefix included.
    pub subject: String,
    /// Resolved queue group; `""` when queueing is disabled.
    #[serde(default, deserialize_with = "null_as_default")]
    pub queue_group: String,
    /// Requests handled.
    #[serde(default)]
    pub num_requests: u64,
    /// Requests answered with an error, or whose reply could not be sent.
    #[serde(default)]
    pub num_errors: u64,
    /// `"<code>:<description>"` of the last error, `""` if none.
    #[serde(default, deserialize_with = "last_error")]
    pub last_error: String,
    /// Total processing time (integer nanoseconds on the wire).
    #[serde(default, with = "crate::time::nanos")]
    pub processing_time: Duration,
    /// `processing_time / num_requests` by integer division (0 with no requests).
    #[serde(default, with = "crate::time::nanos")]
    pub average_processing_time: Duration,
    /// Output of the user's stats hook; left out when absent (`null` reads as absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// The answer to `$SRV.STATS…`: the instance's counters per endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatsResponse {
    #[serde(rename = "type")]
    kind: StatsTag,
    /// Service name.
    pub name: String,
    /// Instance id.
    pub id: String,
    /// Service version.
    pub version: String,
    /// Service metadata (`{}` when none; async-nats leaves it out).
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
    /// When the instance started or was last reset (RFC 3339 UTC on the wire).
    #[serde(with = "crate::time::rfc3339")]
    pub started: SystemTime,
    /// The endpoints' counters (`[]` when none).
    #[serde(default, deserialize_with = "null_as_default")]
    pub endpoints: Vec<EndpointStats>,
}

impl StatsResponse {
    /// The STATS answer of instance `id` of `config`, started (or reset) at `started`.
    pub fn new(
        config: &ServiceConfig,
        id: impl Into<String>,
        started: SystemTime,
        endpoints: Vec<EndpointStats>,
    ) -> Self {
        Self {
            kind: StatsTag,
            name: config.name.clone(),
            id: id.into(),
            version: config.version.clone(),
            metadata: config.metadata.clone(),
            started,
            endpoints,
        }
    }

    /// The JSON body of the reply.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
