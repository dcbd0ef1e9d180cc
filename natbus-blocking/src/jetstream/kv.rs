//! Key-value buckets: create, open, delete, and the `Store` handle.

use std::time::Duration;

use natbus::Bytes;
use natbus::jetstream::{Entry, JetStreamError, KeyValueConfig};
use natbus::proto::jetstream::kv::BucketStatus;

use super::JetStream;
use crate::block::{TimedOut, block_on, next, next_timeout};

impl JetStream {
    /// Creates a bucket.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::create_key_value`].
    pub fn create_key_value(&self, config: KeyValueConfig) -> Result<Store, JetStreamError> {
        block_on(self.inner.create_key_value(config)).map(|inner| Store { inner })
    }

    /// Opens an existing bucket.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::key_value`].
    pub fn key_value(&self, bucket: &str) -> Result<Store, JetStreamError> {
        block_on(self.inner.key_value(bucket)).map(|inner| Store { inner })
    }

    /// Deletes a bucket and all its keys.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::delete_key_value`].
    pub fn delete_key_value(&self, bucket: &str) -> Result<bool, JetStreamError> {
        block_on(self.inner.delete_key_value(bucket))
    }
}

/// A key-value bucket. Cheap to clone, `Send + Sync`; every call waits up to the JetStream
/// timeout.
#[derive(Debug, Clone)]
pub struct Store {
    inner: natbus::jetstream::Store,
}

impl Store {
    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        self.inner.bucket()
    }

    /// The bucket's state (values stored, history, TTL).
    ///
    /// # Errors
    /// As [`natbus::jetstream::Store::status`].
    pub fn status(&self) -> Result<BucketStatus, JetStreamError> {
        block_on(self.inner.status())
    }

    /// Stores `value` under `key`; returns the new revision.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Store::put`].
    pub fn put(&self, key: &str, value: impl Into<Bytes>) -> Result<u64, JetStreamError> {
        block_on(self.inner.put(key, value))
    }

    /// Stores `value` only if `key` has no live value.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Store::create`]: [`JetStreamError::KeyExists`] when it has one.
    pub fn create(&self, key: &str, value: impl Into<Bytes>) -> Result<u64, JetStreamError> {
        block_on(self.inner.create(key, value))
    }

    /// Stores `value` only if the key's latest revision is `revision` (compare and set).
    ///
    /// # Errors
    /// As [`natbus::jetstream::Store::update`].
    pub fn update(
        &self,
        key: &str,
        value: impl Into<Bytes>,
        revision: u64,
    ) -> Result<u64, JetStreamError> {
        block_on(self.inner.update(key, value, revision))
    }

    /// Deletes the key (older revisions stay in the history).
    ///
    /// # Errors
    /// As [`natbus::jetstream::Store::delete`].
    pub fn delete(&self, key: &str) -> Result<u64, JetStreamError> {
        block_on(self.inner.delete(key))
    }

    /// Purges the key: removes all its revisions, leaving one purge marker.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Store::purge`].
    pub fn purge(&self, key: &str) -> Result<u64, JetStreamError> {
        block_on(self.inner.purge(key))
    }

    /// The latest value of `key`; `None` when unset, deleted or purged.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Store::get`].
    pub fn get(&self, key: &str) -> Result<Option<Bytes>, JetStreamError> {
        block_on(self.inner.get(key))
    }

    /// The latest entry of `key` (value and revision); `None` when unset, deleted or purged.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Store::entry`].
    pub fn entry(&self, key: &str) -> Result<Option<Entry>, JetStreamError> {
        block_on(self.inner.entry(key))
    }

    /// The keys that currently have a value.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Store::keys`].
    pub fn keys(&self) -> Result<Vec<String>, JetStreamError> {
        block_on(self.inner.keys())
    }

    /// Every stored revision of `key`, oldest first, deletes and purges included.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Store::history`].
    pub fn history(&self, key: &str) -> Result<Vec<Entry>, JetStreamError> {
        block_on(self.inner.history(key))
    }

    /// Watches keys matching `filter`: first the latest entry of each, then every change.
    ///
    /// # Errors
    /// As [`natbus::jetstream::Store::watch`].
    pub fn watch(&self, filter: &str) -> Result<Watch, JetStreamError> {
        block_on(self.inner.watch(filter)).map(|inner| Watch { inner })
    }
}

/// Changes of a bucket's keys, as a blocking iterator of [`Entry`] (see [`Store::watch`]).
#[derive(Debug)]
pub struct Watch {
    inner: natbus::jetstream::Watch,
}

impl Watch {
    /// The next change, waiting at most `timeout`: `Ok(None)` once the watch has ended.
    ///
    /// # Errors
    /// [`TimedOut`] when nothing changed within `timeout`.
    pub fn next_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<Result<Entry, JetStreamError>>, TimedOut> {
        next_timeout(&mut self.inner, timeout)
    }
}

impl Iterator for Watch {
    type Item = Result<Entry, JetStreamError>;

    /// Waits for the next change; `None` once the connection has closed.
    fn next(&mut self) -> Option<Self::Item> {
        next(&mut self.inner)
    }
}
