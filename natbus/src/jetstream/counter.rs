//! Counters (ADR-49): `Counters`, a handle on a stream created with `allow_msg_counter`,
//! to add to the number kept per subject and read it back.

use natbus_proto::headers::HeaderMap;
use natbus_proto::jetstream::counter::{
    CounterEntry, CounterError, CounterValue, Increment, NATS_COUNTER_SOURCES, NATS_INCR,
};
use natbus_proto::jetstream::features::Feature;
use natbus_proto::jetstream::publish::PublishOptions;

use super::context::JetStream;
use super::error::JetStreamError;
use super::stream::Stream;

/// The counters of one stream (`allow_msg_counter`, nats-server 2.12+): every subject of
/// the stream is a counter. Adds from any number of clients sum exactly (the stream's
/// leader applies them one by one), and a stream sourcing counter streams holds their sum.
///
/// ```no_run
/// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
/// use natbus::jetstream::StreamConfig;
///
/// let mut config = StreamConfig::new("HITS").subjects(["hits.>"]);
/// config.allow_msg_counter = true;
/// js.create_stream(config).await?;
///
/// let counters = js.counters("HITS").await?;
/// let total = counters.add("hits.home", 1).await?;
/// counters.add("hits.home", -3).await?;
/// // Totals are integers of any size: read them as i128 when they fit, or as text.
/// let entry = counters.get("hits.home").await?.expect("added to above");
/// assert_eq!(entry.value.to_i128(), total.to_i128().map(|t| t - 3));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Counters {
    js: JetStream,
    stream: Stream,
}

impl JetStream {
    /// The counters of stream `name`.
    ///
    /// # Errors
    /// [`JetStreamError::ServerTooOld`] before 2.12, the stream's absence, or
    /// [`JetStreamError::Counter`] with [`CounterError::NotACounterStream`] when it was
    /// created without `allow_msg_counter`.
    pub async fn counters(&self, name: &str) -> Result<Counters, JetStreamError> {
        self.require(Feature::MessageCounters).await?;
        let stream = self.get_stream(name).await?;
        if !stream.cached_info().config.allow_msg_counter {
            return Err(CounterError::NotACounterStream(name.to_owned()).into());
        }
        Ok(Counters {
            js: self.clone(),
            stream,
        })
    }
}

impl Counters {
    /// The stream.
    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    /// Adds `by` (negative to subtract; any integer type, or a [`CounterValue`] parsed
    /// from text for values beyond `i128`) to the counter on `subject`, returning its new
    /// total.
    ///
    /// # Errors
    /// The server's refusal (e.g. a subject outside the stream: no responders), or
    /// [`JetStreamError::Counter`] when the reply carries no total.
    pub async fn add(
        &self,
        subject: &str,
        by: impl Into<Increment>,
    ) -> Result<CounterValue, JetStreamError> {
        let by = by.into();
        let mut headers = HeaderMap::new();
        headers.insert(NATS_INCR, by.header_value());
        // `Nats-Expected-Stream` is one of the headers an add may not carry, so the stream
        // is checked from the ack instead.
        let ack = self
            .js
            .publish_with(subject, Some(headers), &PublishOptions::default(), "")
            .await?;
        let not_a_counter = |reason: String| CounterError::NotACounter {
            subject: subject.to_owned(),
            reason,
        };
        if ack.stream != self.stream.name() {
            return Err(not_a_counter(format!(
                "it was stored by stream '{}', not '{}'",
                ack.stream,
                self.stream.name()
            ))
            .into());
        }
        let value = ack
            .value
            .ok_or_else(|| not_a_counter("the ack carries no total".to_owned()))?;
        Ok(value
            .parse()
            .map_err(|e: CounterError| not_a_counter(e.to_string()))?)
    }

    /// The counter on `subject`: its total, the last add, and for an aggregating stream
    /// what each source contributed; `None` when nothing was added to it.
    ///
    /// # Errors
    /// JetStream errors, or [`JetStreamError::Counter`] when the subject's last message
    /// is not a counter value.
    pub async fn get(&self, subject: &str) -> Result<Option<CounterEntry>, JetStreamError> {
        let msg = match self.stream.get_last_message(subject).await {
            Ok(msg) => msg,
            Err(JetStreamError::Api(e)) if e.is_no_message_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(Some(CounterEntry::from_message(
            &msg.subject,
            msg.header(NATS_INCR),
            msg.header(NATS_COUNTER_SOURCES),
            &msg.payload,
        )?))
    }
}
