//! Pull consumers: one-shot `fetch` of a batch.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use natbus_proto::jetstream::consumer::{ConsumerConfig, PriorityPolicy};
use natbus_proto::jetstream::consumer_info::ConsumerInfo;
use natbus_proto::jetstream::priority::{Pin, PullGroup};
use natbus_proto::jetstream::pull::{NATS_PENDING_BYTES, NATS_PENDING_MESSAGES, NATS_PIN_ID};
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
    /// The priority group the request belongs to (consumers with a priority policy).
    pub group: Option<PullGroup>,
}

impl FetchOptions {
    /// Up to `batch` messages, waiting at most 5 s.
    pub fn new(batch: usize) -> Self {
        Self {
            batch,
            expires: DEFAULT_FETCH_EXPIRES,
            max_bytes: None,
            no_wait: false,
            group: None,
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

    /// Pulls as a member of a priority group, with the group's thresholds or priority
    /// (see [`PullGroup`]); required on consumers with a priority policy.
    ///
    /// ```
    /// use natbus::jetstream::{FetchOptions, PullGroup};
    ///
    /// // An overflow client: served only while 100 or more messages are waiting.
    /// let options = FetchOptions::new(10).group(PullGroup::new("jobs").min_pending(100));
    /// assert_eq!(options.group.map(|g| g.group), Some("jobs".to_owned()));
    /// ```
    pub fn group(mut self, group: PullGroup) -> Self {
        self.group = Some(group);
        self
    }
}

/// A pull consumer's pin (priority group `pinned_client`), shared by its clones and by
/// every fetch and message stream made from it.
pub(crate) type SharedPin = Arc<Mutex<Pin>>;

/// Reads the shared pin (a poisoned lock still holds a valid pin).
pub(crate) fn pin_of(pin: &SharedPin) -> Pin {
    pin.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

/// Replaces the shared pin.
pub(crate) fn set_pin(shared: &SharedPin, pin: Pin) {
    *shared.lock().unwrap_or_else(PoisonError::into_inner) = pin;
}

/// A pull consumer: the application asks for messages.
///
/// On a consumer with the `pinned_client` priority policy, the pin id the server gives
/// this client is kept by the handle (and its clones) and sent with every later request,
/// whether by [`fetch`](Self::fetch), [`fetch_stream`](Self::fetch_stream) or
/// [`messages`](Self::messages); when the server pins another client (status `423`) it is
/// forgotten and the requests carry on as stand-bys.
#[derive(Debug, Clone)]
pub struct PullConsumer {
    js: JetStream,
    info: ConsumerInfo,
    pin: SharedPin,
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
        Ok(Self {
            js,
            info,
            pin: SharedPin::default(),
        })
    }

    /// The pin id the server gave this client in a `pinned_client` priority group, while
    /// it is pinned (as far as this client knows: the server may have moved the pin).
    pub fn pin_id(&self) -> Option<String> {
        pin_of(&self.pin).id().map(str::to_owned)
    }

    /// Unpins `group` on the server, so that it pins another waiting client (or this one
    /// again, with a new id); this handle forgets its pin at once. See
    /// [`JetStream::unpin_consumer`].
    ///
    /// # Errors
    /// As [`JetStream::unpin_consumer`].
    pub async fn unpin(&self, group: &str) -> Result<(), JetStreamError> {
        self.js
            .unpin_consumer(&self.info.stream_name, &self.info.name, group)
            .await?;
        self.pin
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .forget();
        Ok(())
    }

    /// Fails when the consumer has a priority policy and `group` names none: the server
    /// would refuse every request with `400 Bad Request - Priority Group missing`.
    pub(crate) fn check_group(&self, group: Option<&PullGroup>) -> Result<(), JetStreamError> {
        if let Some(group) = group {
            group
                .validate()
                .map_err(|e| JetStreamError::InvalidOption(e.to_string()))?;
        }
        let config = &self.info.config;
        if config.priority_policy != PriorityPolicy::None && group.is_none() {
            return Err(JetStreamError::InvalidOption(format!(
                "consumer '{}' has the priority policy {:?} with the groups {:?}: name one in the options' group",
                self.info.name, config.priority_policy, config.priority_groups
            )));
        }
        Ok(())
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
        self.check_group(options.group.as_ref())?;
        FetchStream::start(&self.js, &self.info, options, self.pin.clone()).await
    }

    /// A continuous stream of messages: keeps a window of `options.max_messages`
    /// requested, refills it at half, watches heartbeats and re-pulls after a reconnect.
    /// Items are messages, warnings and missed-heartbeat notices (not fatal), and a final
    /// [`JetStreamError::Terminal`] when the consumer goes away.
    ///
    /// # Errors
    /// The consumer's subject cannot be built, or subscribing failed.
    pub async fn messages(&self, options: ConsumeOptions) -> Result<Messages, JetStreamError> {
        self.check_group(options.group.as_ref())?;
        Messages::start(self.js.clone(), &self.info, options, self.pin.clone()).await
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

/// A delivered message's `Nats-Pin-Id` header.
pub(crate) fn pin_id_of(msg: &Message) -> Option<&str> {
    msg.headers.as_ref().and_then(|h| h.get(NATS_PIN_ID))
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
