//! The policies of a consumer: where it starts, how it acks, replays and shares.
//!
//! [`DeliverPolicy`] is one value in Rust but three flat fields in JSON
//! (`deliver_policy`, `opt_start_seq`, `opt_start_time`), so a start sequence or time can
//! never be sent with the wrong policy (the server's error 10094).

use crate::time::SystemTime;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::json;

/// Where a new consumer starts in the stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DeliverPolicy {
    /// From the first message.
    #[default]
    All,
    /// From the last message.
    Last,
    /// Only messages stored after the consumer is created.
    New,
    /// From this stream sequence (`opt_start_seq`).
    ByStartSequence(u64),
    /// From the first message at or after this time (`opt_start_time`).
    ByStartTime(SystemTime),
    /// The last message of each subject, then new ones.
    LastPerSubject,
}

/// The JSON shape of the deliver policy: three flat fields of the config.
#[derive(Serialize, Deserialize, Default)]
struct DeliverFields {
    #[serde(default)]
    deliver_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    opt_start_seq: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::rfc3339_opt"
    )]
    opt_start_time: Option<SystemTime>,
}

impl Serialize for DeliverPolicy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (name, seq, time) = match *self {
            Self::All => ("all", None, None),
            Self::Last => ("last", None, None),
            Self::New => ("new", None, None),
            Self::ByStartSequence(n) => ("by_start_sequence", Some(n), None),
            Self::ByStartTime(t) => ("by_start_time", None, Some(t)),
            Self::LastPerSubject => ("last_per_subject", None, None),
        };
        DeliverFields {
            deliver_policy: Some(name.to_owned()),
            opt_start_seq: seq,
            opt_start_time: time,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for DeliverPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let f = DeliverFields::deserialize(d)?;
        Ok(match f.deliver_policy.as_deref().unwrap_or("all") {
            "all" | "" => Self::All,
            "last" => Self::Last,
            "new" => Self::New,
            "last_per_subject" => Self::LastPerSubject,
            "by_start_sequence" => Self::ByStartSequence(
                f.opt_start_seq
                    .ok_or_else(|| D::Error::missing_field("opt_start_seq"))?,
            ),
            "by_start_time" => Self::ByStartTime(
                f.opt_start_time
                    .ok_or_else(|| D::Error::missing_field("opt_start_time"))?,
            ),
            other => {
                return Err(D::Error::unknown_variant(
                    other,
                    &[
                        "all",
                        "last",
                        "new",
                        "by_start_sequence",
                        "by_start_time",
                        "last_per_subject",
                    ],
                ));
            }
        })
    }
}

/// How messages are acknowledged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckPolicy {
    /// No acks; delivered means done.
    None,
    /// Acking a message acks every earlier one.
    All,
    /// Every message is acked on its own (the client default).
    #[default]
    Explicit,
    /// Stream sourcing only, on the newest servers.
    FlowControl,
}

/// How fast messages are delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayPolicy {
    /// As fast as possible.
    #[default]
    Instant,
    /// At the pace they were stored.
    Original,
}

/// How a priority group shares messages (2.11+).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityPolicy {
    /// No priority groups.
    #[default]
    None,
    /// Overflow to other clients past a pending threshold.
    Overflow,
    /// One pinned client gets the messages.
    PinnedClient,
    /// By request priority.
    Prioritized,
}
