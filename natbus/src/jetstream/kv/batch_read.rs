//! `keys` and `history` by batch direct get (ADR-31, server 2.11+): one request per page
//! instead of creating, reading and deleting a consumer. Used when the bucket allows
//! direct gets and the server has them; otherwise (and when the bucket has more keys than
//! one multi-subject get returns, or a message whose headers do not parse) the consumer
//! reads of `watch.rs` remain.

use natbus_proto::jetstream::direct_batch::{
    BatchQuery, BatchStart, DirectBatch, DirectBatchError,
};
use natbus_proto::jetstream::kv::{self, Entry};

use super::Store;
use crate::jetstream::direct_batch::{PAGE, direct_batch};
use crate::jetstream::error::JetStreamError;

/// The last message of every key.
pub(super) fn all_keys(bucket: &str) -> BatchQuery {
    BatchQuery::multi_last([kv::key_subject(bucket, ">")])
}

/// Every stored message of `key`, oldest first.
pub(super) fn history(bucket: &str, key: &str) -> BatchQuery {
    BatchQuery::next(kv::key_subject(bucket, key), BatchStart::Sequence(1))
}

impl Store {
    /// The entries `query` reads by batch direct get, or `None` when this bucket or
    /// server cannot answer it that way and the caller should read through a consumer.
    pub(super) async fn read_batch(
        &self,
        query: BatchQuery,
    ) -> Result<Option<Vec<Entry>>, JetStreamError> {
        if !self.allow_direct
            || self
                .js
                .server_support()
                .await?
                .check(query.feature())
                .is_err()
        {
            return Ok(None);
        }
        let read = DirectBatch::new(query, PAGE, None);
        match direct_batch(&self.js, &self.stream, read).await {
            Ok(messages) => Ok(Some(
                messages
                    .iter()
                    .map(|m| Entry::from_stored(&self.bucket, m))
                    .collect::<Result<_, _>>()?,
            )),
            // More keys than one multi-subject get returns; or a message another client
            // wrote with headers that do not parse, which hides the `Nats-*` headers of
            // its reply: a consumer read reports such a key like any other.
            Err(JetStreamError::DirectBatch(
                DirectBatchError::TooManySubjects | DirectBatchError::Reply(_),
            )) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
