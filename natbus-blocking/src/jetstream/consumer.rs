//! Consumers: creating and deleting them, pull consumers' fetch and continuous consume.

use std::time::Duration;

use natbus::jetstream::{
    ConsumeOptions, ConsumerConfig, ConsumerInfo, FetchOptions, JetStreamError,
};

use super::JetStream;
use super::message::JsMessage;
use crate::block::{TimedOut, block_on, next, next_timeout};

impl JetStream {
    /// Creates a consumer on `stream` (an identical existing one is fine).
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::create_consumer`].
    pub fn create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<ConsumerInfo, JetStreamError> {
        block_on(self.inner.create_consumer(stream, config))
    }

    /// The consumer's config and state.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::consumer_info`].
    pub fn consumer_info(
        &self,
        stream: &str,
        consumer: &str,
    ) -> Result<ConsumerInfo, JetStreamError> {
        block_on(self.inner.consumer_info(stream, consumer))
    }

    /// Deletes a consumer.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::delete_consumer`].
    pub fn delete_consumer(&self, stream: &str, consumer: &str) -> Result<bool, JetStreamError> {
        block_on(self.inner.delete_consumer(stream, consumer))
    }

    /// The pull consumer named like `config` if it exists (unchanged, so a restarted
    /// program resumes where the durable left off), else a new one from `config`.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::get_or_create_pull_consumer`].
    pub fn get_or_create_pull_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<PullConsumer, JetStreamError> {
        block_on(self.inner.get_or_create_pull_consumer(stream, config)).map(PullConsumer::new)
    }

    /// Binds to an existing pull consumer.
    ///
    /// # Errors
    /// As [`natbus::jetstream::JetStream::pull_consumer`].
    pub fn pull_consumer(
        &self,
        stream: &str,
        consumer: &str,
    ) -> Result<PullConsumer, JetStreamError> {
        block_on(self.inner.pull_consumer(stream, consumer)).map(PullConsumer::new)
    }
}

/// A pull consumer: the program asks for messages, in batches ([`fetch`](Self::fetch)) or
/// as a continuous iterator ([`messages`](Self::messages)).
#[derive(Debug, Clone)]
pub struct PullConsumer {
    inner: natbus::jetstream::PullConsumer,
}

impl PullConsumer {
    fn new(inner: natbus::jetstream::PullConsumer) -> Self {
        Self { inner }
    }

    /// The consumer's name.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The consumer's info when the handle was made.
    pub fn cached_info(&self) -> &ConsumerInfo {
        self.inner.cached_info()
    }

    /// Current info of the consumer.
    ///
    /// # Errors
    /// As [`natbus::jetstream::PullConsumer::info`].
    pub fn info(&self) -> Result<ConsumerInfo, JetStreamError> {
        block_on(self.inner.info())
    }

    /// Sends one pull request and returns what it delivers: up to `batch` messages, fewer
    /// when `expires` passes (or, with `no_wait`, when nothing more is there). Blocks up
    /// to `expires` plus a margin of at most 2 s.
    ///
    /// # Errors
    /// As [`natbus::jetstream::PullConsumer::fetch`].
    pub fn fetch(&self, options: FetchOptions) -> Result<Vec<JsMessage>, JetStreamError> {
        let messages = block_on(self.inner.fetch(options))?;
        Ok(messages.into_iter().map(JsMessage::new).collect())
    }

    /// The consumer's messages as a continuous iterator (see [`Messages`]).
    ///
    /// # Errors
    /// As [`natbus::jetstream::PullConsumer::messages`].
    pub fn messages(&self, options: ConsumeOptions) -> Result<Messages, JetStreamError> {
        block_on(self.inner.messages(options)).map(|inner| Messages { inner })
    }
}

/// A pull consumer's messages as a blocking iterator, pulled in a window that is refilled
/// as it is read (see [`natbus::jetstream::Messages`]). Items are messages, and errors that
/// do not end it (warnings, missed heartbeats) or do (the consumer was deleted). Pulling
/// happens while the iterator is read; dropping it stops pulling.
#[derive(Debug)]
pub struct Messages {
    inner: natbus::jetstream::Messages,
}

impl Messages {
    /// The next item, waiting at most `timeout`: `Ok(None)` once the iterator has ended.
    ///
    /// # Errors
    /// [`TimedOut`] when nothing arrived within `timeout`.
    pub fn next_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<Result<JsMessage, JetStreamError>>, TimedOut> {
        Ok(next_timeout(&mut self.inner, timeout)?.map(|item| item.map(JsMessage::new)))
    }

    /// Messages requested from the server and not yet delivered.
    pub fn pending_messages(&self) -> usize {
        self.inner.pending_messages()
    }
}

impl Iterator for Messages {
    type Item = Result<JsMessage, JetStreamError>;

    /// Waits for the next item; `None` once the iterator has ended (connection closed).
    fn next(&mut self) -> Option<Self::Item> {
        next(&mut self.inner).map(|item| item.map(JsMessage::new))
    }
}
