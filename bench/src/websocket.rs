//! `websocket`: publish throughput and request latency over WebSocket, in one run beside
//! natbus over TCP on the same server: natbus over TCP, natbus over WebSocket, async-nats
//! over WebSocket (its `websockets` feature).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::args::{Args, Sizes};
use crate::clients::{Kind, Runtimes};
use crate::report::{num, payload_text, ratio};
use crate::run::PAYLOADS;
use crate::scenarios::Scenario;
use crate::stats::median;

/// A column of the table: a client and the URL it connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Column {
    NatbusTcp,
    NatbusWebSocket,
    AsyncNatsWebSocket,
}

impl Column {
    const ALL: [Column; 3] = [
        Column::NatbusTcp,
        Column::NatbusWebSocket,
        Column::AsyncNatsWebSocket,
    ];

    fn kind(self) -> Kind {
        match self {
            Column::NatbusTcp | Column::NatbusWebSocket => Kind::NatbusTokio,
            Column::AsyncNatsWebSocket => Kind::AsyncNats,
        }
    }

    fn url<'a>(self, tcp: &'a str, ws: &'a str) -> &'a str {
        match self {
            Column::NatbusTcp => tcp,
            Column::NatbusWebSocket | Column::AsyncNatsWebSocket => ws,
        }
    }
}

/// Samples per (metric, payload) and column, in first-recorded order.
type Samples = Vec<((String, usize), BTreeMap<Column, Vec<f64>>)>;

/// Runs `pub` and `req_reply` for every column, `args.rounds` times, and returns the table.
pub fn run(
    args: &Args,
    rts: &Runtimes,
    tcp_url: &str,
    ws_url: &str,
    sizes: Sizes,
    failures: &mut usize,
) -> String {
    let mut samples: Samples = Vec::new();
    for round in 0..args.rounds {
        for scenario in [Scenario::Pub, Scenario::ReqReply] {
            for payload in PAYLOADS {
                for i in 0..Column::ALL.len() {
                    // Alternate who goes first, so drift in the machine's load is shared.
                    let column = Column::ALL[(i + round) % Column::ALL.len()];
                    let url = column.url(tcp_url, ws_url);
                    match scenario.run(rts, column.kind(), url, sizes, payload) {
                        Ok(metrics) => {
                            for (metric, value) in metrics {
                                let label = format!("ws {} {metric}", scenario.name());
                                record(&mut samples, label, payload, column, value);
                            }
                        }
                        Err(e) => {
                            *failures += 1;
                            eprintln!("websocket {} {column:?} {payload} B: {e}", scenario.name());
                        }
                    }
                }
            }
        }
    }
    markdown(&samples)
}

fn record(samples: &mut Samples, label: String, payload: usize, column: Column, value: f64) {
    let key = (label, payload);
    let idx = match samples.iter().position(|(k, _)| *k == key) {
        Some(i) => i,
        None => {
            samples.push((key, BTreeMap::new()));
            samples.len() - 1
        }
    };
    samples[idx].1.entry(column).or_default().push(value);
}

fn markdown(samples: &Samples) -> String {
    let mut out = String::from(
        "| WebSocket | payload | natbus-tokio TCP | natbus-tokio WebSocket | async-nats WebSocket | ratio natbus/async-nats, both WebSocket |\n|---|---|---|---|---|---|\n",
    );
    for ((label, payload), columns) in samples {
        let m = |c: Column| columns.get(&c).map_or(f64::NAN, |s| median(s));
        let lower = label.contains("µs") || label.contains("CPU");
        let better = if lower {
            "lower is better"
        } else {
            "higher is better"
        };
        let (tcp, ws, theirs) = (
            m(Column::NatbusTcp),
            m(Column::NatbusWebSocket),
            m(Column::AsyncNatsWebSocket),
        );
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} ({better}) |",
            payload_text(*payload),
            num(tcp),
            num(ws),
            num(theirs),
            ratio(ws / theirs)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_a_column_per_client_and_transport() {
        let mut samples = Samples::new();
        for (column, value) in [
            (Column::NatbusTcp, 300.0),
            (Column::NatbusWebSocket, 200.0),
            (Column::AsyncNatsWebSocket, 100.0),
        ] {
            record(&mut samples, "ws pub msgs/s".into(), 16, column, value);
        }
        let md = markdown(&samples);
        assert!(
            md.contains("| ws pub msgs/s | 16 B | 300 | 200 | 100 | 2.00× (higher is better) |"),
            "{md}"
        );
    }
}
