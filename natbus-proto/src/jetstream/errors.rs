//! Named JetStream `err_code` values (from the server's `errors.json`) and predicates.
//!
//! Clients should match on these codes, never on the description text, which changes
//! between server versions.

use super::response::{ApiError, ResponseError};

/// 10003: bad request (e.g. MSG.GET with two selectors, purge with both `seq` and `keep`).
pub const BAD_REQUEST: u16 = 10003;
/// 10008: JetStream temporarily unavailable (no quorum); retry later.
pub const TEMPORARILY_UNAVAILABLE: u16 = 10008;
/// 10012: consumer create failed; the description has the reason.
pub const CONSUMER_CREATE: u16 = 10012;
/// 10013: consumer name already in use.
pub const CONSUMER_NAME_EXISTS: u16 = 10013;
/// 10014: consumer not found.
pub const CONSUMER_NOT_FOUND: u16 = 10014;
/// 10016: durable name missing in the subject.
pub const CONSUMER_DURABLE_NAME_NOT_IN_SUBJECT: u16 = 10016;
/// 10017: durable name in the body does not match the subject.
pub const CONSUMER_DURABLE_NAME_NOT_MATCH_SUBJECT: u16 = 10017;
/// 10018: durable name not set.
pub const CONSUMER_DURABLE_NAME_NOT_SET: u16 = 10018;
/// 10020: an ephemeral create request carried a durable name.
pub const CONSUMER_EPHEMERAL_WITH_DURABLE: u16 = 10020;
/// 10023: insufficient resources.
pub const INSUFFICIENT_RESOURCES: u16 = 10023;
/// 10025: invalid JSON.
pub const INVALID_JSON: u16 = 10025;
/// 10026: maximum number of consumers reached.
pub const MAX_CONSUMERS: u16 = 10026;
/// 10027: maximum number of streams reached.
pub const MAX_STREAMS: u16 = 10027;
/// 10037: no message found.
pub const NO_MESSAGE_FOUND: u16 = 10037;
/// 10038: expected an empty request payload.
pub const NOT_EMPTY_REQUEST: u16 = 10038;
/// 10039: JetStream not enabled for this account.
pub const NOT_ENABLED_FOR_ACCOUNT: u16 = 10039;
/// 10043: sequence not found (deleting an already deleted or purged message).
pub const SEQUENCE_NOT_FOUND: u16 = 10043;
/// 10052: stream config invalid; the description has the reason.
pub const STREAM_INVALID_CONFIG: u16 = 10052;
/// 10054: message larger than the stream's `max_msg_size`.
pub const MESSAGE_SIZE_EXCEEDS_MAXIMUM: u16 = 10054;
/// 10056: stream name in the subject does not match the request.
pub const STREAM_NAME_MISMATCH: u16 = 10056;
/// 10057: message delete failed; the description has the reason.
pub const STREAM_MSG_DELETE_FAILED: u16 = 10057;
/// 10058: stream name already in use with a different configuration.
pub const STREAM_NAME_EXISTS: u16 = 10058;
/// 10059: stream not found.
pub const STREAM_NOT_FOUND: u16 = 10059;
/// 10060: `Nats-Expected-Stream` does not match.
pub const EXPECTED_STREAM_MISMATCH: u16 = 10060;
/// 10065: subjects overlap with an existing stream.
pub const SUBJECTS_OVERLAP: u16 = 10065;
/// 10070: `Nats-Expected-Last-Msg-Id` does not match.
pub const WRONG_LAST_MSG_ID: u16 = 10070;
/// 10071: `Nats-Expected-Last-Sequence` or `…-Last-Subject-Sequence` does not match.
pub const WRONG_LAST_SEQUENCE: u16 = 10071;
/// 10074: replicas > 1 on a server that is not clustered.
pub const REPLICAS_NOT_SUPPORTED: u16 = 10074;
/// 10076: JetStream not enabled.
pub const NOT_ENABLED: u16 = 10076;
/// 10080: push consumers cannot set `max_waiting`.
pub const PUSH_MAX_WAITING: u16 = 10080;
/// 10083: idle heartbeat below 100 ms.
pub const IDLE_HEARTBEAT_TOO_SHORT: u16 = 10083;
/// 10084: pull consumer on a workqueue stream needs explicit acks.
pub const WORKQUEUE_NEEDS_EXPLICIT_ACK: u16 = 10084;
/// 10088: idle heartbeat requires a push consumer.
pub const HEARTBEAT_REQUIRES_PUSH: u16 = 10088;
/// 10089: flow control requires a push consumer.
pub const FLOW_CONTROL_REQUIRES_PUSH: u16 = 10089;
/// 10094: invalid consumer policy settings; the description has the reason.
pub const CONSUMER_INVALID_POLICY: u16 = 10094;
/// 10099: workqueue stream with multiple unfiltered consumers.
pub const WORKQUEUE_MULTIPLE_UNFILTERED: u16 = 10099;
/// 10100: workqueue stream filtered consumer not unique.
pub const WORKQUEUE_FILTER_NOT_UNIQUE: u16 = 10100;
/// 10105: consumer already exists and is still active (bound push durable).
pub const CONSUMER_EXISTING_ACTIVE: u16 = 10105;
/// 10107: consumer description too long.
pub const CONSUMER_DESCRIPTION_TOO_LONG: u16 = 10107;
/// 10108: flow control needs an idle heartbeat.
pub const FLOW_CONTROL_NEEDS_HEARTBEAT: u16 = 10108;
/// 10109: invalid operation on a sealed stream (a publish, purge or delete).
pub const STREAM_SEALED: u16 = 10109;
/// 10111: rollup failed (not permitted, or an invalid value).
pub const ROLLUP_FAILED: u16 = 10111;
/// 10115: consumer `max_expires` below 1 ms.
pub const MAX_EXPIRES_TOO_SMALL: u16 = 10115;
/// 10116: backoff list longer than `max_deliver`.
pub const BACKOFF_EXCEEDS_MAX_DELIVER: u16 = 10116;
/// 10128: stream name contains a path separator.
pub const STREAM_NAME_PATH_SEPARATOR: u16 = 10128;
/// 10131: filter in the create subject differs from `filter_subject`.
pub const CONSUMER_FILTER_MISMATCH: u16 = 10131;
/// 10132: `durable_name` and `name` differ.
pub const CONSUMER_NAME_DURABLE_MISMATCH: u16 = 10132;
/// 10133: negative replica count.
pub const NEGATIVE_REPLICAS: u16 = 10133;
/// 10136: both `filter_subject` and `filter_subjects` set.
pub const CONSUMER_DUPLICATE_FILTER: u16 = 10136;
/// 10137: `filter_subjects` with a filtered create subject.
pub const CONSUMER_MULTIPLE_FILTERS_NOT_ALLOWED: u16 = 10137;
/// 10148: consumer already exists with a different config (action `create`).
pub const CONSUMER_ALREADY_EXISTS: u16 = 10148;
/// 10149: consumer does not exist (action `update`).
pub const CONSUMER_DOES_NOT_EXIST: u16 = 10149;
/// 10158: a message with the same id is being stored right now.
pub const DUPLICATE_IN_PROCESS: u16 = 10158;
/// 10164: wrong last sequence (replicated-stream variant of 10071).
pub const WRONG_LAST_SEQUENCE_CLUSTERED: u16 = 10164;
/// 10165: invalid per-message TTL.
pub const INVALID_MESSAGE_TTL: u16 = 10165;
/// 10166: per-message TTL disabled on this stream.
pub const MESSAGE_TTL_DISABLED: u16 = 10166;
/// 10185: the server's API level is below the required one.
pub const REQUIRED_API_LEVEL: u16 = 10185;
/// 10218: `ack_policy: flow_control` requires a push consumer.
pub const ACK_FLOW_CONTROL_REQUIRES_PUSH: u16 = 10218;

