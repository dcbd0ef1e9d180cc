//! `JetStream`: the context every JetStream call goes through (client, API prefix, timeout).

use natbus_proto::time::Instant;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::account::AccountInfo;
use natbus_proto::jetstream::api::ApiPrefix;
use natbus_proto::jetstream::publish_retry::RetryPolicy;
use natbus_proto::jetstream::response::parse_response;
use serde::de::DeserializeOwned;

use super::error::JetStreamError;
use super::publish_async::AckMux;
use super::requirements::LevelCache;
use crate::runtime::sleep_for;
use crate::{Client, RequestOptions};

/// Default bound on publishes waiting for their ack in [`JetStream::publish_async`].
pub const DEFAULT_MAX_PENDING_ACKS: usize = 256;

/// A JetStream context: a [`Client`] plus the API prefix (or domain) and the timeout of
/// every JetStream call. Cheap to clone; clones share the async-publish window.
#[derive(Debug, Clone)]
pub struct JetStream {
    pub(crate) client: Client,
    pub(crate) prefix: ApiPrefix,
    pub(crate) timeout: Duration,
    pub(crate) acks: Arc<AckSlot>,
    /// The JetStream server's API level when it is not the connected server's (see
    /// [`server_support`](Self::server_support)); shared by clones.
    pub(crate) levels: Arc<LevelCache>,
    /// How publishes are retried (see [`JetStream::with_publish_retry`]).
    pub(crate) retry: RetryPolicy,
}

/// The async-publish machinery, created on first use and closed when the last context
/// clone is dropped.
#[derive(Debug)]
pub(crate) struct AckSlot {
    pub(crate) max_pending: Mutex<usize>,
    pub(crate) mux: Mutex<Option<Arc<AckMux>>>,
}

impl Drop for AckSlot {
    fn drop(&mut self) {
        let mux = self.mux.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(mux) = mux.take() {
            mux.close();
        }
    }
}

impl JetStream {
    /// A context on `client` with the default prefix `$JS.API` and the client's request
    /// timeout.
    pub fn new(client: Client) -> Self {
        let timeout = client.request_timeout();
        Self {
            client,
            prefix: ApiPrefix::new(),
            timeout,
            acks: Arc::new(AckSlot {
                max_pending: Mutex::new(DEFAULT_MAX_PENDING_ACKS),
                mux: Mutex::new(None),
            }),
            levels: LevelCache::new(),
            retry: RetryPolicy::default(),
        }
    }

    /// Talks to the JetStream of `domain` (API prefix `$JS.<domain>.API`).
    pub fn with_domain(mut self, domain: &str) -> Self {
        self.prefix = ApiPrefix::domain(domain);
        self.levels = LevelCache::new();
        self
    }

    /// Uses a custom API prefix (an API imported from another account).
    pub fn with_api_prefix(mut self, prefix: &str) -> Self {
        self.prefix = ApiPrefix::custom(prefix);
        self.levels = LevelCache::new();
        self
    }

    /// Sets the timeout of API calls and of waiting for publish acks.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Bounds how many [`publish_async`](Self::publish_async) acks may be outstanding
    /// (default 256); when the window is full, `publish_async` waits. Takes effect if set
    /// before the first `publish_async`.
    pub fn with_max_pending_acks(self, max: usize) -> Self {
        *self
            .acks
            .max_pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = max.max(1);
        self
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The API prefix in use.
    pub fn api_prefix(&self) -> &ApiPrefix {
        &self.prefix
    }

    /// The timeout of API calls.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Account usage and limits; also the simplest "is JetStream there?" check.
    ///
    /// # Errors
    /// [`JetStreamError::NotAvailable`] when JetStream is off, or an API error.
    pub async fn account_info(&self) -> Result<AccountInfo, JetStreamError> {
        self.api_request(&self.prefix.account_info(), Vec::new())
            .await
    }

    /// Sends an API request and parses its reply, checking the `error` field first.
    pub(crate) async fn api_request<T: DeserializeOwned>(
        &self,
        subject: &str,
        body: Vec<u8>,
    ) -> Result<T, JetStreamError> {
        self.api_request_with(subject, body, None).await
    }

    /// [`api_request`](Self::api_request) with request headers.
    pub(crate) async fn api_request_with<T: DeserializeOwned>(
        &self,
        subject: &str,
        body: Vec<u8>,
        headers: Option<HeaderMap>,
    ) -> Result<T, JetStreamError> {
        let msg = self
            .client
            .request_with(
                subject,
                body,
                RequestOptions {
                    headers,
                    timeout: Some(self.timeout),
                },
            )
            .await
            .map_err(JetStreamError::from_api_request)?;
        Ok(parse_response(&msg.payload)?)
    }

    /// Serializes `body` as JSON and sends it to `subject`.
    pub(crate) async fn api_json<B: serde::Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        subject: &str,
        body: &B,
    ) -> Result<T, JetStreamError> {
        let body = serde_json::to_vec(body)?;
        self.api_request(subject, body).await
    }

    /// Sleeps on the client's runtime.
    pub(crate) async fn sleep(&self, d: Duration) {
        sleep_for(&**self.client.runtime(), d).await;
    }

    /// Sleeps on the client's runtime until `at`.
    pub(crate) async fn sleep_until(&self, at: Instant) {
        self.client.runtime().sleep_until(at).await;
    }

    /// The runtime's clock.
    pub(crate) fn now(&self) -> Instant {
        self.client.runtime().now()
    }
}

/// A random name for ephemeral consumers and object chunks (a NUID: 22 characters, valid
/// in subjects), from the connection's generator, so a seeded client names things the same
/// way on every run.
pub(crate) fn random_name(client: &Client) -> String {
    client.fresh_nuid()
}
