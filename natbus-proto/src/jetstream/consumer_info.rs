//! What the server reports about a consumer: `ConsumerInfo`, listings, pause and reset.

use crate::time::SystemTime;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::consumer::ConsumerConfig;
use super::json::{self, is_false};
use super::response::{ListItems, Page};
use super::stream_info::ClusterInfo;

/// A consumer's configuration and progress (CONSUMER.CREATE/INFO replies, list items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConsumerInfo {
    /// The stream it belongs to.
    pub stream_name: String,
    /// Consumer name (server-generated for legacy ephemerals).
    pub name: String,
    /// When it was created.
    #[serde(with = "crate::time::rfc3339")]
    pub created: SystemTime,
    /// The config with server defaults filled in.
    pub config: ConsumerConfig,
    /// Last delivered position.
    #[serde(default)]
    pub delivered: SequenceInfo,
    /// Position below which everything is acknowledged.
    #[serde(default)]
    pub ack_floor: SequenceInfo,
    /// Delivered but not yet acknowledged.
    #[serde(default)]
    pub num_ack_pending: u64,
    /// Redelivered messages.
    #[serde(default)]
    pub num_redelivered: u64,
    /// Outstanding pull requests.
    #[serde(default)]
    pub num_waiting: u64,
    /// Messages not yet delivered.
    #[serde(default)]
    pub num_pending: u64,
    /// Replication group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    /// A subscriber exists on the push deliver subject.
    #[serde(default, skip_serializing_if = "is_false")]
    pub push_bound: bool,
    /// The consumer is paused (2.11+).
    #[serde(default, skip_serializing_if = "is_false")]
    pub paused: bool,
    /// Time left paused.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::nanos_opt"
    )]
    pub pause_remaining: Option<Duration>,
    /// The state of each priority group: which client is pinned (2.11+).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub priority_groups: Vec<PriorityGroupState>,
    /// Server time of this report.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::rfc3339_opt"
    )]
    pub ts: Option<SystemTime>,
}

/// A priority group's state in [`ConsumerInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PriorityGroupState {
    /// The group.
    pub group: String,
    /// The pin id of the pinned client (`pinned_client` policy, while one is pinned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_client_id: Option<String>,
    /// When that client was pinned.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::rfc3339_nonzero_opt"
    )]
    pub pinned_ts: Option<SystemTime>,
}

/// A position in the consumer and the stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceInfo {
    /// Consumer sequence.
    #[serde(default)]
    pub consumer_seq: u64,
    /// Stream sequence.
    #[serde(default)]
    pub stream_seq: u64,
    /// Last activity (omitted until there was some).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::rfc3339_opt"
    )]
    pub last_active: Option<SystemTime>,
}

/// CONSUMER.NAMES reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerNamesResponse {
    /// Names on this page.
    #[serde(default, deserialize_with = "json::null_default")]
    pub consumers: Vec<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: Page,
}

/// CONSUMER.LIST reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerListResponse {
    /// Infos on this page (one that cannot be read is skipped, not fatal).
    #[serde(default)]
    pub consumers: ListItems<ConsumerInfo>,
    /// Consumers that did not answer in time (clustered).
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

/// The body of CONSUMER.PAUSE: pause until a time, or resume with `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseRequest {
    /// Pause until then; `None` resumes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::rfc3339_opt"
    )]
    pub pause_until: Option<SystemTime>,
}

/// CONSUMER.PAUSE reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PauseResponse {
    /// Whether the consumer is now paused.
    #[serde(default)]
    pub paused: bool,
    /// Until when; `None` after a resume (the server's zero time).
    #[serde(default, with = "json::rfc3339_nonzero_opt")]
    pub pause_until: Option<SystemTime>,
    /// Time left paused.
    #[serde(default, with = "crate::time::nanos_opt")]
    pub pause_remaining: Option<Duration>,
}

