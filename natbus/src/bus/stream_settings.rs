//! `StreamSettings`: the stream a bus ensures on connect and uses by default.

use natbus_proto::jetstream::stream::StorageType;
use serde::Deserialize;

/// The stream the bus makes sure exists when it connects (the Python NATBus's
/// `stream_create=True`, `stream_name`, `stream_subjects`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct StreamSettings {
    /// The stream's name, e.g. `ORDERS`.
    pub name: String,
    /// The subjects it captures, e.g. `orders.>`.
    #[serde(default)]
    pub subjects: Vec<String>,
    /// Where messages are kept (`file`, the default, or `memory`).
    #[serde(default)]
    pub storage: StorageType,
    /// Create the stream when it is missing, and add these subjects to an existing stream
    /// that does not capture them yet (nothing else of an existing stream is changed:
    /// see [`JetStream::ensure_stream`](crate::jetstream::JetStream::ensure_stream)).
    /// When false the stream must exist; it is only the default stream of the bus's
    /// subscriptions. Default true.
    #[serde(default = "yes")]
    pub create: bool,
}

fn yes() -> bool {
    true
}

impl StreamSettings {
    /// A stream named `name` capturing `subjects`, on file, created when missing.
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        subjects: impl IntoIterator<Item = S>,
    ) -> Self {
        StreamSettings {
            name: name.into(),
            subjects: subjects.into_iter().map(Into::into).collect(),
            storage: StorageType::File,
            create: true,
        }
    }

    /// Sets the storage.
    pub fn storage(mut self, storage: StorageType) -> Self {
        self.storage = storage;
        self
    }

    /// Sets whether the bus creates the stream (true) or expects it to exist (false).
    pub fn create(mut self, create: bool) -> Self {
        self.create = create;
        self
    }
}
