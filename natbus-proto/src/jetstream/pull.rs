//! Pull requests (`CONSUMER.MSG.NEXT`) and the status replies that come back.
//!
//! A pull request asks for up to `batch` messages (and/or `max_bytes`) within `expires`.
//! The server answers on the request's reply subject with the messages and with status
//! messages (empty HMSGs); [`classify_pull_status`] names each status and
//! [`PullStatus::action`] says what a consumer does about it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::json::is_false;
use super::terminal::TerminalReason;

/// Status header: messages of the request left unfilled.
pub const NATS_PENDING_MESSAGES: &str = "Nats-Pending-Messages";
/// Status header: bytes of the request left unfilled.
pub const NATS_PENDING_BYTES: &str = "Nats-Pending-Bytes";
/// Heartbeat header: the last consumer sequence delivered.
pub const NATS_LAST_CONSUMER: &str = "Nats-Last-Consumer";
/// Heartbeat header: the last stream sequence delivered.
pub const NATS_LAST_STREAM: &str = "Nats-Last-Stream";
/// Pinned priority-group deliveries carry the pin id.
pub const NATS_PIN_ID: &str = "Nats-Pin-Id";

/// The JSON body of a pull request. Durations are nanoseconds; unset fields are omitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// Most messages to deliver (always sent; 0 would be read as 1).
    pub batch: usize,
    /// Request lifetime; `None` = until filled or interest is gone.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::nanos_opt"
    )]
    pub expires: Option<Duration>,
    /// Byte budget (subject + reply + headers + payload per message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<usize>,
    /// Deliver what is available now and end with `404 No Messages`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_wait: bool,
    /// Ask for `100 Idle Heartbeat` while idle; needs `expires` ≥ 2× this.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::nanos_opt"
    )]
    pub idle_heartbeat: Option<Duration>,
    /// Priority group (2.11+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Overflow policy: only deliver when the consumer has at least this many pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pending: Option<u64>,
    /// Overflow policy: only deliver when at least this many acks are pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ack_pending: Option<u64>,
    /// Pinned-client policy: the pin id received earlier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Prioritized policy: this request's priority (lower first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
}

/// A pull request the server would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PullRequestError {
    /// Heartbeats need an expiry of at least twice the heartbeat.
    #[error("idle_heartbeat {heartbeat:?} needs expires of at least twice that (got {expires:?})")]
    HeartbeatTooLarge {
        /// Requested heartbeat.
        heartbeat: Duration,
        /// Requested expiry (`None` = no expiry).
        expires: Option<Duration>,
    },
    /// A batch of zero.
    #[error("batch must be at least 1")]
    EmptyBatch,
}

impl PullRequest {
    /// A request for up to `batch` messages, without expiry.
    pub fn new(batch: usize) -> Self {
        Self {
            batch,
            ..Self::default()
        }
    }

    /// Checks what the server would answer with `400 Bad Request`.
    ///
    /// # Errors
    /// [`PullRequestError`] naming the problem.
    pub fn validate(&self) -> Result<(), PullRequestError> {
        if self.batch == 0 {
            return Err(PullRequestError::EmptyBatch);
        }
        if let Some(hb) = self.idle_heartbeat {
            if self.expires.is_none_or(|e| e < hb.saturating_mul(2)) {
                return Err(PullRequestError::HeartbeatTooLarge {
                    heartbeat: hb,
                    expires: self.expires,
                });
            }
        }
        Ok(())
    }

    /// The JSON body.
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing a struct of integers, strings and booleans into memory cannot fail.
        serde_json::to_vec(self).expect("a pull request always serializes")
    }
}

/// A status reply on a pull subscription, by meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PullStatus {
    /// `100 Idle Heartbeat`: the server is alive.
    Heartbeat,
    /// `404 No Messages`: a no-wait request found nothing (more).
    NoMessages,
    /// `408 Request Timeout`: the request expired.
    RequestTimeout,
    /// `408 Requests Pending`: a no-wait request while others hold the messages.
    RequestsPending,
    /// `408 Interest Expired`: the request's interest vanished.
    InterestExpired,
    /// `409 Batch Completed`: batch filled with byte budget left.
    BatchCompleted,
    /// `409 Message Size Exceeds MaxBytes`: the next message does not fit the budget.
    MessageSizeExceedsMaxBytes,
    /// `409 Exceeded MaxWaiting`: too many outstanding requests on the consumer.
    ExceededMaxWaiting,
    /// `409 Exceeded MaxRequestBatch of <n>`: batch above the consumer's `max_batch`.
    ExceededMaxRequestBatch(String),
    /// `409 Exceeded MaxRequestExpires of <d>`: expiry above the consumer's `max_expires`.
    ExceededMaxRequestExpires(String),
    /// `409 Exceeded MaxRequestMaxBytes of <n>`: budget above the consumer's `max_bytes`.
    ExceededMaxRequestMaxBytes(String),
    /// `409 Consumer Deleted`.
    ConsumerDeleted,
    /// `409 Consumer is push based`.
    ConsumerIsPushBased,
    /// `409 Leadership Change`: outstanding requests were dropped.
    LeadershipChange,
    /// `409 Server Shutdown`: the request was dropped.
    ServerShutdown,
    /// `400 Bad Request[ - why]`.
    BadRequest(String),
    /// `412 Required Api Level`.
    RequiredApiLevel,
    /// `423`: the pin id does not match (pinned priority groups).
    PinIdMismatch,
    /// `503`: no responders: the consumer or JetStream is not there.
    NoResponders,
    /// Anything else.
    Other {
        /// Status code.
        code: u16,
        /// Description.
        description: String,
    },
}

