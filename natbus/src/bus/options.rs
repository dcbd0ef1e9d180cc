//! What a push or pull subscription asks for: the seed's keyword arguments as builders.

use std::future::Future;
use std::time::Duration;

use super::redelivery::{DeadLetter, Redelivery};

/// Default number of messages a pull subscription fetches at a time.
pub const DEFAULT_BATCH: usize = 10;
/// Default time the server may wait to fill a pull batch.
pub const DEFAULT_EXPIRES: Duration = Duration::from_millis(1500);

/// The builder methods of the failure policy, the same on both option types.
macro_rules! redelivery_builders {
    () => {
        /// Sets the most deliveries of one message (default
        /// [`DEFAULT_MAX_DELIVER`](super::DEFAULT_MAX_DELIVER)); see [`Redelivery`].
        pub fn max_deliver(mut self, max: u32) -> Self {
            self.redelivery = self.redelivery.max_deliver(max);
            self
        }

        /// Sets the delays before a failed message is redelivered (default
        /// [`DEFAULT_BACKOFF`](super::DEFAULT_BACKOFF)).
        pub fn backoff(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
            self.redelivery = self.redelivery.backoff(delays);
            self
        }

        /// Republishes a message that failed its last delivery to `subject`.
        pub fn dead_letter(mut self, subject: impl Into<String>) -> Self {
            self.redelivery = self.redelivery.dead_letter(subject);
            self
        }

        /// Calls `callback` with a message that failed its last delivery.
        pub fn on_dead_letter<F, Fut>(mut self, callback: F) -> Self
        where
            F: Fn(DeadLetter) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = ()> + Send + 'static,
        {
            self.redelivery = self.redelivery.on_dead_letter(callback);
            self
        }

        /// Replaces the whole failure policy.
        pub fn redelivery(mut self, redelivery: Redelivery) -> Self {
            self.redelivery = redelivery;
            self
        }
    };
}

/// A push subscription: the server delivers the consumer's messages as they arrive.
///
/// ```
/// use natbus::bus::PushOptions;
/// let options = PushOptions::new("test.stream")
///     .durable("orders_push")
///     .queue("orders-workers")
///     .manual_ack(true);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PushOptions {
    /// The subject to receive (the consumer's filter); wildcards allowed.
    pub subject: String,
    /// The stream; `None` finds the one stream capturing `subject`.
    pub stream: Option<String>,
    /// A durable name: the consumer keeps its position (and unacked messages) across
    /// restarts. `None` makes an ephemeral consumer, removed when nobody listens.
    pub durable: Option<String>,
    /// A queue group: subscribers in it share the messages. `None` uses the bus config's
    /// `queue_group`; see [`no_queue`](Self::no_queue) to opt out of it.
    pub queue: Option<String>,
    /// Ignore the bus config's queue group.
    pub no_queue: bool,
    /// Resume an existing durable (default true): a restarted process binds to it without
    /// "already bound" errors. When false an existing durable is an error.
    pub bind: bool,
    /// `Some(true)`: the handler acks; `Some(false)`: the bus acks on `Ok` and naks on
    /// `Err` (after the [`redelivery`](Self::redelivery) backoff); `None`: the bus config's
    /// `manual_ack`.
    pub manual_ack: Option<bool>,
    /// How long the server waits for an ack before redelivering (server default 30 s);
    /// used when the consumer is created.
    pub ack_wait: Option<Duration>,
    /// What happens when the handler fails: bounded redeliveries with backoff, then the
    /// dead-letter step (see [`Redelivery`]; `max_deliver` is set on a consumer the bus
    /// creates).
    pub redelivery: Redelivery,
}

impl PushOptions {
    /// A push subscription to `subject`, ephemeral, binding, with the bus's defaults.
    pub fn new(subject: impl Into<String>) -> Self {
        PushOptions {
            subject: subject.into(),
            stream: None,
            durable: None,
            queue: None,
            no_queue: false,
            bind: true,
            manual_ack: None,
            ack_wait: None,
            redelivery: Redelivery::default(),
        }
    }

