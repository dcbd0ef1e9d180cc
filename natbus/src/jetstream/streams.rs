//! Stream administration: create, update, info, delete, purge, names and list.

use natbus_proto::jetstream::features::stream_features;
use natbus_proto::jetstream::response::{ListItems, PagedRequest, Pager, SuccessResponse};
use natbus_proto::jetstream::stream::StreamConfig;
use natbus_proto::jetstream::stream_info::{StreamInfo, StreamListResponse, StreamNamesResponse};
use natbus_proto::jetstream::stream_msg::{PurgeRequest, PurgeResponse};

use super::context::JetStream;
use super::error::JetStreamError;
use super::stream::Stream;

impl JetStream {
    /// Creates a stream. Creating an identical stream again succeeds; a different config
    /// under an existing name fails with an API error (`is_stream_name_in_use`).
    ///
    /// Options newer than 2.10 (`allow_msg_ttl`, `allow_msg_counter`,
    /// `allow_msg_schedules`, …) are checked against the server first, since an older
    /// server would silently create a stream without them.
    ///
    /// # Errors
    /// An invalid name, [`JetStreamError::ServerTooOld`], an API error (e.g. overlapping
    /// subjects), or JetStream unavailable.
    pub async fn create_stream(&self, config: StreamConfig) -> Result<Stream, JetStreamError> {
        let subject = self.prefix.stream_create(&config.name)?;
        let features = stream_features(&config);
        let body = serde_json::to_vec(&config)?;
        let info: StreamInfo = self
            .api_request_requiring(&features, &subject, body)
            .await?;
        Ok(Stream::new(self.clone(), info))
    }

    /// Returns the existing stream named `config.name` unchanged, or creates it.
    ///
    /// # Errors
    /// As [`create_stream`](Self::create_stream).
    pub async fn get_or_create_stream(
        &self,
        config: StreamConfig,
    ) -> Result<Stream, JetStreamError> {
        match self.get_stream(&config.name).await {
            Err(JetStreamError::Api(e)) if e.is_stream_not_found() => {
                match self.create_stream(config.clone()).await {
                    // Someone else created it meanwhile.
                    Err(JetStreamError::Api(e)) if e.is_stream_name_in_use() => {
                        self.get_stream(&config.name).await
                    }
                    other => other,
                }
            }
            other => other,
        }
    }

    /// Updates an existing stream's config.
    ///
    /// # Errors
    /// Stream not found, or a change the server refuses.
    pub async fn update_stream(&self, config: StreamConfig) -> Result<Stream, JetStreamError> {
        let subject = self.prefix.stream_update(&config.name)?;
        let features = stream_features(&config);
        let body = serde_json::to_vec(&config)?;
        let info: StreamInfo = self
            .api_request_requiring(&features, &subject, body)
            .await?;
        Ok(Stream::new(self.clone(), info))
    }

    /// A handle on an existing stream (one STREAM.INFO round trip).
    ///
    /// # Errors
    /// Stream not found (`is_stream_not_found`), or JetStream unavailable.
    pub async fn get_stream(&self, name: &str) -> Result<Stream, JetStreamError> {
        let info = self.stream_info(name).await?;
        Ok(Stream::new(self.clone(), info))
    }

    /// The stream's config and state.
    ///
    /// # Errors
    /// Stream not found, or JetStream unavailable.
    pub async fn stream_info(&self, name: &str) -> Result<StreamInfo, JetStreamError> {
        let subject = self.prefix.stream_info(name)?;
        self.api_request(&subject, Vec::new()).await
    }

    /// Deletes a stream and all its messages and consumers.
    ///
    /// # Errors
    /// Stream not found, or JetStream unavailable.
    pub async fn delete_stream(&self, name: &str) -> Result<bool, JetStreamError> {
        let subject = self.prefix.stream_delete(name)?;
        let r: SuccessResponse = self.api_request(&subject, Vec::new()).await?;
        Ok(r.success)
    }

    /// Purges messages of a stream: everything with `PurgeRequest::default()`, or only a
    /// subject (`filter`), everything below a sequence (`seq`), or all but the newest
    /// `keep`. Returns how many messages were removed.
    ///
    /// # Errors
    /// Stream not found, `seq` together with `keep`, or JetStream unavailable.
    pub async fn purge_stream(
        &self,
        name: &str,
        request: PurgeRequest,
    ) -> Result<u64, JetStreamError> {
        let subject = self.prefix.stream_purge(name)?;
        let r: PurgeResponse = self.api_json(&subject, &request).await?;
        Ok(r.purged)
    }

    /// Names of all streams (every page), optionally only those capturing `subject`.
    ///
    /// # Errors
    /// JetStream unavailable.
    pub async fn stream_names(&self, subject: Option<&str>) -> Result<Vec<String>, JetStreamError> {
        let mut pager = Pager::new();
        let mut names = Vec::new();
        while let Some(offset) = pager.next_offset() {
            let req = PagedRequest {
                offset,
                subject: subject.map(str::to_owned),
            };
            let page: StreamNamesResponse =
                self.api_json(&self.prefix.stream_names(), &req).await?;
            pager.on_page(page.streams.len(), page.page);
            names.extend(page.streams);
        }
        Ok(names)
    }

    /// Info of all streams (every page), optionally only those capturing `subject`.
    ///
    /// # Errors
    /// JetStream unavailable.
    pub async fn streams(&self, subject: Option<&str>) -> Result<Vec<StreamInfo>, JetStreamError> {
        let mut pager = Pager::new();
        let mut all = Vec::new();
        while let Some(offset) = pager.next_offset() {
            let req = PagedRequest {
                offset,
                subject: subject.map(str::to_owned),
            };
            let page: StreamListResponse = self.api_json(&self.prefix.stream_list(), &req).await?;
            pager.on_page(page.streams.len(), page.page);
            all.extend(readable("stream", page.streams));
        }
        Ok(all)
    }
}

/// The items of a listing page that could be read; each one that could not is logged by
/// name and left out, so that it hides nothing else.
pub(super) fn readable<T>(kind: &str, page: ListItems<T>) -> Vec<T> {
    for skipped in &page.skipped {
        tracing::warn!(
            kind,
            name = ?skipped.name,
            error = %skipped.error,
            "skipping a listed item that cannot be read"
        );
    }
    page.items
}
