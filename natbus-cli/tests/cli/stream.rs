//! `stream add/ls/info/get/purge/rm` against a JetStream server, text and JSON.

use natbus_tests::NatsServer;

use crate::support::{json, natbus};

fn publish(server: &NatsServer, args: &[&str]) {
    let mut all = vec!["pub"];
    all.extend_from_slice(args);
    natbus(server, &all).ok();
}

#[test]
fn stream_add_sends_every_flag() {
    let server = NatsServer::start();
    let info = json(
        &natbus(
            &server,
            &[
                "--json",
                "stream",
                "add",
                "ORDERS",
                "--subjects",
                "orders.>,audit.*",
                "--storage",
                "memory",
                "--retention",
                "interest",
                "--max-age",
                "1h",
                "--max-msgs",
                "100",
                "--max-bytes",
                "1MB",
                "--discard",
                "new",
                "--dupe-window",
                "1m",
                "--allow-direct",
            ],
        )
        .ok(),
    );
    let c = &info["config"];
    assert_eq!(c["name"], "ORDERS");
    assert_eq!(c["subjects"], serde_json::json!(["orders.>", "audit.*"]));
    assert_eq!(c["storage"], "memory");
    assert_eq!(c["retention"], "interest");
    assert_eq!(c["max_age"], 3_600_000_000_000u64);
    assert_eq!(c["max_msgs"], 100);
    assert_eq!(c["max_bytes"], 1 << 20);
    assert_eq!(c["discard"], "new");
    assert_eq!(c["duplicate_window"], 60_000_000_000u64);
    assert_eq!(c["allow_direct"], true);

    let text = natbus(&server, &["stream", "add", "LOGS", "--subjects", "logs"]);
    assert!(
        text.stderr.contains("Stream \"LOGS\" was created"),
        "{text:?}"
    );
    let out = text.ok();
    assert!(out.contains("Information for Stream LOGS"), "{out}");
    assert!(out.contains("Subjects: logs"), "{out}");
    assert!(out.contains("Storage: File"), "{out}");

    let line = natbus(
        &server,
        &[
            "stream",
            "add",
            "LOGS",
            "--subjects",
            "logs",
            "--max-msgs",
            "5",
        ],
    )
    .error_line();
    assert!(line.contains("could not create stream 'LOGS'"), "{line}");
    let line = natbus(&server, &["stream", "add", "OTHER", "--subjects", "logs"]).error_line();
    assert!(line.contains("overlap"), "{line}");
}

