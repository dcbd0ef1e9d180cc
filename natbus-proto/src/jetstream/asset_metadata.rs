//! Stream and consumer metadata: the user's key/value pairs, and what the server records
//! about the asset under the reserved `_nats.` keys (ADR-44).
//!
//! Streams and consumers carry a `metadata` map (nats-server 2.10+) for the user's own
//! notes: an owner, a purpose, a version of the application that made it. Since 2.11 the
//! server adds keys of its own, which it rewrites on every create and update and refuses
//! nothing for (a client never sends them back):
//!
//! | key | meaning |
//! |---|---|
//! | `_nats.ver` | the version of the server hosting the asset |
//! | `_nats.level` | that server's JetStream API level |
//! | `_nats.req.level` | the API level the asset's config needs (e.g. 1 for a paused consumer) |
//!
//! [`ServerMetadata`] reads them; [`user_metadata`] leaves them out.
//!
//! ```
//! use std::collections::BTreeMap;
//! use natbus_proto::jetstream::asset_metadata::{ServerMetadata, user_metadata};
//! use natbus_proto::server_version::ServerVersion;
//!
//! let metadata = BTreeMap::from([
//!     ("owner".to_owned(), "billing".to_owned()),
//!     ("_nats.ver".to_owned(), "2.15.1".to_owned()),
//!     ("_nats.level".to_owned(), "5".to_owned()),
//!     ("_nats.req.level".to_owned(), "1".to_owned()),
//! ]);
//! let server = ServerMetadata::from_metadata(&metadata);
//! assert_eq!(server.version, Some(ServerVersion::new(2, 15, 1)));
//! assert_eq!((server.api_level, server.required_api_level), (Some(5), Some(1)));
//! assert_eq!(user_metadata(&metadata).into_iter().collect::<Vec<_>>(), [("owner", "billing")]);
//! ```

use std::collections::BTreeMap;

use crate::server_version::ServerVersion;

use super::json::RESERVED_METADATA_PREFIX;

/// Key of the hosting server's version.
pub const SERVER_VERSION_KEY: &str = "_nats.ver";
/// Key of the hosting server's JetStream API level.
pub const SERVER_LEVEL_KEY: &str = "_nats.level";
/// Key of the API level the asset's config requires.
pub const REQUIRED_LEVEL_KEY: &str = "_nats.req.level";

/// Whether `key` is one the server reserves (`_nats.` prefix): such keys are never sent.
pub fn is_reserved_key(key: &str) -> bool {
    key.starts_with(RESERVED_METADATA_PREFIX)
}

/// The user's entries of a stream's or consumer's metadata, without the reserved keys.
pub fn user_metadata(metadata: &BTreeMap<String, String>) -> BTreeMap<&str, &str> {
    super::json::user_metadata(metadata)
}

/// What the server recorded about a stream or consumer in its metadata (2.11+; every field
/// is `None` on older servers, and for a value that does not parse).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerMetadata {
    /// The version of the server hosting the asset (`_nats.ver`).
    pub version: Option<ServerVersion>,
    /// That server's JetStream API level (`_nats.level`).
    pub api_level: Option<u32>,
    /// The API level the asset's config needs to be loaded (`_nats.req.level`): a server
    /// below it cannot run the asset.
    pub required_api_level: Option<u32>,
}

impl ServerMetadata {
    /// Reads the reserved keys of `metadata`.
    pub fn from_metadata(metadata: &BTreeMap<String, String>) -> Self {
        let level = |key: &str| metadata.get(key).and_then(|v| v.trim().parse().ok());
        Self {
            version: metadata
                .get(SERVER_VERSION_KEY)
                .and_then(|v| v.parse().ok()),
            api_level: level(SERVER_LEVEL_KEY),
            required_api_level: level(REQUIRED_LEVEL_KEY),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_garbled_values_are_none() {
        assert_eq!(
            ServerMetadata::from_metadata(&BTreeMap::new()),
            ServerMetadata::default()
        );
        let odd = BTreeMap::from([
            (SERVER_VERSION_KEY.to_owned(), "not a version".to_owned()),
            (SERVER_LEVEL_KEY.to_owned(), "-1".to_owned()),
            (REQUIRED_LEVEL_KEY.to_owned(), " 2 ".to_owned()),
        ]);
        let m = ServerMetadata::from_metadata(&odd);
        assert_eq!((m.version, m.api_level), (None, None));
        assert_eq!(m.required_api_level, Some(2));
        assert!(is_reserved_key("_nats.anything") && !is_reserved_key("nats.x"));
    }
}