/// The body of `CONSUMER.RESET.<stream>.<consumer>` (2.14+, ADR-60).
///
/// The reset drops the consumer's pending and redelivery state and restarts its delivery
/// sequence at 1, as if it had just been created. Without `seq` the next message is the
/// first one above the ack floor (everything unacknowledged is delivered again); with
/// `seq`, the first one at or after that stream sequence. A sequence is accepted on
/// consumers delivering `all` (forwards or backwards) and, when not below their start,
/// `by_start_sequence` / `by_start_time` ones (else error 10204).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetRequest {
    /// The stream sequence to deliver from; `None` restarts above the ack floor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// CONSUMER.RESET reply: the consumer's info after the reset, and where it restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResetResponse {
    /// The consumer as it is after the reset.
    #[serde(flatten)]
    pub info: ConsumerInfo,
    /// The stream sequence the next delivery starts at (or after).
    pub reset_seq: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::consumer::AckPolicy;
    use crate::jetstream::response::parse_response;

    const INFO: &str = r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","stream_name":"ORDERS","name":"worker","created":"2026-11-25T13:58:47.1Z","config":{"durable_name":"worker","name":"worker","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"replay_policy":"instant","max_waiting":512,"max_ack_pending":1000,"num_replicas":0,"metadata":{"_nats.level":"5","_nats.req.level":"0","_nats.ver":"2.15.1"}},"delivered":{"consumer_seq":3,"stream_seq":5,"last_active":"2026-11-25T13:58:48Z"},"ack_floor":{"consumer_seq":0,"stream_seq":0},"num_ack_pending":3,"num_redelivered":0,"num_waiting":1,"num_pending":2,"cluster":{"leader":"NBXYZ"},"ts":"2026-11-25T13:58:49Z"}"#;

    #[test]
    fn parses_consumer_info() {
        let info: ConsumerInfo = parse_response(INFO.as_bytes()).expect("parses");
        assert_eq!(info.name, "worker");
        assert_eq!(info.config.ack_policy, AckPolicy::Explicit);
        assert_eq!(info.delivered.consumer_seq, 3);
        assert_eq!(info.delivered.stream_seq, 5);
        assert!(info.delivered.last_active.is_some());
        assert!(info.ack_floor.last_active.is_none());
        assert_eq!(
            (info.num_ack_pending, info.num_waiting, info.num_pending),
            (3, 1, 2)
        );
        assert!(!info.push_bound);
    }

    #[test]
    fn names_list_and_pause() {
        let n: ConsumerNamesResponse =
            parse_response(br#"{"total":2,"offset":0,"limit":1024,"consumers":["a","b"]}"#)
                .expect("parses");
        assert_eq!(n.consumers, ["a", "b"]);
        let n: ConsumerNamesResponse =
            parse_response(br#"{"total":0,"offset":0,"limit":1024,"consumers":null}"#)
                .expect("parses");
        assert!(n.consumers.is_empty());
        let list = format!(r#"{{"total":1,"offset":0,"limit":256,"consumers":[{INFO}]}}"#);
        let l: ConsumerListResponse = parse_response(list.as_bytes()).expect("parses");
        assert_eq!(l.consumers.items.len(), 1);
        let info: serde_json::Value = serde_json::from_str(INFO).expect("json");
        let mut future = info.clone();
        future["name"] = "NEW".into();
        future["config"]["ack_policy"] = "someday".into();
        let list = format!(r#"{{"total":2,"offset":0,"limit":256,"consumers":[{future},{info}]}}"#);
        let l: ConsumerListResponse = parse_response(list.as_bytes()).expect("parses");
        assert_eq!(
            l.consumers.items.len(),
            1,
            "a consumer that cannot be read hides no other"
        );
        assert_eq!(l.consumers.skipped[0].name.as_deref(), Some("NEW"));
        let p: PauseResponse = parse_response(
            br#"{"type":"io.nats.jetstream.api.v1.consumer_pause_response","paused":true,"pause_until":"2099-01-01T00:00:00Z","pause_remaining":1000}"#,
        )
        .expect("parses");
        assert!(p.paused);
        assert_eq!(p.pause_remaining, Some(Duration::from_nanos(1000)));
        assert!(p.pause_until.is_some());
        let p: PauseResponse = parse_response(
            br#"{"type":"io.nats.jetstream.api.v1.consumer_pause_response","paused":false,"pause_until":"0001-01-01T00:00:00Z"}"#,
        )
        .expect("parses");
        assert_eq!(
            (p.paused, p.pause_until, p.pause_remaining),
            (false, None, None)
        );
        assert_eq!(
            serde_json::to_string(&PauseRequest::default()).expect("ok"),
            "{}"
        );
    }

    #[test]
    fn priority_group_state_and_reset() {
        let mut info: serde_json::Value = serde_json::from_str(INFO).expect("json");
        info["priority_groups"] = serde_json::json!([
            {"group": "jobs", "pinned_client_id": "NUID", "pinned_ts": "2026-11-25T13:58:49Z"},
            {"group": "idle", "pinned_ts": "0001-01-01T00:00:00Z"}
        ]);
        let parsed: ConsumerInfo = serde_json::from_value(info.clone()).expect("parses");
        let [pinned, idle] = &parsed.priority_groups[..] else {
            panic!("two groups: {:?}", parsed.priority_groups);
        };
        assert_eq!(pinned.pinned_client_id.as_deref(), Some("NUID"));
        assert!(pinned.pinned_ts.is_some());
        assert_eq!(
            (idle.pinned_client_id.as_deref(), idle.pinned_ts),
            (None, None)
        );
        info["reset_seq"] = 7.into();
        let reset: ResetResponse = parse_response(info.to_string().as_bytes()).expect("parses");
        assert_eq!((reset.reset_seq, reset.info.name.as_str()), (7, "worker"));
        assert_eq!(
            serde_json::to_string(&ResetRequest::default()).expect("ok"),
            "{}"
        );
        let to = ResetRequest { seq: Some(42) };
        assert_eq!(serde_json::to_string(&to).expect("ok"), r#"{"seq":42}"#);
    }
}
