//! `bench`: the summary and the JSON carry the right message counts.

use natbus_tests::NatsServer;

use crate::support::{json, natbus};

#[test]
fn pubsub_bench_delivers_every_message_to_every_subscriber() {
    let server = NatsServer::start();
    let args = [
        "bench", "b.ps", "--pub", "2", "--sub", "2", "--msgs", "1000", "--size", "16",
    ];
    let out = natbus(&server, &args).ok();
    assert!(out.contains("Pub stats: "), "{out}");
    assert!(out.contains("Sub stats: "), "{out}");
    assert_eq!(
        out.matches(" (500 msgs)").count(),
        2,
        "each publisher sends half: {out}"
    );
    assert_eq!(
        out.matches(" (1,000 msgs)").count(),
        2,
        "each subscriber gets all: {out}"
    );
    let summary = out.lines().last().unwrap_or_default();
    assert!(
        summary
            .starts_with("summary: published 1000 msgs, received 2000 msgs (2 subscribers x 1000)"),
        "{out}"
    );

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let json: serde_json::Value =
        serde_json::from_str(&natbus(&server, &json_args).ok()).expect("bench --json is JSON");
    assert_eq!(json["published"], 1000);
    assert_eq!(json["received"], 2000);
    assert_eq!(json["publishers"]["bytes"], 16_000);
    assert_eq!(
        json["subscribers"]["clients"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn request_bench_reports_latency_percentiles() {
    let server = NatsServer::start();
    let args = [
        "bench",
        "b.rr",
        "--request",
        "--pub",
        "2",
        "--sub",
        "2",
        "--msgs",
        "200",
    ];
    let out = natbus(&server, &args).ok();
    assert!(out.contains("Req stats: "), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("Latency: p50 ") && l.contains(" p99 ")),
        "{out}"
    );
    assert!(
        out.contains("summary: 200 requests, 200 replies, 0 timed out"),
        "{out}"
    );

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let json: serde_json::Value =
        serde_json::from_str(&natbus(&server, &json_args).ok()).expect("bench --json is JSON");
    assert_eq!(json["replies"], 200);
    assert_eq!(json["latency"]["samples"], 200);
    let answered: u64 = json["responders"]
        .as_array()
        .expect("responder counts")
        .iter()
        .filter_map(serde_json::Value::as_u64)
        .sum();
    assert_eq!(
        answered, 200,
        "each request answered once by the queue group"
    );
    let p = |k: &str| json["latency"][k].as_u64().unwrap_or(0);
    assert!(0 < p("min_ns") && p("p50_ns") <= p("p90_ns") && p("p90_ns") <= p("p99_ns"));
}

#[test]
fn bench_refuses_what_it_cannot_do() {
    let server = NatsServer::start();
    let line = natbus(&server, &["bench", "b.js", "--js"]).error_line();
    assert!(line.contains("--pub N"), "{line}");
    let usage = natbus(&server, &["bench", "b.js", "--stream", "S", "--pub", "1"]);
    assert_eq!(
        usage.status.code(),
        Some(2),
        "--stream needs --js: {usage:?}"
    );
    let line = natbus(&server, &["bench", "b.none"]).error_line();
    assert!(line.contains("--pub N"), "{line}");
    let line = natbus(
        &server,
        &["bench", "b.rr0", "--request", "--pub", "1", "--msgs", "5"],
    )
    .error_line();
    assert!(line.contains("no responders"), "{line}");
}

#[test]
fn jetstream_bench_stores_and_drains_every_message() {
    let server = NatsServer::start();
    let args = [
        "bench", "b.js", "--js", "--pub", "2", "--sub", "2", "--msgs", "2000", "--size", "16",
    ];
    let out = natbus(&server, &args).ok();
    assert!(out.contains("Pub stats: "), "{out}");
    assert!(out.contains("Sub stats: "), "{out}");
    let publishers: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Pub stats: "))
        .skip(1)
        .take_while(|l| l.starts_with("  ["))
        .collect();
    assert_eq!(publishers.len(), 2, "{out}");
    assert!(
        publishers.iter().all(|l| l.ends_with(" (1,000 msgs)")),
        "each publisher stores half: {out}"
    );
    let summary = out.lines().last().unwrap_or_default();
    assert_eq!(
        summary.split(" in ").next(),
        Some(
            "summary: published 2000 msgs (2000 acked), received 2000 msgs on stream \
             \"benchstream\" (created and removed)"
        ),
        "{out}"
    );
    assert_eq!(natbus(&server, &["stream", "ls", "--names"]).ok(), "");

    // --keep leaves the stream, with every message stored where --storage says.
    let report = json(
        &natbus(
            &server,
            &[
                "bench",
                "k.js",
                "--js",
                "--stream",
                "KEEP",
                "--storage",
                "memory",
                "--keep",
                "--pub",
                "1",
                "--msgs",
                "500",
                "--window",
                "16",
                "--json",
            ],
        )
        .ok(),
    );
    assert_eq!(report["mode"], "jetstream");
    assert_eq!(report["acked"], 500);
    assert_eq!(report["publishers"]["bytes"], 500 * 128);
    assert_eq!(report["stream_created"], true);
    assert_eq!(report["stream_removed"], false);
    let info = json(&natbus(&server, &["stream", "info", "KEEP", "--json"]).ok());
    assert_eq!(info["state"]["messages"], 500);
    assert_eq!(info["config"]["storage"], "memory");

    // Subscribers alone drain what an existing stream holds, and leave it in place.
    let report = json(
        &natbus(
            &server,
            &[
                "bench", "k.js", "--js", "--stream", "KEEP", "--sub", "2", "--msgs", "500",
                "--json",
            ],
        )
        .ok(),
    );
    assert_eq!(report["received"], 500);
    assert_eq!(report["expected_received"], 500);
    assert_eq!(report["stream_created"], false);
    let received: Vec<u64> = report["subscribers"]["clients"]
        .as_array()
        .expect("one entry per subscriber")
        .iter()
        .filter_map(|c| c["msgs"].as_u64())
        .collect();
    assert_eq!(received.iter().sum::<u64>(), 500, "shared, not duplicated");
    let info = json(&natbus(&server, &["stream", "info", "KEEP", "--json"]).ok());
    assert_eq!(info["state"]["messages"], 500);
    assert_eq!(
        info["state"]["consumer_count"], 0,
        "the bench consumer is removed"
    );
}