impl ApiError {
    /// Whether this error has the given `err_code`.
    pub fn is(&self, err_code: u16) -> bool {
        self.err_code == err_code
    }

    /// Stream not found (10059).
    pub fn is_stream_not_found(&self) -> bool {
        self.is(STREAM_NOT_FOUND)
    }

    /// Consumer not found (10014).
    pub fn is_consumer_not_found(&self) -> bool {
        self.is(CONSUMER_NOT_FOUND)
    }

    /// No message at that sequence or subject (10037).
    pub fn is_no_message_found(&self) -> bool {
        self.is(NO_MESSAGE_FOUND)
    }

    /// The stream exists with another config (10058).
    pub fn is_stream_name_in_use(&self) -> bool {
        self.is(STREAM_NAME_EXISTS)
    }

    /// The consumer exists with another config (10148 for action `create`, 10013 legacy).
    pub fn is_consumer_already_exists(&self) -> bool {
        self.is(CONSUMER_ALREADY_EXISTS) || self.is(CONSUMER_NAME_EXISTS)
    }

    /// An optimistic-concurrency check failed: wrong last sequence (10071, or 10164 on
    /// replicated streams). KV create/update report this as "wrong revision".
    pub fn is_wrong_last_sequence(&self) -> bool {
        self.is(WRONG_LAST_SEQUENCE) || self.is(WRONG_LAST_SEQUENCE_CLUSTERED)
    }

