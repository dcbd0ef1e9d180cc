//! Streams: creating, finding and deleting them, and a handle on one.

use natbus::jetstream::{JetStreamError, PurgeRequest, StoredMessage, StreamConfig, StreamInfo};

use super::JetStream;
use crate::block::block_on;

impl JetStream {
    /// Creates a stream.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::create_stream`].
    pub fn create_stream(&self, config: StreamConfig) -> Result<Stream, JetStreamError> {
        block_on(self.inner.create_stream(config)).map(Stream::new)
    }

    /// Returns the existing stream named `config.name` unchanged, or creates it.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::get_or_create_stream`].
    pub fn get_or_create_stream(&self, config: StreamConfig) -> Result<Stream, JetStreamError> {
        block_on(self.inner.get_or_create_stream(config)).map(Stream::new)
    }

    /// Creates the stream, or adds to an existing one the subjects of `config` it lacks.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::ensure_stream`].
    pub fn ensure_stream(&self, config: StreamConfig) -> Result<Stream, JetStreamError> {
        block_on(self.inner.ensure_stream(config)).map(Stream::new)
    }

    /// Updates an existing stream's config.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::update_stream`].
    pub fn update_stream(&self, config: StreamConfig) -> Result<Stream, JetStreamError> {
        block_on(self.inner.update_stream(config)).map(Stream::new)
    }

    /// A handle on an existing stream.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::get_stream`].
    pub fn get_stream(&self, name: &str) -> Result<Stream, JetStreamError> {
        block_on(self.inner.get_stream(name)).map(Stream::new)
    }

    /// The stream's config and state.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::stream_info`].
    pub fn stream_info(&self, name: &str) -> Result<StreamInfo, JetStreamError> {
        block_on(self.inner.stream_info(name))
    }

    /// Deletes a stream and all its messages and consumers.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::delete_stream`].
    pub fn delete_stream(&self, name: &str) -> Result<bool, JetStreamError> {
        block_on(self.inner.delete_stream(name))
    }

    /// Purges messages of a stream; returns how many were removed.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::purge_stream`].
    pub fn purge_stream(&self, name: &str, request: PurgeRequest) -> Result<u64, JetStreamError> {
        block_on(self.inner.purge_stream(name, request))
    }

    /// Names of all streams, optionally only those capturing `subject`.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::stream_names`].
    pub fn stream_names(&self, subject: Option<&str>) -> Result<Vec<String>, JetStreamError> {
        block_on(self.inner.stream_names(subject))
    }
}

/// A stream, with the info it had when the handle was made.
#[derive(Debug, Clone)]
pub struct Stream {
    inner: natbus::jetstream::Stream,
}

impl Stream {
    fn new(inner: natbus::jetstream::Stream) -> Self {
        Self { inner }
    }

    /// The stream's name.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The info as of the handle's creation or last [`refresh`](Self::refresh).
    pub fn cached_info(&self) -> &StreamInfo {
        self.inner.cached_info()
    }

    /// Fetches current info (state, config) and caches it.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Stream::refresh`].
    pub fn refresh(&mut self) -> Result<&StreamInfo, JetStreamError> {
        block_on(self.inner.refresh())
    }

    /// The message stored at `sequence`.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Stream::get_message`].
    pub fn get_message(&self, sequence: u64) -> Result<StoredMessage, JetStreamError> {
        block_on(self.inner.get_message(sequence))
    }

    /// The newest message on `subject`.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Stream::get_last_message`].
    pub fn get_last_message(&self, subject: &str) -> Result<StoredMessage, JetStreamError> {
        block_on(self.inner.get_last_message(subject))
    }

    /// Deletes the message at `sequence`.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Stream::delete_message`].
    pub fn delete_message(&self, sequence: u64) -> Result<bool, JetStreamError> {
        block_on(self.inner.delete_message(sequence))
    }

    /// Purges every message; returns how many were removed.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Stream::purge`].
    pub fn purge(&self) -> Result<u64, JetStreamError> {
        block_on(self.inner.purge())
    }
}