/// What a continuous pull consumer does about a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullAction {
    /// Nothing changes; the server is alive.
    KeepGoing,
    /// A request is over; release its unfilled remainder and refill the window.
    Refill,
    /// Tell the user (a misconfiguration or a transient problem); release what the status
    /// says is unfilled. Counters the status does not release wait for the heartbeat check,
    /// which is the retry back-off.
    Warning(String),
    /// Every outstanding request is gone: reset the counters and pull afresh.
    Reset,
    /// Stop consuming, with the reason.
    Terminal(TerminalReason),
}

/// Names a pull status from its code and description. 409 descriptions are matched
/// case-insensitively by substring, as the server's wording varies slightly.
pub fn classify_pull_status(code: u16, description: &str) -> PullStatus {
    let d = description.to_ascii_lowercase();
    let has = |s: &str| d.contains(s);
    match code {
        100 => PullStatus::Heartbeat,
        404 => PullStatus::NoMessages,
        408 if has("requests pending") => PullStatus::RequestsPending,
        408 if has("interest expired") => PullStatus::InterestExpired,
        408 => PullStatus::RequestTimeout,
        409 if has("batch completed") => PullStatus::BatchCompleted,
        409 if has("message size exceeds maxbytes") => PullStatus::MessageSizeExceedsMaxBytes,
        409 if has("exceeded maxwaiting") => PullStatus::ExceededMaxWaiting,
        409 if has("exceeded maxrequestbatch") => {
            PullStatus::ExceededMaxRequestBatch(description.to_owned())
        }
        409 if has("exceeded maxrequestexpires") => {
            PullStatus::ExceededMaxRequestExpires(description.to_owned())
        }
        409 if has("exceeded maxrequestmaxbytes") => {
            PullStatus::ExceededMaxRequestMaxBytes(description.to_owned())
        }
        409 if has("consumer deleted") => PullStatus::ConsumerDeleted,
        409 if has("consumer is push based") => PullStatus::ConsumerIsPushBased,
        409 if has("leadership change") => PullStatus::LeadershipChange,
        409 if has("server shutdown") => PullStatus::ServerShutdown,
        400 => PullStatus::BadRequest(description.to_owned()),
        412 => PullStatus::RequiredApiLevel,
        423 => PullStatus::PinIdMismatch,
        503 => PullStatus::NoResponders,
        _ => PullStatus::Other {
            code,
            description: description.to_owned(),
        },
    }
}

impl PullStatus {
    /// What a continuous consumer does about this status.
    pub fn action(&self) -> PullAction {
        use PullStatus as S;
        match self {
            S::Heartbeat => PullAction::KeepGoing,
            S::NoMessages
            | S::RequestTimeout
            | S::RequestsPending
            | S::InterestExpired
            | S::BatchCompleted
            | S::ServerShutdown
            | S::PinIdMismatch => PullAction::Refill,
            S::MessageSizeExceedsMaxBytes => PullAction::Warning(
                "a message is larger than the pull request's max_bytes; raise max_bytes".into(),
            ),
            S::ExceededMaxWaiting => PullAction::Warning(
                "the consumer has too many outstanding pull requests (max_waiting)".into(),
            ),
            S::ExceededMaxRequestBatch(d)
            | S::ExceededMaxRequestExpires(d)
            | S::ExceededMaxRequestMaxBytes(d) => {
                PullAction::Warning(format!("pull request exceeds the consumer's limits: {d}"))
            }
            S::NoResponders => PullAction::Warning(
                "no responders: the consumer or JetStream is unavailable".into(),
            ),
            S::Other { code, description } => {
                PullAction::Warning(format!("unexpected status {code} {description}"))
            }
            S::LeadershipChange => PullAction::Reset,
            S::ConsumerDeleted => PullAction::Terminal(TerminalReason::ConsumerDeleted),
            S::ConsumerIsPushBased => PullAction::Terminal(TerminalReason::ConsumerIsPushBased),
            S::BadRequest(d) => PullAction::Terminal(TerminalReason::BadRequest(d.clone())),
            S::RequiredApiLevel => PullAction::Terminal(TerminalReason::ServerTooOld),
        }
    }

