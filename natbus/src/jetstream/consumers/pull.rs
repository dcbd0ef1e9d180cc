//! Pull consumers: one-shot `fetch` of a batch.

use std::time::Duration;

use natbus_proto::jetstream::consumer::ConsumerConfig;
use natbus_proto::jetstream::consumer_info::ConsumerInfo;
use natbus_proto::jetstream::pull::{NATS_PENDING_BYTES, NATS_PENDING_MESSAGES};
use natbus_proto::jetstream::pull_tracker::ConsumeOptions;
use natbus_proto::jetstream::terminal::TerminalReason;
use natbus_proto::message::Message;

use super::fetch::FetchStream;
use super::pull_messages::Messages;
use crate::jetstream::context::JetStream;
use crate::jetstream::error::JetStreamError;
use crate::jetstream::message::JsMessage;

/// Expiry of a fetch request when none is given.
pub const DEFAULT_FETCH_EXPIRES: Duration = Duration::from_secs(5);

/// What one [`PullConsumer::fetch`] asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchOptions {
    /// Most messages to return.
    pub batch: usize,
    /// How long the server may wait to fill the batch (default 5 s).
    pub expires: Duration,
    /// Byte budget of the batch.
    pub max_bytes: Option<usize>,
    /// Return at once with what is available (waits up to `expires` for the first one).
    pub no_wait: bool,
}

impl FetchOptions {
    /// Up to `batch` messages, waiting at most 5 s.
    pub fn new(batch: usize) -> Self {
        Self {
            batch,
            expires: DEFAULT_FETCH_EXPIRES,
            max_bytes: None,
            no_wait: false,
        }
    }

    /// Sets how long the server may wait to fill the batch (`Duration::MAX`: until it is
    /// full, sent to the server as the longest expiry it reads, about 292 years).
    pub fn expires(mut self, expires: Duration) -> Self {
        self.expires = expires;
        self
    }

    /// Sets the byte budget.
    pub fn max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = Some(max_bytes);
        self
    }

    /// Returns what is available now instead of waiting for a full batch.
    pub fn no_wait(mut self) -> Self {
        self.no_wait = true;
        self
    }
}

/// A pull consumer: the application asks for messages.
#[derive(Debug, Clone)]
pub struct PullConsumer {
    js: JetStream,
    info: ConsumerInfo,
}

impl JetStream {
    /// The pull consumer named like `config` if it exists (unchanged, so a restarted
    /// process resumes where the durable left off), else a new one from `config`.
    ///
    /// # Errors
    /// The existing consumer is a push consumer, or API errors.
    pub async fn get_or_create_pull_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<PullConsumer, JetStreamError> {
        let info = self.get_or_create_consumer(stream, config).await?;
        PullConsumer::new(self.clone(), info)
    }

    /// Binds to an existing pull consumer.
    ///
    /// # Errors
    /// Consumer not found, or it is a push consumer.
    pub async fn pull_consumer(
        &self,
        stream: &str,
        consumer: &str,
    ) -> Result<PullConsumer, JetStreamError> {
        let info = self.consumer_info(stream, consumer).await?;
        PullConsumer::new(self.clone(), info)
    }
}

impl PullConsumer {
    fn new(js: JetStream, info: ConsumerInfo) -> Result<Self, JetStreamError> {
        if !info.config.is_pull() {
            return Err(JetStreamError::WrongConsumerKind {
                consumer: info.name,
                actual: "push",
            });
        }
        Ok(Self { js, info })
    }

    /// The consumer's info when the handle was made.
    pub fn cached_info(&self) -> &ConsumerInfo {
        &self.info
    }

    /// The consumer's name.
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// Current info of the consumer.
    ///
    /// # Errors
    /// Consumer not found, or JetStream unavailable.
    pub async fn info(&self) -> Result<ConsumerInfo, JetStreamError> {
        self.js
            .consumer_info(&self.info.stream_name, &self.info.name)
            .await
    }

