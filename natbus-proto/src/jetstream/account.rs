//! Account info (`$JS.API.INFO`): usage, limits and the server's API level.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Usage and limits of the account (and per tier, e.g. `"R1"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountUsage {
    /// Memory used, bytes.
    #[serde(default)]
    pub memory: u64,
    /// Storage used, bytes.
    #[serde(default)]
    pub storage: u64,
    /// Memory reserved by streams, bytes.
    #[serde(default)]
    pub reserved_memory: u64,
    /// Storage reserved by streams, bytes.
    #[serde(default)]
    pub reserved_storage: u64,
    /// Streams in the account.
    #[serde(default)]
    pub streams: u64,
    /// Consumers in the account.
    #[serde(default)]
    pub consumers: u64,
    /// The account's limits.
    #[serde(default)]
    pub limits: AccountLimits,
}

/// JetStream limits of an account; -1 is unlimited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLimits {
    /// Memory, bytes.
    #[serde(default)]
    pub max_memory: i64,
    /// Storage, bytes.
    #[serde(default)]
    pub max_storage: i64,
    /// Streams.
    #[serde(default)]
    pub max_streams: i64,
    /// Consumers.
    #[serde(default)]
    pub max_consumers: i64,
    /// Unacknowledged messages per consumer.
    #[serde(default)]
    pub max_ack_pending: i64,
    /// Largest memory stream, bytes.
    #[serde(default)]
    pub memory_max_stream_bytes: i64,
    /// Largest file stream, bytes.
    #[serde(default)]
    pub storage_max_stream_bytes: i64,
    /// Streams must set `max_bytes`.
    #[serde(default)]
    pub max_bytes_required: bool,
}

/// API statistics; `level` tells which features the server supports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiStats {
    /// The server's JetStream API level (2.15.1 reports 5).
    #[serde(default)]
    pub level: u32,
    /// API calls so far.
    #[serde(default)]
    pub total: u64,
    /// API calls that failed.
    #[serde(default)]
    pub errors: u64,
    /// Calls in flight (omitted when 0).
    #[serde(default)]
    pub inflight: u64,
}

/// The reply of `$JS.API.INFO`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// Account-wide usage and limits.
    #[serde(flatten)]
    pub usage: AccountUsage,
    /// JetStream domain, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// API statistics.
    #[serde(default)]
    pub api: ApiStats,
    /// Usage per tier (only with tiered limits).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "super::json::null_default"
    )]
    pub tiers: BTreeMap<String, AccountUsage>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::response::parse_response;

    #[test]
    fn parses_captured_fresh_account() {
        let json = br#"{"type":"io.nats.jetstream.api.v1.account_info_response","memory":0,"storage":0,"reserved_memory":0,
 "reserved_storage":0,"streams":0,"consumers":0,"limits":{"max_memory":-1,"max_storage":-1,
 "max_streams":-1,"max_consumers":-1,"max_ack_pending":-1,"memory_max_stream_bytes":-1,
 "storage_max_stream_bytes":-1,"max_bytes_required":false},"api":{"level":5,"total":0,"errors":0}}"#;
        let info: AccountInfo = parse_response(json).expect("captured reply parses");
        assert_eq!(info.api.level, 5);
        assert_eq!(info.usage.limits.max_streams, -1);
        assert_eq!(info.usage.limits.storage_max_stream_bytes, -1);
        assert!(info.domain.is_none());
        assert!(info.tiers.is_empty());
    }

    #[test]
    fn parses_tiers_and_domain() {
        let json = br#"{"memory":1,"storage":2,"streams":1,"consumers":0,"limits":{},"domain":"hub","api":{"level":3,"total":9,"errors":1,"inflight":2},"tiers":{"R1":{"memory":1,"storage":2,"streams":1,"consumers":0,"limits":{"max_streams":10}}}}"#;
        let info: AccountInfo = parse_response(json).expect("parses");
        assert_eq!(info.domain.as_deref(), Some("hub"));
        assert_eq!(info.api.inflight, 2);
        assert_eq!(info.tiers["R1"].limits.max_streams, 10);
        assert_eq!(info.usage.storage, 2);
    }
}
