//! Watching an object store: every new description (put, update, link, delete) as it is
//! stored, over the same ordered consumer key-value watches use.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream as _;
use natbus_proto::jetstream::consumer::DeliverPolicy;
use natbus_proto::jetstream::object::{self, ObjectInfo};

use super::ObjectStore;
use crate::jetstream::consumers::ordered::{OrderedMessages, OrderedOptions};
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;

/// What an object store watch delivers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectWatchOptions {
    /// First the newest description of every object stored now (deleted ones included
    /// unless `ignore_deletes`), then the changes; nats.go and nats.js call this
    /// "include history", though older versions are never kept.
    pub include_history: bool,
    /// Leave out deletes.
    pub ignore_deletes: bool,
}

impl ObjectWatchOptions {
    /// Starts with the objects stored now.
    pub fn include_history(mut self) -> Self {
        self.include_history = true;
        self
    }

    /// Leaves out deletes.
    pub fn ignore_deletes(mut self) -> Self {
        self.ignore_deletes = true;
        self
    }
}

/// Changes of an object store, as a stream of [`ObjectInfo`] (see
/// [`ObjectStore::watch`]): each put, update, link and delete, in the order stored. A
/// deleted object arrives with `deleted: true`; a rename arrives as the description under
/// its new name only. `mtime` is when the server stored the change.
#[derive(Debug)]
pub struct ObjectWatch {
    messages: OrderedMessages,
    ignore_deletes: bool,
    bucket: String,
}

impl ObjectWatch {
    /// The next change; `None` when the connection closed.
    // An async `next` as users know it from `StreamExt`, without that import.
    #[allow(clippy::should_implement_trait)]
    pub fn next(
        &mut self,
    ) -> impl std::future::Future<Output = Option<Result<ObjectInfo, JetStreamError>>> + '_ {
        std::future::poll_fn(move |cx| Pin::new(&mut *self).poll_next(cx))
    }

    /// The description a message holds; `None` (logged) when another client wrote one
    /// that cannot be read, which must not end the watch.
    fn info_of(&self, msg: &JsMessage) -> Option<Result<ObjectInfo, JetStreamError>> {
        let stored_at = match msg.metadata() {
            Ok(metadata) => metadata.timestamp,
            Err(e) => return Some(Err(e)),
        };
        match ObjectInfo::from_meta_message(&msg.message.payload, stored_at) {
            Ok(info) => Some(Ok(info)),
            Err(e) => {
                super::skip_unreadable(&self.bucket, msg, &e);
                None
            }
        }
    }
}

impl futures_core::Stream for ObjectWatch {
    type Item = Result<ObjectInfo, JetStreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let item = match Pin::new(&mut self.messages).poll_next(cx) {
                Poll::Ready(Some(Ok(msg))) => self.info_of(&msg),
                Poll::Ready(Some(Err(e))) => Some(Err(e)),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            };
            // A skipped delete or unreadable description is followed by polling again: the
            // ordered consumer has the next message buffered or registers the waker.
            match item {
                Some(Ok(info)) if info.deleted && self.ignore_deletes => {}
                Some(item) => return Poll::Ready(Some(item)),
                None => {}
            }
        }
    }
}

impl ObjectStore {
    /// Watches the bucket from now on: each put, update, link and delete, as stored.
    /// The watch is in place when this returns, so a change made after it is seen.
    ///
    /// # Errors
    /// The bucket was deleted, or JetStream unavailable.
    pub async fn watch(&self) -> Result<ObjectWatch, JetStreamError> {
        self.watch_with(ObjectWatchOptions::default()).await
    }

    /// Watches the bucket with `options` (e.g. starting with the objects stored now).
    ///
    /// # Errors
    /// As [`watch`](Self::watch).
    pub async fn watch_with(
        &self,
        options: ObjectWatchOptions,
    ) -> Result<ObjectWatch, JetStreamError> {
        let deliver = if options.include_history {
            DeliverPolicy::LastPerSubject
        } else {
            DeliverPolicy::New
        };
        let ordered = OrderedOptions::default()
            .filter(object::all_meta_subjects(&self.bucket))
            .deliver(deliver);
        Ok(ObjectWatch {
            messages: self
                .js
                .ordered_consumer(self.stream.name(), ordered)
                .await?,
            ignore_deletes: options.ignore_deletes,
            bucket: self.bucket.clone(),
        })
    }
}
