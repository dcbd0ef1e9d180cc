//! What key-value and object stores share: a bucket is a stream with a fixed name, and
//! its writes carry a few fixed headers.

use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::stream_info::StreamInfo;

use super::context::JetStream;
use super::error::JetStreamError;

/// The info of a bucket's stream; "stream not found" becomes `missing()` (the store's own
/// "bucket not found").
pub(crate) async fn bucket_stream_info(
    js: &JetStream,
    stream: &str,
    missing: impl FnOnce() -> JetStreamError,
) -> Result<StreamInfo, JetStreamError> {
    match js.stream_info(stream).await {
        Err(JetStreamError::Api(e)) if e.is_stream_not_found() => Err(missing()),
        other => other,
    }
}

/// Deletes a bucket's stream; "stream not found" becomes `missing()`.
pub(crate) async fn delete_bucket_stream(
    js: &JetStream,
    stream: &str,
    missing: impl FnOnce() -> JetStreamError,
) -> Result<bool, JetStreamError> {
    match js.delete_stream(stream).await {
        Err(JetStreamError::Api(e)) if e.is_stream_not_found() => Err(missing()),
        other => other,
    }
}

/// A header map from the `(name, value)` pairs the proto crate's stores ask for.
pub(crate) fn headers(pairs: Vec<(&'static str, String)>) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in pairs {
        h.insert(name, value);
    }
    h
}
