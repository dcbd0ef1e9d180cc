//! What the server reports about a stream: `StreamInfo`, its state, cluster, and listings.

use crate::time::{SystemTime, UNIX_EPOCH};
use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::json::{self, is_false, is_zero};
use super::response::{ApiError, ListItems, Page};
use super::stream::{ExternalStream, StreamConfig, SubjectTransform};

/// The body of STREAM.INFO; all fields optional (an empty body is fine too).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfoRequest {
    /// Report message counts for subjects matching this filter (paged, up to 100 000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subjects_filter: Option<String>,
    /// List the deleted sequences.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted_details: bool,
    /// Offset into the subject listing.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub offset: u64,
}

/// A stream's configuration and state (STREAM.CREATE/UPDATE/INFO replies, list items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StreamInfo {
    /// The config with the server's defaults filled in.
    pub config: StreamConfig,
    /// When the stream was created.
    #[serde(with = "crate::time::rfc3339")]
    pub created: SystemTime,
    /// Current state.
    pub state: StreamState,
    /// Server time of this report.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::rfc3339_opt"
    )]
    pub ts: Option<SystemTime>,
    /// Cluster view (a single server still sends its leader id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    /// Mirror status, for a mirror.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSourceInfo>,
    /// Source status, one per source.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub sources: Vec<StreamSourceInfo>,
    /// JetStream domain of the stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Mirrors that can answer direct gets.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub alternates: Vec<StreamAlternate>,
    /// Set by STREAM.CREATE on every success, even when an identical stream existed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub did_create: bool,
    /// Paging of `state.subjects` when a subjects filter was given.
    #[serde(flatten)]
    pub page: Page,
}

/// Message counts and sequence bounds of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamState {
    /// Messages stored.
    #[serde(default)]
    pub messages: u64,
    /// Bytes stored.
    #[serde(default)]
    pub bytes: u64,
    /// Sequence of the oldest message.
    #[serde(default)]
    pub first_seq: u64,
    /// Time of the oldest message (`0001-01-01T00:00:00Z` when empty).
    #[serde(with = "crate::time::rfc3339", default = "zero_time")]
    pub first_ts: SystemTime,
    /// Sequence of the newest message.
    #[serde(default)]
    pub last_seq: u64,
    /// Time of the newest message (`0001-01-01T00:00:00Z` when empty).
    #[serde(with = "crate::time::rfc3339", default = "zero_time")]
    pub last_ts: SystemTime,
    /// Distinct subjects (omitted by the server when zero).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub num_subjects: u64,
    /// Count per subject (only with a subjects filter).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub subjects: BTreeMap<String, u64>,
    /// Deleted messages inside the sequence range.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub num_deleted: u64,
    /// Deleted sequences (only with `deleted_details`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub deleted: Vec<u64>,
    /// Data the server lost (damaged storage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost: Option<LostStreamData>,
    /// Consumers on the stream.
    #[serde(default)]
    pub consumer_count: u64,
}

/// The zero time Go writes for "never": 0001-01-01T00:00:00Z.
pub fn zero_time() -> SystemTime {
    // 62135596800 s separate 0001-01-01 from 1970-01-01; the platform's SystemTime may not
    // reach that far back, in which case the epoch stands in for "never".
    UNIX_EPOCH
        .checked_sub(Duration::from_secs(62_135_596_800))
        .unwrap_or(UNIX_EPOCH)
}

/// Messages and bytes lost to storage damage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostStreamData {
    /// Lost sequences.
    #[serde(default, deserialize_with = "json::null_default")]
    pub msgs: Vec<u64>,
    /// Lost bytes.
    #[serde(default)]
    pub bytes: u64,
}

/// The replication group of a stream or consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// Cluster name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Current leader server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<String>,
    /// The other replicas.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub replicas: Vec<PeerInfo>,
}

/// One replica's status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerInfo {
    /// Server name.
    #[serde(default)]
    pub name: String,
    /// Caught up with the leader.
    #[serde(default)]
    pub current: bool,
    /// Unreachable.
    #[serde(default, skip_serializing_if = "is_false")]
    pub offline: bool,
    /// Time since last seen.
    #[serde(default, with = "crate::time::nanos")]
    pub active: Duration,
    /// Operations behind the leader.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lag: u64,
    /// Peer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
}

/// The status of a mirror or source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSourceInfo {
    /// Source stream name.
    #[serde(default)]
    pub name: String,
    /// Source API, when external.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalStream>,
    /// Messages behind the source.
    #[serde(default)]
    pub lag: u64,
    /// Time since the last contact (zero when never).
    #[serde(default, with = "crate::time::nanos")]
    pub active: Duration,
    /// Why sourcing fails, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    /// Filter in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_subject: Option<String>,
    /// Subject rewrites in use.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub subject_transforms: Vec<SubjectTransform>,
}

/// A mirror that can serve direct gets for a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamAlternate {
    /// Stream name.
    #[serde(default)]
    pub name: String,
    /// Its domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Its cluster.
    #[serde(default)]
    pub cluster: String,
}

/// STREAM.NAMES reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamNamesResponse {
    /// Stream names on this page (`null` from the server when none).
    #[serde(default, deserialize_with = "json::null_default")]
    pub streams: Vec<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: Page,
}

