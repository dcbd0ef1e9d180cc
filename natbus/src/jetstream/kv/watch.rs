//! Key-value reads over an ordered consumer: watch, keys, history.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream as _;
use natbus_proto::jetstream::consumer::DeliverPolicy;
use natbus_proto::jetstream::kv::{self, Entry, KV_OPERATION, NATS_MARKER_REASON, Operation};

use super::{Store, batch_read};
use crate::jetstream::consumers::ordered::{OrderedMessages, OrderedOptions};
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;

/// Changes of a bucket's keys, as a stream of [`Entry`] (see [`Store::watch`]).
#[derive(Debug)]
pub struct Watch {
    messages: OrderedMessages,
    bucket: String,
}

impl Watch {
    fn entry_of(bucket: &str, msg: JsMessage) -> Result<Entry, JetStreamError> {
        Ok(Entry::from_delivery(
            bucket,
            &msg.message.subject,
            msg.metadata()?,
            msg.header(KV_OPERATION),
            msg.header(NATS_MARKER_REASON),
            msg.message.payload.clone(),
        )?)
    }

    /// The next change; `None` when the connection closed.
    // An async `next` as users know it from `StreamExt`, without that import.
    #[allow(clippy::should_implement_trait)]
    pub fn next(
        &mut self,
    ) -> impl std::future::Future<Output = Option<Result<Entry, JetStreamError>>> + '_ {
        std::future::poll_fn(move |cx| Pin::new(&mut *self).poll_next(cx))
    }
}

impl futures_core::Stream for Watch {
    type Item = Result<Entry, JetStreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.messages).poll_next(cx) {
            Poll::Ready(Some(Ok(msg))) => Poll::Ready(Some(Self::entry_of(&self.bucket, msg))),
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Store {
    /// Watches keys matching `filter` (`*` and a trailing `>` allowed): first the latest
    /// entry of each matching key, then every change as it happens.
    ///
    /// # Errors
    /// An invalid filter, or JetStream unavailable.
    pub async fn watch(&self, filter: &str) -> Result<Watch, JetStreamError> {
        self.watch_with(filter, DeliverPolicy::LastPerSubject).await
    }

    /// Watches every key of the bucket.
    ///
    /// # Errors
    /// JetStream unavailable.
    pub async fn watch_all(&self) -> Result<Watch, JetStreamError> {
        self.watch(">").await
    }

    /// Watches only changes made from now on.
    ///
    /// # Errors
    /// An invalid filter, or JetStream unavailable.
    pub async fn watch_updates(&self, filter: &str) -> Result<Watch, JetStreamError> {
        self.watch_with(filter, DeliverPolicy::New).await
    }

    async fn watch_with(
        &self,
        filter: &str,
        policy: DeliverPolicy,
    ) -> Result<Watch, JetStreamError> {
        self.watch_options(filter, policy, false).await
    }

    async fn watch_options(
        &self,
        filter: &str,
        policy: DeliverPolicy,
        headers_only: bool,
    ) -> Result<Watch, JetStreamError> {
        kv::validate_key_filter(filter)?;
        let mut options = OrderedOptions::default()
            .filter(kv::key_subject(&self.bucket, filter))
            .deliver(policy);
        options.headers_only = headers_only;
        let messages = self.js.ordered_consumer(&self.stream, options).await?;
        Ok(Watch {
            messages,
            bucket: self.bucket.clone(),
        })
    }

    /// Reads a watch until the entries that existed at its start are all delivered.
    async fn collect_initial(&self, watch: Watch) -> Result<Vec<Entry>, JetStreamError> {
        let Watch { messages, bucket } = watch;
        let rt = self.js.client.runtime();
        let messages = messages
            .collect_initial(rt, self.js.timeout, "key-value read")
            .await?;
        messages
            .into_iter()
            .map(|msg| Watch::entry_of(&bucket, msg))
            .collect()
    }

    /// The keys that currently have a value.
    ///
    /// # Errors
    /// JetStream unavailable.
    pub async fn keys(&self) -> Result<Vec<String>, JetStreamError> {
        if let Some(entries) = self.read_batch(batch_read::all_keys(&self.bucket)).await? {
            return Ok(entries
                .into_iter()
                .filter(|e| e.operation == Operation::Put)
                .map(|e| e.key)
                .collect());
        }
        let watch = self
            .watch_options(">", DeliverPolicy::LastPerSubject, true)
            .await?;
        Ok(self
            .collect_initial(watch)
            .await?
            .into_iter()
            .filter(|e| e.operation == Operation::Put)
            .map(|e| e.key)
            .collect())
    }

    /// Every stored revision of `key`, oldest first, deletes and purges included.
    ///
    /// # Errors
    /// An invalid key, or JetStream unavailable.
    pub async fn history(&self, key: &str) -> Result<Vec<Entry>, JetStreamError> {
        kv::validate_key(key)?;
        if let Some(entries) = self
            .read_batch(batch_read::history(&self.bucket, key))
            .await?
        {
            return Ok(entries);
        }
        let watch = self.watch_options(key, DeliverPolicy::All, false).await?;
        self.collect_initial(watch).await
    }
}
