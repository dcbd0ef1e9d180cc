//! The parent process: one server, every client, several rounds, then the report.

use std::process::Command;

use natbus_tests::NatsServer;

use crate::BoxError;
use crate::args::{Args, Sizes};
use crate::clients::{Kind, Runtimes};
use crate::raw::RawConn;
use crate::report::{Table, machine, num, payload_text, ratio};
use crate::scenarios::Scenario;

/// Payload sizes of every scenario.
pub const PAYLOADS: [usize; 3] = [16, 128, 1024];

/// Runs the selected scenarios and prints the report. Fails when any measurement failed.
pub fn run(args: &Args) -> Result<(), BoxError> {
    let sizes = args.sizes();
    let selected = args.scenario.as_deref();
    let known = Scenario::ALL.iter().any(|s| Some(s.name()) == selected);
    if let Some(name) = selected
        && !known
        && !matches!(name, "raw_limit" | "memory" | "websocket")
    {
        return Err(format!("unknown scenario {name:?} (see --help)").into());
    }
    // Large pending limit: a subscriber briefly behind a fast publisher must not be cut off.
    let server = NatsServer::builder()
        .config("max_pending: 1073741824")
        .websocket()
        .start();
    if let Some(pid) = server.pid() {
        crate::cpu::watch_server(pid);
    }
    let url = server.url();
    let rts = Runtimes::new()?;
    let mut table = Table::default();
    let mut failures = 0;
    let scenarios: Vec<Scenario> = Scenario::ALL
        .into_iter()
        .filter(|s| selected.is_none_or(|n| n == s.name()))
        .collect();
    for round in 0..args.rounds {
        for &scenario in &scenarios {
            for payload in PAYLOADS {
                for i in 0..Kind::ALL.len() {
                    // Alternate who goes first, so drift in the machine's load is shared.
                    let kind = Kind::ALL[(i + round) % Kind::ALL.len()];
                    if args.client.as_deref().is_some_and(|c| c != kind.name()) {
                        continue;
                    }
                    match scenario.run(&rts, kind, &url, sizes, payload) {
                        Ok(metrics) => {
                            for (metric, value) in metrics {
                                table.record(&label(scenario, metric), payload, kind, value);
                            }
                        }
                        Err(e) => {
                            failures += 1;
                            eprintln!("{} {} {payload} B: {e}", scenario.name(), kind.name());
                            table.record(&label(scenario, "msgs/s"), payload, kind, f64::NAN);
                        }
                    }
                }
            }
        }
        eprintln!("round {} of {} done", round + 1, args.rounds);
    }
    let mut out = String::from("## natbus vs async-nats\n\n");
    out.push_str(&machine());
    let _ = std::fmt::Write::write_fmt(
        &mut out,
        format_args!(
            "- nats-server: {}; async-nats 0.52; {} round(s), medians; {} msgs per pub/pub_sub, {} sequential + {} concurrent requests, {} JetStream msgs\n\n",
            server_version(),
            args.rounds,
            sizes.pub_msgs,
            sizes.seq_requests,
            sizes.concurrent_requests,
            sizes.js_msgs
        ),
    );
    if !scenarios.is_empty() {
        out.push_str(&table.markdown());
    }
    if selected.is_none_or(|n| n == "raw_limit") {
        out.push('\n');
        out.push_str(&raw_limit(args, &url, sizes, &table, &mut failures));
    }
    if selected.is_none_or(|n| n == "websocket") {
        out.push('\n');
        let ws_url = server.websocket_url();
        out.push_str(&crate::websocket::run(
            args,
            &rts,
            &url,
            &ws_url,
            sizes,
            &mut failures,
        ));
    }
    if selected.is_none_or(|n| n == "memory") {
        out.push('\n');
        out.push_str(&memory(&url, args.quick, sizes, &mut failures));
    }
    println!("{out}");
    drop(server);
    if failures > 0 {
        return Err(format!("{failures} measurement(s) failed, see above").into());
    }
    Ok(())
}

fn label(scenario: Scenario, metric: &str) -> String {
    format!("{} {metric}", scenario.name())
}

