//! Feature checks: a feature the server is too old for fails at once, naming the version
//! it needs, instead of being silently ignored by the server.
//!
//! The table of features and the comparison live in
//! [`natbus_proto::jetstream::features`]; this is where they meet the connection.
//!
//! # Which server is checked
//!
//! - Normally the connected server: its INFO `version` (and `api_lvl`, 2.12+) is parsed
//!   once per connection and cached by the client; a reconnect, to the same or another
//!   server, replaces it. No request is sent.
//! - When the connected server does not run JetStream itself (INFO `jetstream` false, e.g.
//!   a leaf node whose hub answers) or the context uses a domain or a custom API prefix,
//!   the version of the server that will answer is unknown, so the `api.level` of
//!   `$JS.API.INFO` is asked once and cached until the client connects to another server.
//!
//! API requests that rely on a feature also carry the ADR-44 header
//! `Nats-Required-Api-Level`, so a 2.12+ JetStream server further away (an older meta
//! leader during a rolling upgrade) refuses them too; that refusal (error 10185) becomes
//! the same [`JetStreamError::ServerTooOld`].
//!
//! # For code adding a feature
//!
//! ```text
//! js.require(Feature::ConsumerPause).await?;                 // before a publish-based use
//! js.api_request_requiring(&[Feature::ConsumerPause], &subject, body).await?; // API calls
//! ```
//!
//! `create_stream`, `update_stream`, `ensure_stream` and the consumer creates check the
//! features their config relies on
//! ([`stream_features`](natbus_proto::jetstream::features::stream_features),
//! [`consumer_features`](natbus_proto::jetstream::features::consumer_features)) already.

use std::sync::{Arc, Mutex, PoisonError};

use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::ApiPrefix;
use natbus_proto::jetstream::features::{
    Feature, REQUIRED_API_LEVEL_ERR_CODE, REQUIRED_API_LEVEL_HEADER, ServerSupport, ServerTooOld,
    required_api_level,
};
use serde::de::DeserializeOwned;

use super::JetStream;
use super::error::JetStreamError;

/// What `$JS.API.INFO` said about the JetStream server, and for which connection.
#[derive(Debug, Default)]
pub(crate) struct LevelCache(Mutex<Option<(u64, ServerSupport)>>);

impl LevelCache {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn get(&self, generation: u64) -> Option<ServerSupport> {
        let slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        slot.filter(|(g, _)| *g == generation).map(|(_, s)| s)
    }

    fn set(&self, generation: u64, support: ServerSupport) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((generation, support));
    }
}

impl JetStream {
    /// What the JetStream server this context talks to can do: the connected server's
    /// version and API level from its INFO, or (without JetStream on the connected server,
    /// or with a domain or custom prefix) the API level `$JS.API.INFO` reports, asked
    /// once per connection.
    ///
    /// # Errors
    /// The errors of [`account_info`](Self::account_info) when that request is needed.
    pub async fn server_support(&self) -> Result<ServerSupport, JetStreamError> {
        let Some(server) = self.client.connected_server() else {
            // Never connected: nothing is known, and the request waits for a server anyway.
            return Ok(ServerSupport::default());
        };
        if server.jetstream && self.prefix == ApiPrefix::new() {
            return Ok(server.support);
        }
        if let Some(cached) = self.levels.get(server.generation) {
            return Ok(cached);
        }
        let level = self.account_info().await?.api.level;
        let support = ServerSupport::from_api_level(level);
        self.levels.set(server.generation, support);
        Ok(support)
    }

    /// Fails with [`JetStreamError::ServerTooOld`] when the server is too old for `feature`.
    ///
    /// ```no_run
    /// # async fn demo(js: natbus::jetstream::JetStream) {
    /// use natbus::jetstream::{Feature, JetStreamError};
    ///
    /// match js.require(Feature::MessageCounters).await {
    ///     Ok(()) => {}
    ///     Err(JetStreamError::ServerTooOld { feature, needs, server, .. }) => {
    ///         eprintln!("{feature} need {needs}; the server is {server:?}");
    ///     }
    ///     Err(other) => eprintln!("{other}"),
    /// }
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`JetStreamError::ServerTooOld`], or the errors of
    /// [`server_support`](Self::server_support).
    pub async fn require(&self, feature: Feature) -> Result<(), JetStreamError> {
        self.require_all(&[feature]).await
    }

    /// [`require`](Self::require) for several features (one look-up); the error names
    /// the lacking feature that needs the newest server.
    pub(crate) async fn require_all(&self, features: &[Feature]) -> Result<(), JetStreamError> {
        if features.is_empty() {
            return Ok(());
        }
        let support = self.server_support().await?;
        Ok(support.check_all(features)?)
    }

    /// An API request relying on `features`: checked first, sent with
    /// `Nats-Required-Api-Level`, and a server's refusal of that level (10185) returned as
    /// [`JetStreamError::ServerTooOld`].
    pub(crate) async fn api_request_requiring<T: DeserializeOwned>(
        &self,
        features: &[Feature],
        subject: &str,
        body: Vec<u8>,
    ) -> Result<T, JetStreamError> {
        self.require_all(features).await?;
        let headers = required_level_headers(features);
        self.api_request_with(subject, body, headers)
            .await
            .map_err(|e| refused_level(e, features))
    }
}

/// The `Nats-Required-Api-Level` header for `features`, or none.
pub(crate) fn required_level_headers(features: &[Feature]) -> Option<HeaderMap> {
    required_api_level(features.iter().copied()).map(|level| {
        let mut headers = HeaderMap::new();
        headers.insert(REQUIRED_API_LEVEL_HEADER, level.to_string());
        headers
    })
}

/// Turns a server's refusal of the required API level into `ServerTooOld`, naming the
/// feature that needs the highest level.
pub(crate) fn refused_level(e: JetStreamError, features: &[Feature]) -> JetStreamError {
    let refused = match &e {
        JetStreamError::Api(api) => api.err_code == REQUIRED_API_LEVEL_ERR_CODE,
        JetStreamError::Status { code, .. } => *code == 412,
        _ => false,
    };
    match features.iter().max_by_key(|f| f.api_level()) {
        Some(&feature) if refused => ServerTooOld::refused_by_api_level(feature).into(),
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use natbus_proto::jetstream::ApiError;

    #[test]
    fn header_carries_the_highest_level() {
        assert!(required_level_headers(&[]).is_none());
        let h = required_level_headers(&[Feature::MessageTtl, Feature::FastBatch])
            .expect("features need a level");
        assert_eq!(h.get(REQUIRED_API_LEVEL_HEADER), Some("4"));
    }

    #[test]
    fn a_10185_reply_names_the_feature() {
        let api = ApiError {
            code: 412,
            err_code: REQUIRED_API_LEVEL_ERR_CODE,
            description: "JetStream minimum api level required".into(),
        };
        let e = refused_level(
            JetStreamError::Api(api),
            &[Feature::MessageTtl, Feature::MessageSchedules],
        );
        assert!(
            matches!(
                e,
                JetStreamError::ServerTooOld {
                    feature: Feature::MessageSchedules,
                    server: None,
                    ..
                }
            ),
            "{e:?}"
        );
        let other = refused_level(JetStreamError::Closed, &[Feature::MessageTtl]);
        assert!(matches!(other, JetStreamError::Closed));
    }
}