/// STREAM.LIST reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamListResponse {
    /// Stream infos on this page (one that cannot be read is skipped, not fatal).
    #[serde(default)]
    pub streams: ListItems<StreamInfo>,
    /// Streams that did not answer in time (clustered).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub missing: Vec<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: Page,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::response::parse_response;

    const CREATE_REPLY: &str = r#"{"type":"io.nats.jetstream.api.v1.stream_create_response","config":{"name":"ORDERS","subjects":["orders.\u003e"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"file","num_replicas":1,"duplicate_window":120000000000,"compression":"none","allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false,"consumer_limits":{},"allow_msg_ttl":false,"metadata":{"_nats.level":"5","_nats.req.level":"0","_nats.ver":"2.15.1"}},"created":"2026-11-25T13:58:47.07Z","state":{"messages":0,"bytes":0,"first_seq":0,"first_ts":"0001-01-01T00:00:00Z","last_seq":0,"last_ts":"0001-01-01T00:00:00Z","consumer_count":0},"cluster":{"leader":"NBXYZ"},"ts":"2026-11-25T13:58:47.08Z","did_create":true}"#;

    #[test]
    fn parses_create_reply() {
        let info: StreamInfo =
            parse_response(CREATE_REPLY.as_bytes()).expect("captured reply parses");
        assert!(info.did_create);
        assert_eq!(info.config.name, "ORDERS");
        assert_eq!(info.state.messages, 0);
        assert_eq!(info.state.first_ts, zero_time());
        assert_eq!(
            crate::time::format_rfc3339(info.state.last_ts),
            "0001-01-01T00:00:00Z"
        );
        assert_eq!(
            info.cluster.and_then(|c| c.leader).as_deref(),
            Some("NBXYZ")
        );
        assert_eq!(info.page, Page::default());
    }

    #[test]
    fn parses_state_with_details_and_paging() {
        let json = r#"{"config":{"name":"S"},"created":"2025-03-01T09:15:02Z","state":{"messages":3,"bytes":120,"first_seq":1,"first_ts":"2025-03-01T09:15:02.1Z","last_seq":5,"last_ts":"2025-03-01T09:15:03Z","num_subjects":2,"subjects":{"a":2,"b":1},"num_deleted":2,"deleted":[2,4],"lost":{"msgs":null,"bytes":0},"consumer_count":1},"total":2,"offset":0,"limit":100000}"#;
        let info: StreamInfo = parse_response(json.as_bytes()).expect("parses");
        assert_eq!(info.state.deleted, [2, 4]);
        assert_eq!(info.state.subjects.get("a"), Some(&2));
        assert_eq!(info.page.total, 2);
        assert_eq!(info.page.limit, 100_000);
        assert!(info.state.lost.is_some_and(|l| l.msgs.is_empty()));
    }

    #[test]
    fn names_null_and_list() {
        let r: StreamNamesResponse = parse_response(
            br#"{"type":"io.nats.jetstream.api.v1.stream_names_response","total":0,"offset":0,"limit":1024,"streams":null}"#,
        )
        .expect("parses");
        assert!(r.streams.is_empty());
        assert_eq!(r.page.limit, 1024);
        let l: StreamListResponse = parse_response(
            br#"{"total":1,"offset":0,"limit":256,"streams":[{"config":{"name":"S"},"created":"2025-03-01T09:15:02Z","state":{"messages":0,"bytes":0,"first_seq":0,"first_ts":"0001-01-01T00:00:00Z","last_seq":0,"last_ts":"0001-01-01T00:00:00Z","consumer_count":0}}],"missing":null}"#,
        )
        .expect("parses");
        assert_eq!(l.streams.items[0].config.name, "S");
    }

    #[test]
    fn a_stream_that_cannot_be_read_hides_no_other() {
        let state = r#""state":{"messages":0,"bytes":0,"first_seq":0,"first_ts":"0001-01-01T00:00:00Z","last_seq":0,"last_ts":"0001-01-01T00:00:00Z","consumer_count":0}"#;
        let page = format!(
            r#"{{"total":3,"offset":0,"limit":256,"streams":[{{"config":{{"name":"A"}},"created":"2025-03-01T09:15:02Z",{state}}},{{"config":{{"name":"FUTURE","retention":"someday"}},"created":"2025-03-01T09:15:02Z",{state}}},{{"config":{{"name":"B"}},"created":"2025-03-01T09:15:02Z",{state}}}]}}"#
        );
        let l: StreamListResponse = parse_response(page.as_bytes()).expect("the page parses");
        let names: Vec<&str> = l
            .streams
            .items
            .iter()
            .map(|s| s.config.name.as_str())
            .collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(l.streams.skipped.len(), 1);
        assert_eq!(l.streams.skipped[0].name.as_deref(), Some("FUTURE"));
        assert!(
            l.streams.skipped[0].error.contains("someday"),
            "{:?}",
            l.streams.skipped
        );
        assert_eq!(l.streams.len(), 3, "the pager counts skipped items too");
    }

    #[test]
    fn info_request_omits_unset() {
        assert_eq!(
            serde_json::to_string(&StreamInfoRequest::default()).expect("ok"),
            "{}"
        );
        let r = StreamInfoRequest {
            subjects_filter: Some("x.>".into()),
            deleted_details: true,
            offset: 0,
        };
        assert_eq!(
            serde_json::to_string(&r).expect("ok"),
            r#"{"subjects_filter":"x.>","deleted_details":true}"#
        );
    }
}