/// `raw_limit`: pre-encoded frames in 64 KiB writes, and natbus's `pub` as a fraction.
fn raw_limit(args: &Args, url: &str, sizes: Sizes, table: &Table, failures: &mut usize) -> String {
    let mut out = String::from(
        "| raw_limit | payload | raw socket msgs/s | natbus-tokio pub | natbus-smol pub | natbus-tokio / raw |\n|---|---|---|---|---|---|\n",
    );
    for payload in PAYLOADS {
        let mut samples = Vec::new();
        for _ in 0..args.rounds {
            let rate = RawConn::connect(url).and_then(|mut c| {
                let t = c.publish("bench.raw", payload, sizes.pub_msgs, None)?;
                Ok(sizes.pub_msgs as f64 / t.as_secs_f64())
            });
            match rate {
                Ok(r) => samples.push(r),
                Err(e) => {
                    *failures += 1;
                    eprintln!("raw_limit {payload} B: {e}");
                }
            }
        }
        let raw = crate::stats::median(&samples);
        let label = label(Scenario::Pub, "msgs/s");
        let tokio = table.median(&label, payload, Kind::NatbusTokio);
        let smol = table.median(&label, payload, Kind::NatbusSmol);
        out.push_str(&format!(
            "| raw_limit | {} | {} | {} | {} | {} |\n",
            payload_text(payload),
            num(raw),
            num(tokio),
            num(smol),
            ratio(tokio / raw)
        ));
    }
    out
}

/// Peak RSS and allocations, each client in its own child process.
fn memory(url: &str, quick: bool, sizes: Sizes, failures: &mut usize) -> String {
    let mut table = Table::default();
    for kind in Kind::ALL {
        for name in ["mem_subs", "mem_requests", "mem_stream", "alloc"] {
            match run_child(name, kind, url, quick) {
                Ok(v) => {
                    let get = |k: &str| {
                        v.get(k)
                            .and_then(serde_json::Value::as_f64)
                            .unwrap_or(f64::NAN)
                    };
                    match name {
                        "mem_subs" => {
                            let n = sizes.subscriptions;
                            let label = format!("peak RSS, {n} subscriptions (KiB)");
                            table.record(&label, 0, kind, get("peak_kib"));
                            table.record(
                                "heap allocs per subscription",
                                0,
                                kind,
                                get("allocs_per_op"),
                            );
                        }
                        "mem_requests" => {
                            let n = sizes.in_flight;
                            let label = format!("peak RSS, {n} requests in flight (KiB)");
                            table.record(&label, 128, kind, get("peak_kib"));
                            let label = format!("heap allocs per request, {n} in flight");
                            table.record(&label, 128, kind, get("allocs_per_op"));
                        }
                        "mem_stream" => table.record(
                            &format!(
                                "peak RSS, {} x 1 KiB msgs through one subscriber (KiB)",
                                get("messages")
                            ),
                            1024,
                            kind,
                            get("peak_kib"),
                        ),
                        _ => {
                            table.record(
                                "heap allocs per published msg",
                                128,
                                kind,
                                get("publish_allocs_per_msg"),
                            );
                            table.record(
                                "heap allocs per received msg",
                                128,
                                kind,
                                get("receive_allocs_per_msg"),
                            );
                            table.record(
                                "heap allocs per JetStream msg consumed and acked",
                                128,
                                kind,
                                get("js_consume_allocs_per_msg"),
                            );
                        }
                    }
                }
                Err(e) => {
                    *failures += 1;
                    eprintln!("{name} {}: {e}", kind.name());
                }
            }
        }
    }
    table.markdown()
}

fn run_child(
    name: &str,
    kind: Kind,
    url: &str,
    quick: bool,
) -> Result<serde_json::Value, BoxError> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(["--scenario", name, "--client", kind.name(), "--url", url]);
    if quick {
        cmd.arg("--quick");
    }
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().ok_or("the child printed nothing")?;
    Ok(serde_json::from_str(line)?)
}

fn server_version() -> String {
    Command::new(natbus_tests::nats_server_bin())
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned())
}
