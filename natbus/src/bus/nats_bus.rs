//! `Bus`: a connection with a JetStream context, the ensured stream, and the running
//! subscriptions, so that one `drain` shuts everything down in order.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use natbus_proto::jetstream::publish::{PubAck, PublishOptions};
use natbus_proto::jetstream::stream::StreamConfig;
use natbus_proto::subject::matches;

use super::config::BusConfig;
use super::error::BusError;
use super::subscription::Subscription;
use crate::client::Client;
use crate::envelope::BusMessage;
use crate::jetstream::JetStream;
use crate::runtime::Runtime;

/// A NATS connection for services: publishes [`BusMessage`]s to JetStream and runs push
/// and pull subscriptions whose handlers get [`ReceivedMessage`](crate::envelope::ReceivedMessage)s.
/// Cheap to clone; clones share the connection and the subscriptions.
#[derive(Debug, Clone)]
pub struct Bus {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: Client,
    js: JetStream,
    config: BusConfig,
    /// The running subscriptions (ended ones are pruned when a new one starts).
    subscriptions: Mutex<Vec<Subscription>>,
    closed: AtomicBool,
}

impl Bus {
    /// Connects with `config` on `runtime` and, when the config has a stream to create,
    /// makes sure it exists with [`JetStream::ensure_stream`]: a missing stream is
    /// created; an existing one keeps its limits, retention, storage, replicas and
    /// subjects, and only gets the configured subjects it does not capture yet added.
    ///
    /// ```no_run
    /// # async fn demo(runtime: std::sync::Arc<dyn natbus::Runtime>) -> Result<(), natbus::bus::BusError> {
    /// use natbus::bus::{Bus, BusConfig};
    /// let bus = Bus::connect(runtime, BusConfig::from_env()?).await?;
    /// # let _ = bus;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`BusError::Config`] for an invalid config, [`BusError::Connect`] when no server
    /// accepts the connection, [`BusError::JetStream`] when the stream cannot be ensured.
    pub async fn connect(runtime: Arc<dyn Runtime>, config: BusConfig) -> Result<Bus, BusError> {
        config.validate()?;
        let client = crate::connect_with(runtime, config.connect_options()).await?;
        let bus = Self::with_client(client.clone(), config).await;
        if bus.is_err() {
            client.close().await;
        }
        bus
    }

    /// A bus on a client you connected yourself (for TLS or other connection options, see
    /// [`BusConfig::connect_options`]); the config's connection settings are not used.
    ///
    /// # Errors
    /// [`BusError::JetStream`] when the stream cannot be ensured.
    pub async fn with_client(client: Client, config: BusConfig) -> Result<Bus, BusError> {
        let js = client
            .jetstream()
            .with_timeout(config.ack_timeout)
            .with_publish_retry(config.publish_retry);
        if let Some(stream) = config.stream.as_ref().filter(|s| s.create) {
            let stream_config = StreamConfig::new(&stream.name)
                .subjects(stream.subjects.iter().cloned())
                .storage(stream.storage);
            let ensured = js.ensure_stream(stream_config).await?;
            tracing::info!(stream = %stream.name, subjects = ?ensured.cached_info().config.subjects,
                "stream ensured");
        }
        tracing::info!(name = ?config.name, "bus connected");
        Ok(Bus {
            inner: Arc::new(Inner {
                client,
                js,
                config,
                subscriptions: Mutex::new(Vec::new()),
                closed: AtomicBool::new(false),
            }),
        })
    }

    /// The NATS client underneath, for anything the bus does not cover.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The JetStream context (with the config's `ack_timeout`).
    pub fn jetstream(&self) -> &JetStream {
        &self.inner.js
    }

    /// The config the bus runs with.
    pub fn config(&self) -> &BusConfig {
        &self.inner.config
    }

    /// Publishes `message` to the stream capturing its subject, with all its envelope
    /// headers, and returns the stream's acknowledgement (stream and sequence). Set a
    /// `Nats-Msg-Id` header on the message to have the stream drop duplicates. A publish
    /// that reaches no stream (its leader being elected) is retried as the config's
    /// [`publish_retry`](super::BusConfig::publish_retry) says, and so is a timed-out one
    /// with a `Nats-Msg-Id` (the ack's `duplicate` is then true if the first attempt was
    /// stored).
    ///
    /// # Errors
    /// [`JetStreamError::NoStreamForSubject`](crate::jetstream::JetStreamError::NoStreamForSubject)
    /// when no stream captures the subject (use [`publish_core`](Self::publish_core) for
    /// plain NATS),
    /// [`JetStreamError::StreamNotResponding`](crate::jetstream::JetStreamError::StreamNotResponding)
    /// when its stream has no leader, a timeout, or [`BusError::Closed`].
    pub async fn publish(&self, message: BusMessage) -> Result<PubAck, BusError> {
        self.check_open()?;
        let ack = self
            .inner
            .js
            .publish_with(
                &message.subject,
                Some(message.headers),
                &PublishOptions::default(),
                message.payload,
            )
            .await?;
        Ok(ack)
    }

