//! Benchmark results: per-client and aggregate rates, latency percentiles, text and JSON.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::duration::human;
use crate::output::thousands;

/// What one client did: messages and bytes between its first and last message.
#[derive(Debug, Clone, Copy)]
pub struct ClientRun {
    /// Messages sent or received.
    pub msgs: u64,
    /// Payload bytes sent or received.
    pub bytes: u64,
    /// When the client started (or got its first message).
    pub start: Instant,
    /// When the client finished (or got its last message).
    pub end: Instant,
}

impl ClientRun {
    /// A client that has not sent or received anything yet.
    pub fn starting_now() -> Self {
        let now = Instant::now();
        ClientRun {
            msgs: 0,
            bytes: 0,
            start: now,
            end: now,
        }
    }

    /// Counts one message of `bytes` received now; the first one starts the clock.
    pub fn record(&mut self, bytes: usize) {
        let now = Instant::now();
        if self.msgs == 0 {
            self.start = now;
        }
        self.end = now;
        self.msgs += 1;
        self.bytes += bytes as u64;
    }

    fn elapsed(&self) -> Duration {
        self.end.saturating_duration_since(self.start)
    }
}

/// A rate per second that stays finite when the time is (nearly) zero.
fn per_sec(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// One line of rates: `1,234,567 msgs/sec ~ 158.02 MB/sec`.
fn rate_text(msgs: u64, bytes: u64, elapsed: Duration) -> String {
    let rate = per_sec(msgs, elapsed) as u64;
    let mb = per_sec(bytes, elapsed) / 1e6;
    format!("{} msgs/sec ~ {mb:.2} MB/sec", thousands(rate))
}

/// The clients of one side (publishers, subscribers, requesters).
#[derive(Debug)]
pub struct Side {
    /// `Pub`, `Sub` or `Req`.
    pub label: &'static str,
    /// One entry per client, in client order.
    pub clients: Vec<ClientRun>,
}

impl Side {
    /// Messages of all clients.
    pub fn msgs(&self) -> u64 {
        self.clients.iter().map(|c| c.msgs).sum()
    }

    fn bytes(&self) -> u64 {
        self.clients.iter().map(|c| c.bytes).sum()
    }

    /// From the first client's start to the last client's end.
    pub fn elapsed(&self) -> Duration {
        let start = self.clients.iter().map(|c| c.start).min();
        let end = self.clients.iter().map(|c| c.end).max();
        match (start, end) {
            (Some(start), Some(end)) => end.saturating_duration_since(start),
            _ => Duration::ZERO,
        }
    }

    /// `Pub stats: …` then one indented line per client.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} stats: {}\n",
            self.label,
            rate_text(self.msgs(), self.bytes(), self.elapsed())
        );
        for (i, c) in self.clients.iter().enumerate() {
            out.push_str(&format!(
                "  [{}] {} ({} msgs)\n",
                i + 1,
                rate_text(c.msgs, c.bytes, c.elapsed()),
                thousands(c.msgs)
            ));
        }
        out
    }

    /// [`text`](Self::text) of each side that has clients, one after the other.
    pub fn text_of(sides: &[&Side]) -> String {
        sides
            .iter()
            .filter(|side| !side.clients.is_empty())
            .map(|side| side.text())
            .collect()
    }

    /// Aggregate and per-client numbers.
    pub fn json(&self) -> Value {
        let entry = |msgs: u64, bytes: u64, elapsed: Duration| {
            json!({
                "msgs": msgs,
                "bytes": bytes,
                "elapsed_ns": elapsed.as_nanos() as u64,
                "msgs_per_sec": per_sec(msgs, elapsed),
                "bytes_per_sec": per_sec(bytes, elapsed),
            })
        };
        let mut value = entry(self.msgs(), self.bytes(), self.elapsed());
        let clients: Vec<Value> = self
            .clients
            .iter()
            .map(|c| entry(c.msgs, c.bytes, c.elapsed()))
            .collect();
        if let Some(object) = value.as_object_mut() {
            object.insert("clients".into(), Value::Array(clients));
        }
        value
    }
}

/// Request latencies, sorted, for percentiles.
#[derive(Debug)]
pub struct Latencies(Vec<Duration>);

impl Latencies {
    /// Sorts the samples of all requesters.
    pub fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        Latencies(samples)
    }

    /// The nearest-rank percentile `p` (0–100); zero without samples.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    /// `Latency: p50 … p90 … p99 … (min … max …)`.
    pub fn text(&self) -> String {
        format!(
            "Latency: p50 {} p90 {} p99 {} (min {} max {})\n",
            human(self.percentile(50.0)),
            human(self.percentile(90.0)),
            human(self.percentile(99.0)),
            human(self.percentile(0.0)),
            human(self.percentile(100.0)),
        )
    }

    /// The same numbers in nanoseconds.
    pub fn json(&self) -> Value {
        let ns = |p: f64| self.percentile(p).as_nanos() as u64;
        json!({
            "samples": self.0.len(),
            "p50_ns": ns(50.0), "p90_ns": ns(90.0), "p99_ns": ns(99.0),
            "min_ns": ns(0.0), "max_ns": ns(100.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let l = Latencies::new((1..=100).rev().map(Duration::from_millis).collect());
        assert_eq!(l.percentile(50.0), Duration::from_millis(50));
        assert_eq!(l.percentile(90.0), Duration::from_millis(90));
        assert_eq!(l.percentile(99.0), Duration::from_millis(99));
        assert_eq!(l.percentile(0.0), Duration::from_millis(1));
        assert_eq!(l.percentile(100.0), Duration::from_millis(100));
        assert_eq!(Latencies::new(vec![]).percentile(50.0), Duration::ZERO);
    }

    #[test]
    fn aggregates_span_all_clients() {
        let t0 = Instant::now();
        let run = |msgs, from, to| ClientRun {
            msgs,
            bytes: msgs * 10,
            start: t0 + Duration::from_millis(from),
            end: t0 + Duration::from_millis(to),
        };
        let side = Side {
            label: "Pub",
            clients: vec![run(100, 0, 100), run(300, 50, 200)],
        };
        assert_eq!(side.msgs(), 400);
        assert_eq!(side.elapsed(), Duration::from_millis(200));
        assert!(
            side.text()
                .starts_with("Pub stats: 2,000 msgs/sec ~ 0.02 MB/sec\n")
        );
    }
}