#[test]
fn stream_round_trip() {
    let server = NatsServer::start();
    natbus(
        &server,
        &["stream", "add", "ORDERS", "--subjects", "orders.>,audit.*"],
    )
    .ok();
    natbus(&server, &["stream", "add", "EMPTY", "--subjects", "empty"]).ok();
    publish(&server, &["--count", "3", "orders.new", "o{{Count}}"]);
    publish(&server, &["-H", "k:v", "audit.x", "a"]);

    let ls = natbus(&server, &["stream", "ls"]).ok();
    let row = ls
        .lines()
        .find(|l| l.starts_with("ORDERS "))
        .unwrap_or_else(|| panic!("no ORDERS row: {ls}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[1..4], ["orders.>,", "audit.*", "4"], "{ls}");
    assert_eq!(
        natbus(&server, &["stream", "ls", "--names"]).ok(),
        "EMPTY\nORDERS\n"
    );
    let all = json(&natbus(&server, &["stream", "ls", "--json"]).ok());
    let all = all.as_array().expect("a JSON array of streams");
    assert_eq!(all.len(), 2);
    assert_eq!(all[1]["config"]["name"], "ORDERS");
    assert_eq!(all[1]["state"]["messages"], 4);

    let info = json(&natbus(&server, &["stream", "info", "ORDERS", "--json"]).ok());
    assert_eq!(info["state"]["messages"], 4);
    assert_eq!(info["state"]["last_seq"], 4);
    let text = natbus(&server, &["stream", "info", "ORDERS"]).ok();
    assert!(text.contains("Messages: 4"), "{text}");
    assert!(text.contains("Number of Subjects: 2"), "{text}");

    let msg = json(&natbus(&server, &["stream", "get", "ORDERS", "2", "--json"]).ok());
    assert_eq!(msg["seq"], 2);
    assert_eq!(msg["subject"], "orders.new");
    assert_eq!(msg["data"], "o2");
    let last = natbus(
        &server,
        &["stream", "get", "ORDERS", "--last-for", "audit.x"],
    )
    .ok();
    assert!(last.starts_with("Item: ORDERS#4 received "), "{last}");
    assert!(last.contains("k: v") && last.ends_with("\na\n"), "{last}");
    let raw = natbus(
        &server,
        &[
            "stream",
            "get",
            "ORDERS",
            "--last-for",
            "orders.new",
            "--raw",
        ],
    )
    .ok();
    assert_eq!(raw, "o3");
    let line = natbus(&server, &["stream", "get", "ORDERS", "99"]).error_line();
    assert_eq!(
        line,
        "natbus: error: no message at sequence 99 in stream 'ORDERS'"
    );

    // Destructive commands refuse without -f when there is no terminal to ask on.
    let line = natbus(&server, &["stream", "purge", "ORDERS"]).error_line();
    assert!(line.contains("add -f"), "{line}");
    let purged = json(
        &natbus(
            &server,
            &[
                "stream",
                "purge",
                "ORDERS",
                "--subject",
                "audit.x",
                "-f",
                "--json",
            ],
        )
        .ok(),
    );
    assert_eq!(purged["purged"], 1);
    let purged = natbus(&server, &["stream", "purge", "ORDERS", "--keep", "1", "-f"]);
    assert!(purged.stderr.contains("Purged 2 messages"), "{purged:?}");
    purged.ok();
    let info = json(&natbus(&server, &["stream", "info", "ORDERS", "--json"]).ok());
    assert_eq!(info["state"]["messages"], 1);

    let line = natbus(&server, &["stream", "rm", "ORDERS"]).error_line();
    assert!(line.contains("add -f"), "{line}");
    natbus(&server, &["stream", "rm", "ORDERS", "-f"]).ok();
    assert_eq!(
        natbus(&server, &["stream", "ls", "--names"]).ok(),
        "EMPTY\n"
    );
    for args in [
        &["stream", "info", "ORDERS"][..],
        &["stream", "rm", "ORDERS", "-f"],
        &["stream", "get", "ORDERS", "1"],
        &["stream", "purge", "ORDERS", "-f"],
    ] {
        let line = natbus(&server, args).error_line();
        assert_eq!(line, "natbus: error: stream 'ORDERS' not found", "{args:?}");
    }
}

#[test]
fn stream_ls_without_streams() {
    let server = NatsServer::start();
    let run = natbus(&server, &["stream", "ls"]);
    assert!(run.stderr.contains("No streams defined"), "{run:?}");
    assert_eq!(run.ok(), "");
    assert_eq!(
        natbus(&server, &["stream", "ls", "--json"]).ok().trim(),
        "[]"
    );
}

#[test]
fn jetstream_disabled_is_one_clear_line() {
    let server = NatsServer::builder().jetstream(false).start();
    let line = natbus(&server, &["stream", "ls"]).error_line();
    assert!(line.contains("JetStream not available"), "{line}");
}

#[test]
fn stream_get_reads_direct_streams_the_same() {
    let server = NatsServer::start();
    natbus(
        &server,
        &["stream", "add", "D", "--subjects", "d.*", "--allow-direct"],
    )
    .ok();
    publish(&server, &["-H", "k:v", "d.x", "hi"]);
    let msg = json(&natbus(&server, &["stream", "get", "D", "1", "--json"]).ok());
    assert_eq!(msg["subject"], "d.x");
    assert_eq!(msg["data"], "hi");
    assert_eq!(msg["headers"], serde_json::json!({"k": ["v"]}));
    let line = natbus(&server, &["stream", "get", "D", "--last-for", "d.y"]).error_line();
    assert_eq!(
        line,
        "natbus: error: no message on subject 'd.y' in stream 'D'"
    );
}

#[test]
fn stream_view_prints_what_is_stored_and_stops_at_the_end() {
    let server = NatsServer::start();
    natbus(&server, &["stream", "add", "V", "--subjects", "v.>"]).ok();
    let run = natbus(&server, &["stream", "view", "V"]);
    assert_eq!(run.stderr.trim(), "No messages in stream \"V\"");
    assert_eq!(run.ok(), "");
    publish(&server, &["v.a", "m{{Count}}", "--count", "3", "-H", "k:v"]);
    publish(&server, &["v.b", "other"]);

    let run = natbus(&server, &["stream", "view", "V"]);
    assert_eq!(
        run.stderr.lines().last(),
        Some("4 messages in stream \"V\"")
    );
    let out = run.ok();
    assert!(out.starts_with("Item: V#1 received "), "{out}");
    assert!(
        out.contains(" on Subject v.a\n\nHeaders:\n  k: v\n\nm1\n"),
        "{out}"
    );
    assert!(out.contains("Item: V#4 received "), "{out}");
    assert!(out.ends_with(" on Subject v.b\n\nother\n"), "{out}");

    let raw = natbus(&server, &["stream", "view", "V", "--since", "2", "--raw"]).ok();
    assert_eq!(raw, "m2\nm3\nother\n");
    let filtered = natbus(
        &server,
        &[
            "stream",
            "view",
            "V",
            "--subject",
            "v.a",
            "--count",
            "2",
            "--raw",
        ],
    )
    .ok();
    assert_eq!(filtered, "m1\nm2\n");
    let lines = crate::support::json_lines(
        &natbus(&server, &["--json", "stream", "view", "V", "--since", "4"]).ok(),
    );
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (&lines[0]["seq"], &lines[0]["subject"], &lines[0]["data"]),
        (
            &serde_json::json!(4),
            &serde_json::json!("v.b"),
            &serde_json::json!("other")
        )
    );
    let past = natbus(&server, &["stream", "view", "V", "--since", "9"]);
    assert_eq!(past.stderr.trim(), "No messages in stream \"V\"");

    let line = natbus(&server, &["stream", "view", "NOPE"]).error_line();
    assert!(line.contains("stream 'NOPE' not found"), "{line}");
}

#[test]
fn stream_view_follow_prints_new_messages_until_interrupted() {
    let server = NatsServer::start();
    natbus(&server, &["stream", "add", "F", "--subjects", "f.>"]).ok();
    publish(&server, &["f.a", "first"]);
    let mut view = crate::support::spawn(&server, &["stream", "view", "F", "--follow", "--raw"]);
    let lines = crate::support::stdout_lines(&mut view);
    assert_eq!(crate::support::next_line(&lines), "first");
    // Past the newest message it waits for more instead of ending.
    publish(&server, &["f.b", "second"]);
    assert_eq!(crate::support::next_line(&lines), "second");
    let run = crate::support::interrupt(view);
    assert!(run.status.success(), "{run:?}");
}

#[test]
fn stream_edit_changes_only_what_is_named() {
    let server = NatsServer::start();
    natbus(
        &server,
        &[
            "stream",
            "add",
            "E",
            "--subjects",
            "e.>",
            "--max-msgs",
            "10",
            "--discard",
            "new",
        ],
    )
    .ok();
    let info = json(
        &natbus(
            &server,
            &[
                "--json",
                "stream",
                "edit",
                "E",
                "--max-age",
                "1h",
                "--subjects",
                "e.>,f.>",
            ],
        )
        .ok(),
    );
    let config = &info["config"];
    assert_eq!(config["max_age"], 3_600_000_000_000u64);
    assert_eq!(config["subjects"], serde_json::json!(["e.>", "f.>"]));
    assert_eq!(config["max_msgs"], 10, "not named, kept");
    assert_eq!(config["discard"], "new", "not named, kept");

    let text = natbus(
        &server,
        &["stream", "edit", "E", "--max-msgs", "-1", "--max-age", "0"],
    );
    assert_eq!(text.stderr.trim(), "Stream \"E\" was updated");
    let out = text.ok();
    assert!(out.contains("Maximum Messages: unlimited"), "{out}");
    assert!(out.contains("Maximum Age: unlimited"), "{out}");

    let line = natbus(&server, &["stream", "edit", "E"]).error_line();
    assert!(line.contains("nothing to change"), "{line}");
    let line = natbus(&server, &["stream", "edit", "NOPE", "--max-age", "1h"]).error_line();
    assert!(line.contains("stream 'NOPE' not found"), "{line}");
    let line = natbus(&server, &["stream", "edit", "E", "--subjects", "e.>,"]).error_line();
    assert!(line.contains("empty subject"), "{line}");
    // A change the server refuses is one clear line too.
    natbus(&server, &["stream", "add", "O", "--subjects", "o.>"]).ok();
    let line = natbus(&server, &["stream", "edit", "E", "--subjects", "o.>"]).error_line();
    assert!(line.contains("could not update stream 'E'"), "{line}");
    assert!(line.contains("overlap"), "{line}");
}