    /// Publishes `message` as plain NATS (no stream, no acknowledgement), for subjects no
    /// stream captures: events for live subscribers only.
    ///
    /// # Errors
    /// An invalid subject or header, or [`BusError::Closed`].
    pub async fn publish_core(&self, message: BusMessage) -> Result<(), BusError> {
        self.check_open()?;
        self.inner.client.publish_bus(message).await?;
        Ok(())
    }

    /// The subscriptions still running.
    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.subscriptions_lock()
            .iter()
            .filter(|s| !s.is_stopped())
            .cloned()
            .collect()
    }

    /// Shuts down gracefully: stops every subscription (their running handlers finish and
    /// ack), then drains the connection (pending publishes and acks are sent). The bus
    /// cannot be used afterwards.
    ///
    /// # Errors
    /// [`BusError::StopTimedOut`] when a handler outlived the drain timeout, or
    /// [`BusError::Drain`]; the connection is closed in every case.
    pub async fn drain(&self) -> Result<(), BusError> {
        self.inner.closed.store(true, Ordering::Release);
        let subs = std::mem::take(&mut *self.subscriptions_lock());
        tracing::info!(subscriptions = subs.len(), "bus draining");
        for sub in &subs {
            sub.request_stop();
        }
        let timeout = self.inner.client.options().drain_timeout;
        let mut result = Ok(());
        for sub in &subs {
            if let Err(e) = sub.wait_stopped(timeout).await {
                tracing::warn!(error = %e, "subscription did not stop in time");
                result = result.and(Err(e));
            }
        }
        if let Err(e) = self.inner.client.drain().await {
            result = result.and(Err(e.into()));
        }
        tracing::info!("bus drained");
        result
    }

    /// Closes at once: asks every subscription to stop and closes the connection without
    /// waiting for handlers (unacknowledged messages are redelivered after their ack wait).
    pub async fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        let subs = std::mem::take(&mut *self.subscriptions_lock());
        for sub in &subs {
            sub.request_stop();
        }
        self.inner.client.close().await;
        tracing::info!("bus closed");
    }

    /// True after [`drain`](Self::drain) or [`close`](Self::close), or when the
    /// connection has closed.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire) || self.inner.client.is_closed()
    }

    pub(crate) fn check_open(&self) -> Result<(), BusError> {
        if self.is_closed() {
            Err(BusError::Closed)
        } else {
            Ok(())
        }
    }

    /// Keeps the handle so `drain` can stop it.
    pub(crate) fn register(&self, sub: Subscription) -> Subscription {
        let mut subs = self.subscriptions_lock();
        subs.retain(|s| !s.is_stopped());
        subs.push(sub.clone());
        sub
    }

    fn subscriptions_lock(&self) -> MutexGuard<'_, Vec<Subscription>> {
        // A list of handles: pushes and takes cannot be left half done.
        self.inner
            .subscriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The stream a subscription consumes: the one named, else the configured stream when
    /// it captures `subject`, else the only stream the server says captures it.
    pub(crate) async fn resolve_stream(
        &self,
        named: Option<&str>,
        subject: &str,
    ) -> Result<String, BusError> {
        if let Some(name) = named {
            return Ok(name.to_owned());
        }
        if let Some(stream) = &self.inner.config.stream {
            if stream
                .subjects
                .iter()
                .any(|p| p == subject || matches(p, subject))
            {
                return Ok(stream.name.clone());
            }
        }
        let mut names = self.inner.js.stream_names(Some(subject)).await?;
        match names.len() {
            0 => Err(BusError::NoStream {
                subject: subject.to_owned(),
            }),
            1 => Ok(names.remove(0)),
            _ => Err(BusError::AmbiguousStream {
                subject: subject.to_owned(),
                streams: names,
            }),
        }
    }

    /// The acknowledgement mode: the subscription's, else the config's.
    pub(crate) fn manual_ack(&self, option: Option<bool>) -> bool {
        option.unwrap_or(self.inner.config.manual_ack)
    }
}
