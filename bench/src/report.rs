//! Collecting samples and printing the markdown tables.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::clients::Kind;
use crate::stats::median;

/// One row: a metric of a scenario at one payload size, with each client's samples.
#[derive(Debug)]
pub struct Row {
    /// Scenario and metric, as shown.
    pub label: String,
    /// Payload bytes (0 when not applicable).
    pub payload: usize,
    /// Lower is better (latency, memory, allocations).
    pub lower_is_better: bool,
    /// Samples per client.
    pub samples: BTreeMap<Kind, Vec<f64>>,
}

/// All rows, in first-recorded order.
#[derive(Debug, Default)]
pub struct Table {
    /// The rows.
    pub rows: Vec<Row>,
}

impl Table {
    /// Adds one sample; NaN records a failed run.
    pub fn record(&mut self, label: &str, payload: usize, kind: Kind, value: f64) {
        let lower_is_better = label.contains("µs")
            || label.contains("KiB")
            || label.contains("allocs")
            || label.contains("CPU");
        let idx = match self
            .rows
            .iter()
            .position(|r| r.label == label && r.payload == payload)
        {
            Some(i) => i,
            None => {
                self.rows.push(Row {
                    label: label.to_owned(),
                    payload,
                    lower_is_better,
                    samples: BTreeMap::new(),
                });
                self.rows.len() - 1
            }
        };
        self.rows[idx].samples.entry(kind).or_default().push(value);
    }

    /// The median of `kind` in row `label`/`payload`.
    pub fn median(&self, label: &str, payload: usize, kind: Kind) -> f64 {
        self.rows
            .iter()
            .find(|r| r.label == label && r.payload == payload)
            .and_then(|r| r.samples.get(&kind))
            .map_or(f64::NAN, |s| median(s))
    }

    /// The markdown table: scenario | payload | natbus-tokio | natbus-smol | async-nats | ratio.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        out.push_str("| scenario | payload | natbus-tokio | natbus-smol | async-nats | ratio natbus-tokio/async-nats |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for row in &self.rows {
            let m = |k: Kind| row.samples.get(&k).map_or(f64::NAN, |s| median(s));
            let (t, s, a) = (
                m(Kind::NatbusTokio),
                m(Kind::NatbusSmol),
                m(Kind::AsyncNats),
            );
            let better = if row.lower_is_better {
                "lower is better"
            } else {
                "higher is better"
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} ({better}) |",
                row.label,
                payload_text(row.payload),
                num(t),
                num(s),
                num(a),
                ratio(t / a),
            );
        }
        out
    }
}

/// `16 B`, `1 KiB`, or `-`.
pub fn payload_text(payload: usize) -> String {
    match payload {
        0 => "-".to_owned(),
        p if p % 1024 == 0 => format!("{} KiB", p / 1024),
        p => format!("{p} B"),
    }
}

/// A number with thousands separators (two decimals below 100); `err` for a failed run.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "err".to_owned();
    }
    if v.abs() < 100.0 {
        return format!("{v:.2}");
    }
    let digits = format!("{:.0}", v);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 && c != '-' {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A ratio such as `1.34×`.
pub fn ratio(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}×")
    } else {
        "n/a".to_owned()
    }
}

/// Machine and date lines for the report.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let date = natbus::proto::time::format_rfc3339(std::time::SystemTime::now());
    format!("- machine: {cores} cores (nproc), {cpu}\n- date: {date}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_ratios_are_readable() {
        assert_eq!(num(1234567.4), "1,234,567");
        assert_eq!(num(12.345), "12.35");
        assert_eq!(num(f64::NAN), "err");
        assert_eq!(ratio(1.333), "1.33×");
        assert_eq!(payload_text(1024), "1 KiB");
        assert_eq!(payload_text(16), "16 B");
    }

    #[test]
    fn table_shows_medians_and_the_ratio() {
        let mut t = Table::default();
        for v in [1.0, 3.0, 2.0] {
            t.record("pub msgs/s", 16, Kind::NatbusTokio, v * 100.0);
        }
        t.record("pub msgs/s", 16, Kind::AsyncNats, 100.0);
        let md = t.markdown();
        assert!(
            md.contains("| pub msgs/s | 16 B | 200 | err | 100 | 2.00× (higher is better) |"),
            "{md}"
        );
    }
}
