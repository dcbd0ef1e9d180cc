//! Where a stream's messages come from besides publishes: the streams it mirrors or
//! sources from (possibly in another account or domain), and the subject rewrites
//! applied on the way. Re-exported from [`stream`](super::stream), where
//! [`StreamConfig`](super::stream::StreamConfig) uses them.

use crate::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::json;

/// A subject rewrite: messages on `src` are stored (or sourced) as `dest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectTransform {
    /// Source subject pattern.
    #[serde(default)]
    pub src: String,
    /// Destination pattern (may use `{{wildcard(1)}}` mappings).
    #[serde(default)]
    pub dest: String,
}

/// The API of a stream in another account or domain, for mirrors and sources.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalStream {
    /// API prefix there, e.g. `$JS.hub.API`.
    #[serde(default)]
    pub api: String,
    /// Delivery prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver: Option<String>,
}

/// A stream this one mirrors or sources from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSource {
    /// Source stream name.
    pub name: String,
    /// Start at this sequence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_start_seq: Option<u64>,
    /// Start at this time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::rfc3339_opt"
    )]
    pub opt_start_time: Option<SystemTime>,
    /// Only messages on this subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_subject: Option<String>,
    /// Subject rewrites applied while sourcing.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::null_default"
    )]
    pub subject_transforms: Vec<SubjectTransform>,
    /// The source lives in another account or domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalStream>,
}

impl StreamSource {
    /// A source (or mirror) of the stream `name`, from its start.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
}
