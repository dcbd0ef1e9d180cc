//! `bench --quick` runs end to end against a real server and prints every table.

use std::process::Command;

#[test]
fn quick_run_prints_every_scenario_for_every_client() {
    let out = Command::new(env!("CARGO_BIN_EXE_bench"))
        .arg("--quick")
        .output()
        .expect("the bench binary was built by cargo for this test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "bench --quick failed:\n{stderr}\n{stdout}"
    );
    for row in [
        "| pub msgs/s | 16 B |",
        "| pub_sub msgs/s | 1 KiB |",
        "| req_reply p99 µs | 128 B |",
        "| req_reply 64 in flight req/s | 16 B |",
        "| pub_sub_proc msgs/s | 128 B |",
        "| req_tasks p50 µs | 16 B |",
        "| req_proc 64 in flight req/s | 1 KiB |",
        "| js_pub_file msgs/s | 128 B |",
        "| js_fetch_file msgs/s | 16 B |",
        "| js_pub msgs/s | 16 B |",
        "| js_batch msgs/s | 128 B |",
        "| js_fetch msgs/s | 1 KiB |",
        "| raw_limit | 16 B |",
        "| ws pub msgs/s | 16 B |",
        "| ws req_reply p50 µs | 1 KiB |",
        "| peak RSS, 10000 subscriptions (KiB) |",
        "| heap allocs per subscription |",
        "| peak RSS, 1000 requests in flight (KiB) | 128 B |",
        "| heap allocs per request, 1000 in flight | 128 B |",
        "| heap allocs per received msg | 128 B |",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(row))
            .unwrap_or_else(|| panic!("no row {row:?} in:\n{stdout}"));
        // Cells: label, payload, two natbus columns, async-nats, ratio. natbus's own
        // measurements must all succeed; a failed async-nats one (it has failed under load:
        // "no responders" with thousands of requests at once) is the other client's
        // outcome, shown as `err` in the table, and must not fail natbus's tests.
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert!(cells.len() >= 7, "a row with too few cells: {line}");
        assert!(
            !cells[3].contains("err") && !cells[4].contains("err"),
            "a failed natbus measurement: {line}"
        );
        if cells[5].contains("err") {
            eprintln!("note: async-nats failed a measurement: {line}");
        } else {
            assert!(!cells[6].contains("err"), "a failed ratio: {line}");
        }
    }
    assert!(
        stdout.contains("- machine: "),
        "machine line missing:\n{stdout}"
    );
}
