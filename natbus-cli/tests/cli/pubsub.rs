//! `pub` and `sub`.

use std::io::Write;
use std::process::Stdio;

use natbus_tests::NatsServer;

use crate::support::{
    command, finish, interrupt, json_lines, natbus, spawn, wait_for_subscriptions,
};

#[test]
fn pub_count_reaches_raw_sub_with_count_substituted() {
    let server = NatsServer::start();
    let sub = spawn(&server, &["sub", "demo.raw", "--count", "3", "--raw"]);
    wait_for_subscriptions(&server, 1);
    natbus(
        &server,
        &["pub", "demo.raw", "msg {{Count}}", "--count", "3"],
    )
    .ok();
    let out = finish(sub).ok();
    assert_eq!(out, "msg 1\nmsg 2\nmsg 3\n");
}

#[test]
fn sub_shows_subject_reply_and_headers() {
    let server = NatsServer::start();
    let sub = spawn(&server, &["sub", "demo.headers", "--count", "1"]);
    wait_for_subscriptions(&server, 1);
    let args = [
        "pub",
        "demo.headers",
        "payload here",
        "-H",
        "trace:abc",
        "-H",
        "Kind: order",
        "--reply",
        "answers.here",
    ];
    natbus(&server, &args).ok();
    let out = finish(sub).ok();
    let expected = "[#1] Received on \"demo.headers\" with reply \"answers.here\"\n\
                    trace: abc\nKind: order\n\npayload here\n\n";
    assert_eq!(out, expected);
}

#[test]
fn sub_json_is_one_object_per_message() {
    let server = NatsServer::start();
    let sub = spawn(&server, &["sub", "demo.json", "--count", "2", "--json"]);
    wait_for_subscriptions(&server, 1);
    natbus(
        &server,
        &[
            "pub",
            "demo.json",
            "n={{Count}}",
            "--count",
            "2",
            "-H",
            "k:v",
        ],
    )
    .ok();
    let messages = json_lines(&finish(sub).ok());
    assert_eq!(messages.len(), 2);
    for (i, m) in messages.iter().enumerate() {
        assert_eq!(m["number"], i + 1);
        assert_eq!(m["subject"], "demo.json");
        assert_eq!(m["data"], format!("n={}", i + 1));
        assert_eq!(m["headers"]["k"][0], "v");
        assert_eq!(m["size"], 3);
    }
}

#[test]
fn pub_reads_the_body_from_stdin_and_reports_json() {
    let server = NatsServer::start();
    let sub = spawn(&server, &["sub", "demo.stdin", "--count", "1", "--raw"]);
    wait_for_subscriptions(&server, 1);
    let url = server.url();
    let mut cmd = command(&["--server", &url, "--json", "pub", "demo.stdin"]);
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("the natbus binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(b"from stdin")
        .expect("pub reads stdin");
    let report = json_lines(&finish(child).ok());
    assert_eq!(report[0]["messages"], 1);
    assert_eq!(report[0]["bytes"], 10);
    assert_eq!(finish(sub).ok(), "from stdin\n");
}

#[test]
fn queue_subscribers_share_messages() {
    let server = NatsServer::start();
    let a = spawn(&server, &["sub", "demo.q", "--queue", "workers", "--raw"]);
    let b = spawn(&server, &["sub", "demo.q", "--queue", "workers", "--raw"]);
    wait_for_subscriptions(&server, 2);
    natbus(&server, &["pub", "demo.q", "{{Count}}", "--count", "20"]).ok();
    // The server has routed all 20 (`pub` waited for its flush); Ctrl-C drains each
    // subscriber, so whatever is still on its way is printed before it exits.
    let mut lines = Vec::new();
    for child in [a, b] {
        lines.extend(interrupt(child).ok().lines().map(str::to_owned));
    }
    lines.sort_by_key(|l| l.parse::<u32>().unwrap_or(0));
    let expected: Vec<String> = (1..=20).map(|n| n.to_string()).collect();
    assert_eq!(
        lines, expected,
        "each message exactly once across the group"
    );
}

#[test]
fn ctrl_c_drains_the_subscription_and_sums_up() {
    let server = NatsServer::start();
    let sub = spawn(&server, &["sub", "demo.>"]);
    wait_for_subscriptions(&server, 1);
    natbus(&server, &["pub", "demo.x", "m{{Count}}", "--count", "3"]).ok();
    let run = interrupt(sub);
    let summary = run.stderr.lines().last().unwrap_or_default().to_owned();
    let out = run.ok();
    for n in 1..=3 {
        assert!(
            out.contains(&format!("[#{n}] Received on \"demo.x\"\nm{n}\n")),
            "{out}"
        );
    }
    assert_eq!(summary, "Received 3 messages on \"demo.>\"");
}

#[test]
fn a_timeout_too_long_to_add_to_the_clock_means_no_timeout() {
    let server = NatsServer::start();
    // About 317 billion years: fits a Duration, overflows any deadline built from it.
    natbus(
        &server,
        &[
            "--timeout",
            "10000000000000000000s",
            "pub",
            "demo.long",
            "y",
        ],
    )
    .ok();
}
