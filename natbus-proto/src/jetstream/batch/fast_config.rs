//! How a fast-ingest batch is driven: its gap mode and flow settings.

use std::time::Duration;

/// What a gap (a lost message) does to the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GapMode {
    /// A gap or a failed message ends the batch: what is stored has no holes.
    #[default]
    Fail,
    /// Gaps and failed messages are reported and the batch goes on (metrics and the like).
    Ok,
}

impl GapMode {
    pub(crate) fn token(self) -> &'static str {
        match self {
            GapMode::Fail => "fail",
            GapMode::Ok => "ok",
        }
    }
}

/// How a fast-ingest batch is driven.
///
/// ```
/// use std::time::Duration;
/// use natbus_proto::jetstream::batch::fast::{FastBatchConfig, GapMode};
/// let config = FastBatchConfig::default().flow(500).gap(GapMode::Ok).max_outstanding_acks(3);
/// assert_eq!(config.ack_timeout_value(), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FastBatchConfig {
    pub(crate) flow: u16,
    pub(crate) gap: GapMode,
    pub(crate) max_outstanding_acks: u8,
    pub(crate) ack_timeout: Duration,
    pub(crate) max_pings: u32,
}

impl Default for FastBatchConfig {
    /// Acks at most every 100 messages, gaps end the batch, 2 acks outstanding (ADR-50's
    /// recommendation), 5 s without an answer before a ping, 3 pings before giving up.
    fn default() -> Self {
        FastBatchConfig {
            flow: 100,
            gap: GapMode::Fail,
            max_outstanding_acks: 2,
            ack_timeout: Duration::from_secs(5),
            max_pings: 3,
        }
    }
}

impl FastBatchConfig {
    /// The most messages per ack the server may choose (1 or more; it starts lower when
    /// other fast publishers write to the stream, and adapts).
    pub fn flow(mut self, messages: u16) -> Self {
        self.flow = messages.max(1);
        self
    }

    /// What a gap does; see [`GapMode`].
    pub fn gap(mut self, gap: GapMode) -> Self {
        self.gap = gap;
        self
    }

    /// Acks that may be outstanding before sending stops: 1 to 3 (ADR-50: 2 suits most).
    pub fn max_outstanding_acks(mut self, acks: u8) -> Self {
        self.max_outstanding_acks = acks.clamp(1, 3);
        self
    }

    /// How long a wait for an answer lasts before a ping is sent.
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.ack_timeout = timeout;
        self
    }

    /// Unanswered pings before the batch fails with [`BatchError::TimedOut`](super::BatchError::TimedOut).
    pub fn max_pings(mut self, pings: u32) -> Self {
        self.max_pings = pings;
        self
    }

    /// The configured ack timeout.
    pub fn ack_timeout_value(&self) -> Duration {
        self.ack_timeout
    }

    /// The configured gap mode.
    pub fn gap_mode(&self) -> GapMode {
        self.gap
    }
}