    /// Names the stream.
    pub fn stream(mut self, stream: impl Into<String>) -> Self {
        self.stream = Some(stream.into());
        self
    }

    /// Makes the consumer durable under `name`.
    pub fn durable(mut self, name: impl Into<String>) -> Self {
        self.durable = Some(name.into());
        self
    }

    /// Joins a queue group.
    pub fn queue(mut self, group: impl Into<String>) -> Self {
        self.queue = Some(group.into());
        self.no_queue = false;
        self
    }

    /// Receives every message, ignoring the bus config's default queue group.
    pub fn no_queue(mut self) -> Self {
        self.queue = None;
        self.no_queue = true;
        self
    }

    /// Sets whether an existing durable is resumed (true) or an error (false).
    pub fn bind(mut self, bind: bool) -> Self {
        self.bind = bind;
        self
    }

    /// Sets the acknowledgement mode (true: the handler acks).
    pub fn manual_ack(mut self, manual: bool) -> Self {
        self.manual_ack = Some(manual);
        self
    }

    /// Sets the ack wait of a newly created consumer.
    pub fn ack_wait(mut self, wait: Duration) -> Self {
        self.ack_wait = Some(wait);
        self
    }

    redelivery_builders!();
}

/// A pull subscription: the bus fetches `batch` messages at a time, handles them, and
/// fetches again, so a slow handler slows the fetching (explicit backpressure).
///
/// ```
/// use std::time::Duration;
/// use natbus::bus::PullOptions;
/// let options = PullOptions::new("test.stream")
///     .stream("TEST_STREAM")
///     .durable("orders_pull")
///     .batch(10)
///     .expires(Duration::from_secs_f64(1.5));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PullOptions {
    /// The subject to receive (the consumer's filter); wildcards allowed.
    pub subject: String,
    /// The stream; `None` uses the bus config's stream, else finds the one capturing
    /// `subject`.
    pub stream: Option<String>,
    /// A durable name (keeps the position across restarts); `None` is ephemeral.
    pub durable: Option<String>,
    /// Most messages per fetch (default 10).
    pub batch: usize,
    /// How long the server may wait to fill a batch (default 1.5 s). Also bounds how long
    /// [`stop`](super::Subscription::stop) waits for the fetch in progress.
    pub expires: Duration,
    /// As in [`PushOptions::manual_ack`].
    pub manual_ack: Option<bool>,
    /// As in [`PushOptions::ack_wait`].
    pub ack_wait: Option<Duration>,
    /// As in [`PushOptions::redelivery`].
    pub redelivery: Redelivery,
}

impl PullOptions {
    /// A pull subscription to `subject`, ephemeral, 10 messages per 1.5 s fetch.
    pub fn new(subject: impl Into<String>) -> Self {
        PullOptions {
            subject: subject.into(),
            stream: None,
            durable: None,
            batch: DEFAULT_BATCH,
            expires: DEFAULT_EXPIRES,
            manual_ack: None,
            ack_wait: None,
            redelivery: Redelivery::default(),
        }
    }

    /// Names the stream.
    pub fn stream(mut self, stream: impl Into<String>) -> Self {
        self.stream = Some(stream.into());
        self
    }

    /// Makes the consumer durable under `name`.
    pub fn durable(mut self, name: impl Into<String>) -> Self {
        self.durable = Some(name.into());
        self
    }

    /// Sets the most messages per fetch.
    pub fn batch(mut self, batch: usize) -> Self {
        self.batch = batch;
        self
    }

    /// Sets how long the server may wait to fill a batch.
    pub fn expires(mut self, expires: Duration) -> Self {
        self.expires = expires;
        self
    }

    /// Sets the acknowledgement mode (true: the handler acks).
    pub fn manual_ack(mut self, manual: bool) -> Self {
        self.manual_ack = Some(manual);
        self
    }

    /// Sets the ack wait of a newly created consumer.
    pub fn ack_wait(mut self, wait: Duration) -> Self {
        self.ack_wait = Some(wait);
        self
    }

    redelivery_builders!();
}
