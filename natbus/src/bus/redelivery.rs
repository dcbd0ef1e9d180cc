//! What happens to a message whose handler fails: redelivered after a growing delay, at
//! most `max_deliver` times in all, then the dead-letter step. A poison message (one no
//! handler can ever process) thus costs a bounded number of attempts and ends up where a
//! person can look at it, instead of being redelivered at network speed forever.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::envelope::ReceivedMessage;
use crate::runtime::BoxFuture;

/// Default most deliveries of one message (the first and four redeliveries).
pub const DEFAULT_MAX_DELIVER: u32 = 5;

/// Default delays before a failed message is redelivered: 1 s after the first failure, 5 s
/// after the second, 30 s after every later one. With [`DEFAULT_MAX_DELIVER`] a poison
/// message is dead-lettered about 66 s after its first delivery.
pub const DEFAULT_BACKOFF: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(5),
    Duration::from_secs(30),
];

/// Header of a dead letter: the error of the last failed delivery.
pub const DEAD_LETTER_ERROR_HEADER: &str = "X-Dead-Letter-Error";
/// Header of a dead letter: the stream the message was stored in.
pub const DEAD_LETTER_STREAM_HEADER: &str = "X-Dead-Letter-Stream";
/// Header of a dead letter: its sequence in that stream.
pub const DEAD_LETTER_SEQUENCE_HEADER: &str = "X-Dead-Letter-Sequence";
/// Header of a dead letter: the subject it was published to.
pub const DEAD_LETTER_SUBJECT_HEADER: &str = "X-Dead-Letter-Subject";
/// Header of a dead letter: the consumer that gave up on it.
pub const DEAD_LETTER_CONSUMER_HEADER: &str = "X-Dead-Letter-Consumer";
/// Header of a dead letter: how many times it was delivered.
pub const DEAD_LETTER_DELIVERIES_HEADER: &str = "X-Dead-Letter-Deliveries";

/// A message given up on, as a dead-letter callback receives it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeadLetter {
    /// The message (already past its last delivery; the bus terminates it after the
    /// callback returns, so the callback should not ack or nak it).
    pub message: ReceivedMessage,
    /// The error of the last failed delivery.
    pub error: String,
    /// The stream it is stored in.
    pub stream: String,
    /// The consumer that gave up on it.
    pub consumer: String,
    /// Its sequence in the stream.
    pub stream_sequence: u64,
    /// How many times it was delivered.
    pub deliveries: u64,
}

type Callback = dyn Fn(DeadLetter) -> BoxFuture<()> + Send + Sync;

/// A dead-letter callback (see [`Redelivery::on_dead_letter`]); equal only to its clones.
#[derive(Clone)]
pub struct DeadLetterCallback(pub(crate) Arc<Callback>);

impl std::fmt::Debug for DeadLetterCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeadLetterCallback")
    }
}

impl PartialEq for DeadLetterCallback {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for DeadLetterCallback {}

/// How a subscription treats failed handlers (an `Err` or a panic; with manual acks, a
/// failure that left the message unsettled).
///
/// - Deliveries are bounded: the consumer is created with `max_deliver`, so the server
///   never delivers a message more often, whatever happens to the subscriber.
/// - Before the last delivery, a failed message is nak'd with the backoff delay of its
///   attempt: `backoff[delivered - 1]`, the last entry repeating (an empty schedule naks
///   for immediate redelivery).
/// - At the last delivery it is dead-lettered: handed to the callback if one is set,
///   republished to the dead-letter subject if one is set (original headers, except
///   JetStream's own `Nats-*` ones, plus the `X-Dead-Letter-*` headers: error, stream,
///   sequence, subject, consumer, deliveries), then terminated with the error as reason,
///   so the consumer moves on. When the republish fails the message is nak'd instead, so
///   it is not lost. The decisions are logged at warn level.
///
/// ```
/// use std::time::Duration;
/// use natbus::bus::PushOptions;
///
/// let options = PushOptions::new("orders.created")
///     .durable("billing")
///     .max_deliver(3)
///     .backoff([Duration::from_secs(2), Duration::from_secs(10)])
///     .dead_letter("dead.orders.created");
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Redelivery {
    /// Most deliveries of one message, at least 1 (default [`DEFAULT_MAX_DELIVER`]). There
    /// is no "unlimited": a message no handler can process would be retried forever.
    pub max_deliver: u32,
    /// Delays before redelivering a failed message (default [`DEFAULT_BACKOFF`]).
    pub backoff: Vec<Duration>,
    /// Where dead letters are republished (none by default). Published with JetStream
    /// when a stream captures the subject (checked when the subscription starts), else as
    /// a plain NATS message.
    pub dead_letter_subject: Option<String>,
    /// Called with each dead letter before it is terminated.
    pub on_dead_letter: Option<DeadLetterCallback>,
}

impl Default for Redelivery {
    fn default() -> Self {
        Redelivery {
            max_deliver: DEFAULT_MAX_DELIVER,
            backoff: DEFAULT_BACKOFF.to_vec(),
            dead_letter_subject: None,
            on_dead_letter: None,
        }
    }
}

impl Redelivery {
    /// Sets the most deliveries of one message.
    pub fn max_deliver(mut self, max: u32) -> Self {
        self.max_deliver = max;
        self
    }

    /// Sets the redelivery delays.
    pub fn backoff(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
        self.backoff = delays.into_iter().collect();
        self
    }

    /// Republishes dead letters to `subject`.
    pub fn dead_letter(mut self, subject: impl Into<String>) -> Self {
        self.dead_letter_subject = Some(subject.into());
        self
    }

    /// Calls `callback` with each dead letter (e.g. to store it or alert someone).
    pub fn on_dead_letter<F, Fut>(mut self, callback: F) -> Self
    where
        F: Fn(DeadLetter) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_dead_letter = Some(DeadLetterCallback(Arc::new(move |d| Box::pin(callback(d)))));
        self
    }

    /// The nak delay after the failure of delivery number `delivered` (1 for the first).
    pub(crate) fn delay_after(&self, delivered: u64) -> Option<Duration> {
        let attempt = usize::try_from(delivered.saturating_sub(1)).unwrap_or(usize::MAX);
        self.backoff.get(attempt).or(self.backoff.last()).copied()
    }
}

/// Text fit for a header value or a term reason: one line (control characters become
/// spaces), at most `max` bytes (cut at a character boundary, marked with `…`).
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.len() <= max {
        return line;
    }
    let room = max.saturating_sub('…'.len_utf8());
    let mut cut = room;
    while !line.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &line[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_follow_the_schedule_and_repeat_the_last() {
        let r = Redelivery::default();
        let secs = |d: u64| r.delay_after(d).map(|d| d.as_secs());
        assert_eq!(
            (secs(1), secs(2), secs(3), secs(4), secs(u64::MAX)),
            (Some(1), Some(5), Some(30), Some(30), Some(30))
        );
        assert_eq!(r.clone().backoff([]).delay_after(1), None, "nak at once");
    }

    #[test]
    fn one_line_is_bounded_and_has_no_line_breaks() {
        assert_eq!(one_line("bad\r\ninput", 100), "bad  input");
        let long = one_line(&"é".repeat(100), 21);
        assert!(long.len() <= 21 && long.ends_with('…'), "{long}");
        assert_eq!(one_line("short", 5), "short");
    }

    #[test]
    fn callbacks_compare_by_identity() {
        let a = Redelivery::default().on_dead_letter(|_| async {});
        let b = Redelivery::default().on_dead_letter(|_| async {});
        assert_eq!(a, a.clone());
        assert_ne!(a, b);
    }
}
