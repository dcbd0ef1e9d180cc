//! `consumer add/ls/info/next/rm`: configs from flags, pulling prints and acks messages.

use natbus_tests::NatsServer;

use crate::support::{json, json_lines, natbus};

/// A server with stream S on `s.>` holding `m1`, `m2`, `m3`.
pub(crate) fn server_with_messages() -> NatsServer {
    let server = NatsServer::start();
    natbus(&server, &["stream", "add", "S", "--subjects", "s.>"]).ok();
    natbus(&server, &["pub", "--count", "3", "s.a", "m{{Count}}"]).ok();
    server
}

#[test]
fn consumer_add_sends_every_flag() {
    let server = server_with_messages();
    let pull = json(
        &natbus(
            &server,
            &[
                "--json",
                "consumer",
                "add",
                "S",
                "pull1",
                "--filter",
                "s.>",
                "--ack-wait",
                "10s",
                "--max-deliver",
                "5",
                "--max-pending",
                "50",
            ],
        )
        .ok(),
    );
    let c = &pull["config"];
    assert_eq!(c["durable_name"], "pull1");
    assert_eq!(c["ack_policy"], "explicit");
    assert_eq!(c["deliver_policy"], "all");
    assert_eq!(c["filter_subject"], "s.>");
    assert_eq!(c["ack_wait"], 10_000_000_000u64);
    assert_eq!(c["max_deliver"], 5);
    assert_eq!(c["max_ack_pending"], 50);
    assert!(c.get("deliver_subject").is_none(), "a pull consumer: {c}");
    assert_eq!(pull["num_pending"], 3);

    let push = json(
        &natbus(
            &server,
            &[
                "--json",
                "consumer",
                "add",
                "S",
                "push1",
                "--push",
                "--target",
                "deliver.x",
                "--deliver-group",
                "g",
                "--deliver",
                "last",
                "--ack",
                "none",
            ],
        )
        .ok(),
    );
    let c = &push["config"];
    assert_eq!(c["deliver_subject"], "deliver.x");
    assert_eq!(c["deliver_group"], "g");
    assert_eq!(c["deliver_policy"], "last");
    assert_eq!(c["ack_policy"], "none");

    let from = json(
        &natbus(
            &server,
            &["--json", "consumer", "add", "S", "from2", "--deliver", "2"],
        )
        .ok(),
    );
    assert_eq!(from["config"]["deliver_policy"], "by_start_sequence");
    assert_eq!(from["config"]["opt_start_seq"], 2);
    assert_eq!(from["num_pending"], 2);

    let bad = natbus(&server, &["consumer", "add", "S", "x", "--deliver", "soon"]);
    assert_eq!(bad.status.code(), Some(2), "a usage error: {bad:?}");
    let bad = natbus(&server, &["consumer", "add", "S", "x", "--push"]);
    assert_eq!(bad.status.code(), Some(2), "--push needs --target: {bad:?}");

    assert_eq!(
        natbus(&server, &["consumer", "ls", "S", "--names"]).ok(),
        "from2\npull1\npush1\n"
    );
    let ls = natbus(&server, &["consumer", "ls", "S"]).ok();
    let kinds: Vec<(&str, &str)> = ls
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut cells = l.split_whitespace();
            Some((cells.next()?, cells.next()?))
        })
        .collect();
    assert_eq!(
        kinds,
        [("from2", "Pull"), ("pull1", "Pull"), ("push1", "Push")],
        "{ls}"
    );
    let all = json(&natbus(&server, &["consumer", "ls", "S", "--json"]).ok());
    assert_eq!(all.as_array().map(Vec::len), Some(3));
    let info = natbus(&server, &["consumer", "info", "S", "push1"]).ok();
    assert!(info.contains("Delivery Subject: deliver.x"), "{info}");
    assert!(info.contains("Ack Policy: None"), "{info}");
}

