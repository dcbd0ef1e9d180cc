//! `natbus pub --js`: publishes acknowledged by the stream, deduplicated by `--msg-id`,
//! and whole batches with `--batch atomic|fast`.

use natbus_tests::{NatsServer, ServerVersion, server_at_least};

use crate::support::{json, json_lines, natbus};

fn add_stream(server: &NatsServer, extra: &[&str]) {
    let mut args = vec!["stream", "add", "ORDERS", "--subjects", "orders.>"];
    args.extend_from_slice(extra);
    natbus(server, &args).ok();
}

fn stored(server: &NatsServer) -> u64 {
    let info = json(&natbus(server, &["--json", "stream", "info", "ORDERS"]).ok());
    info["state"]["messages"].as_u64().expect("a message count")
}

#[test]
fn pub_js_prints_the_ack_and_dedupes_by_msg_id() {
    let server = NatsServer::start();
    add_stream(&server, &[]);
    let run = natbus(&server, &["pub", "--js", "orders.new", "one"]);
    assert!(run.stderr.contains("Stored in ORDERS as 1"), "{run:?}");
    let out = natbus(
        &server,
        &[
            "--json",
            "pub",
            "--js",
            "--msg-id",
            "o-{{Count}}",
            "--count",
            "2",
            "orders.new",
            "order {{Count}}",
        ],
    )
    .ok();
    let acks = json_lines(&out);
    assert_eq!(acks.len(), 2);
    assert_eq!(
        (acks[1]["stream"].as_str(), acks[1]["seq"].as_u64()),
        (Some("ORDERS"), Some(3))
    );
    // The same id again is stored once: the ack says duplicate.
    let run = natbus(
        &server,
        &["pub", "--js", "--msg-id", "o-1", "orders.new", "again"],
    );
    assert!(
        run.stderr
            .contains("Duplicate: already stored in ORDERS as 2"),
        "{run:?}"
    );
    assert_eq!(stored(&server), 3);
}

#[test]
fn pub_js_without_a_stream_fails_after_its_retries() {
    let server = NatsServer::start();
    let line = natbus(
        &server,
        &[
            "pub",
            "--js",
            "--retries",
            "1",
            "--retry-wait",
            "10ms",
            "nowhere",
            "x",
        ],
    )
    .error_line();
    assert!(line.contains("could not publish to 'nowhere'"), "{line}");
    assert!(
        line.contains("no stream captures subject 'nowhere'"),
        "{line}"
    );
    let line = natbus(&server, &["pub", "--js", "--reply", "r", "nowhere", "x"]).error_line();
    assert!(line.contains("--reply"), "{line}");
}

#[test]
fn pub_js_batch_atomic_stores_the_whole_batch() {
    if !server_at_least(
        ServerVersion::new(2, 12, 0),
        "pub_js_batch_atomic_stores_the_whole_batch",
        "atomic batch publishing",
    ) {
        return;
    }
    let server = NatsServer::start();
    add_stream(&server, &["--allow-atomic"]);
    let run = natbus(
        &server,
        &[
            "pub",
            "--js",
            "--batch",
            "atomic",
            "--count",
            "5",
            "orders.new",
            "line {{Count}}",
        ],
    );
    assert!(
        run.stderr
            .contains("Stored 5 messages in ORDERS as an atomic batch (sequences 1 to 5)"),
        "{run:?}"
    );
    // Too many messages: nothing of the batch is stored, and the error says why.
    let line = natbus(
        &server,
        &[
            "pub",
            "--js",
            "--batch",
            "atomic",
            "--count",
            "1001",
            "orders.new",
            "x",
        ],
    )
    .error_line();
    assert!(line.contains("too large"), "{line}");
    assert_eq!(stored(&server), 5);
}

#[test]
fn pub_js_batch_fast_ingests_and_refuses_a_stream_without_batches() {
    if !server_at_least(
        ServerVersion::new(2, 14, 0),
        "pub_js_batch_fast_ingests_and_refuses_a_stream_without_batches",
        "fast batch publishing",
    ) {
        return;
    }
    let server = NatsServer::start();
    add_stream(&server, &[]);
    let line = natbus(
        &server,
        &[
            "pub",
            "--js",
            "--batch",
            "fast",
            "--count",
            "3",
            "orders.new",
            "x",
        ],
    )
    .error_line();
    assert!(line.contains("allow_batched"), "{line}");
    natbus(&server, &["stream", "rm", "ORDERS", "-f"]).ok();
    add_stream(&server, &["--allow-batched"]);
    let out = natbus(
        &server,
        &[
            "--json",
            "pub",
            "--js",
            "--batch",
            "fast",
            "--count",
            "500",
            "orders.new",
            "m {{Count}}",
        ],
    )
    .ok();
    let ack = json(&out);
    assert_eq!(
        (ack["seq"].as_u64(), ack["count"].as_u64()),
        (Some(500), Some(500))
    );
    assert_eq!(stored(&server), 500);
}