    /// Whether this status ends the request it answers (everything but a heartbeat). A
    /// one-shot fetch stops collecting on it; 404/408 are never errors for a fetch.
    pub fn ends_request(&self) -> bool {
        !matches!(self, Self::Heartbeat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_omits_unset_and_uses_nanos() {
        assert_eq!(PullRequest::new(1).to_json(), br#"{"batch":1}"#);
        let r = PullRequest {
            batch: 10,
            expires: Some(Duration::from_secs(5)),
            max_bytes: Some(1024),
            no_wait: true,
            idle_heartbeat: Some(Duration::from_secs(1)),
            ..PullRequest::default()
        };
        assert_eq!(
            String::from_utf8(r.to_json()).expect("utf-8"),
            r#"{"batch":10,"expires":5000000000,"max_bytes":1024,"no_wait":true,"idle_heartbeat":1000000000}"#
        );
        assert_eq!(r.validate(), Ok(()));
    }

    #[test]
    fn validation() {
        assert_eq!(
            PullRequest::new(0).validate(),
            Err(PullRequestError::EmptyBatch)
        );
        let mut r = PullRequest::new(1);
        r.idle_heartbeat = Some(Duration::from_secs(3));
        assert!(matches!(
            r.validate(),
            Err(PullRequestError::HeartbeatTooLarge { .. })
        ));
        r.expires = Some(Duration::from_secs(5));
        assert!(r.validate().is_err());
        r.expires = Some(Duration::from_secs(6));
        assert_eq!(r.validate(), Ok(()));
    }

    #[test]
    fn every_status_variant() {
        use PullAction as A;
        use PullStatus as S;
        let cases: Vec<(u16, &str, PullStatus, PullAction)> = vec![
            (100, "Idle Heartbeat", S::Heartbeat, A::KeepGoing),
            (404, "No Messages", S::NoMessages, A::Refill),
            (408, "Request Timeout", S::RequestTimeout, A::Refill),
            (408, "Requests Pending", S::RequestsPending, A::Refill),
            (408, "Interest Expired", S::InterestExpired, A::Refill),
            (409, "Batch Completed", S::BatchCompleted, A::Refill),
            (409, "Server Shutdown", S::ServerShutdown, A::Refill),
            (423, "Nats-Pin-Id mismatch", S::PinIdMismatch, A::Refill),
            (409, "Leadership Change", S::LeadershipChange, A::Reset),
        ];
        for (code, desc, status, action) in cases {
            let got = classify_pull_status(code, desc);
            assert_eq!(got, status, "{code} {desc}");
            assert_eq!(got.action(), action, "{code} {desc}");
        }
        let warnings: Vec<(u16, &str, PullStatus)> = vec![
            (
                409,
                "Message Size Exceeds MaxBytes",
                S::MessageSizeExceedsMaxBytes,
            ),
            (409, "Exceeded MaxWaiting", S::ExceededMaxWaiting),
            (
                409,
                "Exceeded MaxRequestBatch of 5",
                S::ExceededMaxRequestBatch("Exceeded MaxRequestBatch of 5".into()),
            ),
            (
                409,
                "Exceeded MaxRequestExpires of 10s",
                S::ExceededMaxRequestExpires("Exceeded MaxRequestExpires of 10s".into()),
            ),
            (
                409,
                "exceeded maxrequestmaxbytes of 9",
                S::ExceededMaxRequestMaxBytes("exceeded maxrequestmaxbytes of 9".into()),
            ),
            (503, "", S::NoResponders),
            (
                409,
                "Something New",
                S::Other {
                    code: 409,
                    description: "Something New".into(),
                },
            ),
        ];
        for (code, desc, status) in warnings {
            let got = classify_pull_status(code, desc);
            assert_eq!(got, status, "{code} {desc}");
            assert!(matches!(got.action(), A::Warning(_)), "{code} {desc}");
            assert!(got.ends_request());
        }
        let terminal: Vec<(u16, &str, PullStatus)> = vec![
            (409, "Consumer Deleted", S::ConsumerDeleted),
            (409, "Consumer is push based", S::ConsumerIsPushBased),
            (
                400,
                "Bad Request - heartbeat value too large",
                S::BadRequest("Bad Request - heartbeat value too large".into()),
            ),
            (412, "Required Api Level", S::RequiredApiLevel),
        ];
        for (code, desc, status) in terminal {
            let got = classify_pull_status(code, desc);
            assert_eq!(got, status, "{code} {desc}");
            assert!(matches!(got.action(), A::Terminal(_)), "{code} {desc}");
        }
        assert!(!S::Heartbeat.ends_request());
    }
}