    /// Sends one pull request and returns the messages it delivers: up to `batch`, fewer
    /// when `expires` passes or (with `no_wait`) nothing more is available. An empty
    /// result is not an error. To act on each message as it arrives (acknowledge while
    /// the rest of the batch is on its way), use [`fetch_stream`](Self::fetch_stream).
    ///
    /// # Errors
    /// A terminal status (consumer or stream deleted, bad request) before any message
    /// arrived, or a retryable error ([`JetStreamError::is_retryable`]): a client-side
    /// timeout, or [`JetStreamError::ConsumerNotResponding`] when nothing answered although
    /// the consumer exists (it has no leader during an election).
    pub async fn fetch(&self, options: FetchOptions) -> Result<Vec<JsMessage>, JetStreamError> {
        let mut out = Vec::with_capacity(options.batch.min(1024));
        let mut stream = self.fetch_stream(options).await?;
        while let Some(msg) = stream.next().await {
            out.push(msg?);
        }
        Ok(out)
    }

    /// Sends one pull request and returns its messages as a stream, each as soon as it
    /// arrives (see [`FetchStream`] for when it ends and which errors it yields).
    ///
    /// # Errors
    /// Invalid options, or the request could not be sent.
    pub async fn fetch_stream(&self, options: FetchOptions) -> Result<FetchStream, JetStreamError> {
        FetchStream::start(&self.js, &self.info, options).await
    }

    /// A continuous stream of messages: keeps a window of `options.max_messages`
    /// requested, refills it at half, watches heartbeats and re-pulls after a reconnect.
    /// Items are messages, warnings and missed-heartbeat notices (not fatal), and a final
    /// [`JetStreamError::Terminal`] when the consumer goes away.
    ///
    /// # Errors
    /// The consumer's subject cannot be built, or subscribing failed.
    pub async fn messages(&self, options: ConsumeOptions) -> Result<Messages, JetStreamError> {
        Messages::start(self.js.clone(), &self.info, options).await
    }
}

impl JetStream {
    /// After a pull request got no responders (a 503): why the consumer is gone for good,
    /// or `None` when it is not found to be gone (it, or its stream, has no leader for the
    /// moment, e.g. during an election, or the look-up failed too).
    pub(crate) async fn pull_consumer_gone(
        &self,
        stream: &str,
        consumer: &str,
    ) -> Option<TerminalReason> {
        match self.consumer_info(stream, consumer).await {
            Err(JetStreamError::Api(e)) if e.is_stream_not_found() => {
                Some(TerminalReason::StreamDeleted {
                    stream: stream.to_owned(),
                })
            }
            Err(JetStreamError::Api(e)) if e.is_consumer_not_found() => {
                Some(TerminalReason::ConsumerDeleted)
            }
            _ => None,
        }
    }

    /// The error a pull request's 503 stands for: terminal when the consumer is gone,
    /// else [`JetStreamError::ConsumerNotResponding`] (retryable).
    pub(crate) async fn pull_no_responders(&self, stream: &str, consumer: &str) -> JetStreamError {
        match self.pull_consumer_gone(stream, consumer).await {
            Some(reason) => JetStreamError::Terminal(reason),
            None => JetStreamError::ConsumerNotResponding {
                stream: stream.to_owned(),
                consumer: consumer.to_owned(),
            },
        }
    }
}

/// A status message's code, description and pending headers.
pub(crate) fn status_of(msg: &Message) -> Option<(u16, String)> {
    let status = msg.status()?;
    Some((
        status.as_u16(),
        msg.description().unwrap_or_default().to_owned(),
    ))
}

/// The `Nats-Pending-Messages` / `Nats-Pending-Bytes` headers of a status.
pub(crate) fn pending_of(msg: &Message) -> (Option<u64>, Option<u64>) {
    let get = |name: &str| {
        msg.headers
            .as_ref()
            .and_then(|h| h.get(name))
            .and_then(|v| v.trim().parse().ok())
    };
    (get(NATS_PENDING_MESSAGES), get(NATS_PENDING_BYTES))
}