    /// `Nats-Expected-Last-Msg-Id` did not match (10070).
    pub fn is_wrong_last_msg_id(&self) -> bool {
        self.is(WRONG_LAST_MSG_ID)
    }

    /// JetStream is not enabled, for the account or at all (10039, 10076).
    pub fn is_jetstream_not_enabled(&self) -> bool {
        self.is(NOT_ENABLED_FOR_ACCOUNT) || self.is(NOT_ENABLED)
    }

    /// A transient condition worth retrying after a pause (no quorum, resources).
    pub fn is_temporary(&self) -> bool {
        self.is(TEMPORARILY_UNAVAILABLE) || self.is(INSUFFICIENT_RESOURCES)
    }
}

impl ResponseError {
    /// Whether the server answered with this `err_code`.
    pub fn is(&self, err_code: u16) -> bool {
        self.err_code() == Some(err_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::response::parse_response;

    fn api(err_code: u16) -> ApiError {
        ApiError {
            code: 400,
            err_code,
            description: String::new(),
        }
    }

    #[test]
    fn predicates_match_their_codes_only() {
        assert!(api(10059).is_stream_not_found());
        assert!(!api(10014).is_stream_not_found());
        assert!(api(10014).is_consumer_not_found());
        assert!(api(10071).is_wrong_last_sequence());
        assert!(api(10164).is_wrong_last_sequence());
        assert!(!api(10070).is_wrong_last_sequence());
        assert!(api(10070).is_wrong_last_msg_id());
        assert!(api(10148).is_consumer_already_exists());
        assert!(api(10058).is_stream_name_in_use());
        assert!(api(10039).is_jetstream_not_enabled());
        assert!(api(10076).is_jetstream_not_enabled());
        assert!(api(10037).is_no_message_found());
        assert!(api(10008).is_temporary());
    }

    #[test]
    fn captured_account_without_jetstream() {
        let err = parse_response::<serde_json::Value>(
            br#"{"type":"io.nats.jetstream.api.v1.account_info_response","error":{"code":503,"err_code":10039,"description":"JetStream not enabled for account"}}"#,
        )
        .expect_err("error reply");
        assert!(err.is(NOT_ENABLED_FOR_ACCOUNT));
        assert!(
            err.api_error()
                .is_some_and(ApiError::is_jetstream_not_enabled)
        );
    }
}