#[test]
fn consumer_next_prints_and_acks() {
    let server = server_with_messages();
    natbus(&server, &["consumer", "add", "S", "w"]).ok();
    let out = natbus(&server, &["consumer", "next", "S", "w", "--count", "2"]).ok();
    assert!(
        out.starts_with(
            "[#1] Received on \"s.a\" (stream seq 1, consumer seq 1, delivered 1, pending 2)\nm1\n\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("[#2] Received on \"s.a\" (stream seq 2,"),
        "{out}"
    );
    assert!(!out.contains("m3"), "only two asked for: {out}");

    // More asked for than there are: what is there comes back at once.
    let started = std::time::Instant::now();
    let lines = json_lines(
        &natbus(
            &server,
            &[
                "--json",
                "--timeout",
                "60s",
                "consumer",
                "next",
                "S",
                "w",
                "--count",
                "5",
            ],
        )
        .ok(),
    );
    // Far less than the 60 s a wait for the missing messages would take, however loaded
    // the machine.
    assert!(started.elapsed() < std::time::Duration::from_secs(40));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["data"], "m3");
    assert_eq!(lines[0]["stream_seq"], 3);
    assert_eq!(lines[0]["acked"], true);

    // Everything was acked: nothing is left, and saying so is a clean timeout.
    let line = natbus(&server, &["--timeout", "1s", "consumer", "next", "S", "w"]).error_line();
    assert_eq!(
        line,
        "natbus: error: no message from consumer 'w' of stream 'S' within 1s"
    );
    let info = json(&natbus(&server, &["--json", "consumer", "info", "S", "w"]).ok());
    assert_eq!(info["num_ack_pending"], 0);
    assert_eq!(info["ack_floor"]["stream_seq"], 3);
    assert_eq!(info["num_pending"], 0);

    // --no-ack leaves the message outstanding.
    natbus(&server, &["consumer", "add", "S", "peek"]).ok();
    let raw = natbus(
        &server,
        &["consumer", "next", "S", "peek", "--no-ack", "--raw"],
    )
    .ok();
    assert_eq!(raw, "m1\n");
    let info = json(&natbus(&server, &["--json", "consumer", "info", "S", "peek"]).ok());
    assert_eq!(info["num_ack_pending"], 1);

    natbus(
        &server,
        &["consumer", "add", "S", "p", "--push", "--target", "d.p"],
    )
    .ok();
    let line = natbus(&server, &["consumer", "next", "S", "p"]).error_line();
    assert!(line.contains("'p' is a push consumer"), "{line}");
}

#[test]
fn consumer_rm_and_not_found() {
    let server = server_with_messages();
    natbus(&server, &["consumer", "add", "S", "gone"]).ok();
    let line = natbus(&server, &["consumer", "rm", "S", "gone"]).error_line();
    assert!(line.contains("add -f"), "{line}");
    let rm = natbus(&server, &["consumer", "rm", "S", "gone", "-f"]);
    assert!(rm.stderr.contains("Deleted consumer \"gone\""), "{rm:?}");
    rm.ok();
    let missing = "natbus: error: consumer 'gone' not found on stream 'S'";
    for args in [
        &["consumer", "info", "S", "gone"][..],
        &["consumer", "rm", "S", "gone", "-f"],
        &["consumer", "next", "S", "gone"],
    ] {
        assert_eq!(natbus(&server, args).error_line(), missing, "{args:?}");
    }
    let line = natbus(&server, &["consumer", "ls", "NOPE"]).error_line();
    assert_eq!(line, "natbus: error: stream 'NOPE' not found");
    let line = natbus(&server, &["consumer", "add", "NOPE", "c"]).error_line();
    assert_eq!(line, "natbus: error: stream 'NOPE' not found");
}

#[test]
fn consumer_edit_changes_only_what_is_named() {
    let server = server_with_messages();
    natbus(
        &server,
        &[
            "consumer",
            "add",
            "S",
            "w",
            "--max-pending",
            "7",
            "--filter",
            "s.a",
        ],
    )
    .ok();
    let info = json(
        &natbus(
            &server,
            &[
                "--json",
                "consumer",
                "edit",
                "S",
                "w",
                "--ack-wait",
                "1m",
                "--max-deliver",
                "4",
            ],
        )
        .ok(),
    );
    let config = &info["config"];
    assert_eq!(config["ack_wait"], 60_000_000_000u64);
    assert_eq!(config["max_deliver"], 4);
    assert_eq!(config["max_ack_pending"], 7, "not named, kept");
    assert_eq!(config["filter_subject"], "s.a", "not named, kept");

    let run = natbus(&server, &["consumer", "edit", "S", "w", "--filter", "s.>"]);
    assert_eq!(
        run.stderr.trim(),
        "Consumer \"w\" on stream \"S\" was updated"
    );
    let line = natbus(&server, &["consumer", "edit", "S", "w"]).error_line();
    assert!(line.contains("nothing to change"), "{line}");
    let line = natbus(
        &server,
        &["consumer", "edit", "S", "nope", "--ack-wait", "1m"],
    )
    .error_line();
    assert!(line.contains("consumer 'nope' not found"), "{line}");
}
