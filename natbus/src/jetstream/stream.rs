//! `Stream`: a handle on one stream, for reading, deleting and purging its messages.

use bytes::BytesMut;
use natbus_proto::jetstream::direct_get::{
    DirectGetStatus, classify_direct_get_status, direct_get_message,
};
use natbus_proto::jetstream::errors::NO_MESSAGE_FOUND;
use natbus_proto::jetstream::response::{ApiError, SuccessResponse};
use natbus_proto::jetstream::stream_info::StreamInfo;
use natbus_proto::jetstream::stream_msg::{
    GetRequest, MsgDeleteRequest, MsgGetResponse, PurgeRequest, StoredMessage,
};

use super::context::JetStream;
use super::error::JetStreamError;
use crate::RequestOptions;

/// A stream, with the info it had when the handle was made.
#[derive(Debug, Clone)]
pub struct Stream {
    js: JetStream,
    info: StreamInfo,
}

impl Stream {
    pub(crate) fn new(js: JetStream, info: StreamInfo) -> Self {
        Self { js, info }
    }

    /// The context the handle was made with.
    pub(crate) fn js(&self) -> &JetStream {
        &self.js
    }

    /// The stream's name.
    pub fn name(&self) -> &str {
        &self.info.config.name
    }

    /// The info as of the handle's creation or last [`refresh`](Self::refresh).
    pub fn cached_info(&self) -> &StreamInfo {
        &self.info
    }

    /// Fetches current info (state, config) and caches it.
    ///
    /// # Errors
    /// Stream not found, or JetStream unavailable.
    pub async fn refresh(&mut self) -> Result<&StreamInfo, JetStreamError> {
        self.info = self.js.stream_info(self.name()).await?;
        Ok(&self.info)
    }

    /// The message stored at `sequence`. Uses DIRECT.GET when the stream allows it
    /// (`allow_direct`), else STREAM.MSG.GET.
    ///
    /// # Errors
    /// An API error with `is_no_message_found` when there is none.
    pub async fn get_message(&self, sequence: u64) -> Result<StoredMessage, JetStreamError> {
        self.get(GetRequest::sequence(sequence)).await
    }

    /// The newest message on `subject`.
    ///
    /// # Errors
    /// An API error with `is_no_message_found` when there is none.
    pub async fn get_last_message(&self, subject: &str) -> Result<StoredMessage, JetStreamError> {
        self.get(GetRequest::last_by_subject(subject)).await
    }

    /// The first message on `subject` at or after `sequence`.
    ///
    /// # Errors
    /// An API error with `is_no_message_found` when there is none.
    pub async fn get_next_message(
        &self,
        subject: &str,
        sequence: u64,
    ) -> Result<StoredMessage, JetStreamError> {
        self.get(GetRequest::next_by_subject(subject, sequence))
            .await
    }

    async fn get(&self, request: GetRequest) -> Result<StoredMessage, JetStreamError> {
        get_stored(
            &self.js,
            self.name(),
            self.info.config.allow_direct,
            &request,
        )
        .await
    }

    /// Deletes the message at `sequence` (its data is overwritten on disk).
    ///
    /// # Errors
    /// An API error when the sequence is absent or deletes are denied.
    pub async fn delete_message(&self, sequence: u64) -> Result<bool, JetStreamError> {
        let subject = self.js.prefix.stream_msg_delete(self.name())?;
        let req = MsgDeleteRequest {
            seq: sequence,
            no_erase: false,
        };
        let r: SuccessResponse = self.js.api_json(&subject, &req).await?;
        Ok(r.success)
    }

    /// Purges every message; returns how many were removed.
    ///
    /// # Errors
    /// API errors (e.g. `deny_purge`).
    pub async fn purge(&self) -> Result<u64, JetStreamError> {
        self.js
            .purge_stream(self.name(), PurgeRequest::default())
            .await
    }

    /// Purges the messages of one subject (wildcards allowed).
    ///
    /// # Errors
    /// API errors.
    pub async fn purge_subject(&self, subject: &str) -> Result<u64, JetStreamError> {
        let req = PurgeRequest {
            filter: Some(subject.to_owned()),
            ..PurgeRequest::default()
        };
        self.js.purge_stream(self.name(), req).await
    }

    /// Purges all but the newest `keep` messages.
    ///
    /// # Errors
    /// API errors.
    pub async fn purge_keep(&self, keep: u64) -> Result<u64, JetStreamError> {
        let req = PurgeRequest {
            keep: Some(keep),
            ..PurgeRequest::default()
        };
        self.js.purge_stream(self.name(), req).await
    }
}

/// A stored message, with DIRECT.GET when the stream allows it, else STREAM.MSG.GET.
pub(crate) async fn get_stored(
    js: &JetStream,
    stream: &str,
    allow_direct: bool,
    request: &GetRequest,
) -> Result<StoredMessage, JetStreamError> {
    if allow_direct {
        direct_get(js, stream, request).await
    } else {
        msg_get(js, stream, request).await
    }
}

/// As [`get_stored`], with "no message found" as `None` (how key-value and object
/// stores read a key or an object's description).
#[cfg(any(feature = "kv", feature = "object-store"))]
pub(crate) async fn find_stored(
    js: &JetStream,
    stream: &str,
    allow_direct: bool,
    request: &GetRequest,
) -> Result<Option<StoredMessage>, JetStreamError> {
    match get_stored(js, stream, allow_direct, request).await {
        Ok(m) => Ok(Some(m)),
        Err(JetStreamError::Api(e)) if e.is_no_message_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// STREAM.MSG.GET: works on every stream.
pub(crate) async fn msg_get(
    js: &JetStream,
    stream: &str,
    request: &GetRequest,
) -> Result<StoredMessage, JetStreamError> {
    let subject = js.prefix.stream_msg_get(stream)?;
    let r: MsgGetResponse = js.api_json(&subject, request).await?;
    Ok(r.message)
}

/// DIRECT.GET: answered by any replica, the reply is the raw message with `Nats-*` headers.
pub(crate) async fn direct_get(
    js: &JetStream,
    stream: &str,
    request: &GetRequest,
) -> Result<StoredMessage, JetStreamError> {
    let subject = js.prefix.direct_get(stream)?;
    let body = serde_json::to_vec(request)?;
    let msg = js
        .client
        .request_with(
            &subject,
            body,
            RequestOptions {
                headers: None,
                timeout: Some(js.timeout),
            },
        )
        .await
        .map_err(JetStreamError::from_api_request)?;
    if let Some(status) = msg.status() {
        let description = msg.description().unwrap_or_default().to_owned();
        return Err(
            match classify_direct_get_status(status.as_u16(), &description) {
                DirectGetStatus::NotFound => JetStreamError::Api(ApiError {
                    code: 404,
                    err_code: NO_MESSAGE_FOUND,
                    description: "no message found".to_owned(),
                }),
                _ => JetStreamError::Status {
                    code: status.as_u16(),
                    description,
                },
            },
        );
    }
    let headers = msg.headers.unwrap_or_default();
    let mut raw = BytesMut::new();
    headers.encode(&mut raw);
    let direct = direct_get_message(|n| headers.get(n), Some(raw.freeze()), msg.payload)?;
    Ok(direct.message)
}
