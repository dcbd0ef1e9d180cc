//! `consumer pause/resume/reset/unpin`, priority groups in `consumer add/next`, and
//! `--metadata` on streams and consumers, against the pinned server (2.15: it has them all).

use crate::consumer::server_with_messages;
use crate::support::{command, json, json_lines, natbus, run};

#[test]
fn consumer_pause_resume_and_reset() {
    let server = server_with_messages();
    natbus(&server, &["consumer", "add", "S", "c"]).ok();
    let paused = json(&natbus(&server, &["--json", "consumer", "pause", "S", "c", "10m"]).ok());
    assert_eq!(paused["paused"], true, "{paused}");
    assert!(paused["pause_until"].is_string(), "{paused}");
    let info = json(&natbus(&server, &["--json", "consumer", "info", "S", "c"]).ok());
    assert_eq!(info["paused"], true, "{info}");
    let text = natbus(&server, &["consumer", "info", "S", "c"]).ok();
    assert!(text.contains("Paused Until"), "{text}");
    let resumed = natbus(&server, &["consumer", "resume", "S", "c"]).ok();
    assert!(
        resumed.contains("\"c\" of stream \"S\" is not paused"),
        "{resumed}"
    );
    let at = natbus(
        &server,
        &["consumer", "pause", "S", "c", "2099-01-01T00:00:00Z"],
    )
    .ok();
    assert!(at.contains("paused until 2099-01-01T00:00:00"), "{at}");
    natbus(&server, &["consumer", "resume", "S", "c"]).ok();

    // `next` acks m1; a reset to sequence 1 delivers it again.
    let first = json_lines(&natbus(&server, &["--json", "consumer", "next", "S", "c"]).ok());
    assert_eq!(first[0]["stream_seq"], 1);
    let reset = json(
        &natbus(
            &server,
            &["--json", "consumer", "reset", "S", "c", "--seq", "1"],
        )
        .ok(),
    );
    assert_eq!(reset["reset_seq"], 1, "{reset}");
    assert_eq!(reset["num_pending"], 3, "{reset}");
    let again = json_lines(&natbus(&server, &["--json", "consumer", "next", "S", "c"]).ok());
    assert_eq!(again[0]["stream_seq"], 1);
    let text = natbus(&server, &["consumer", "reset", "S", "c"]).ok();
    assert!(
        text.contains("stream sequence 2, 2 messages to deliver"),
        "{text}"
    );

    let err = natbus(&server, &["consumer", "pause", "S", "nobody", "1h"]).error_line();
    assert!(err.contains("consumer 'nobody' not found"), "{err}");
    let bad = run(command(&["consumer", "pause", "S", "c", "soon"]));
    assert_eq!(bad.status.code(), Some(2), "a usage error: {bad:?}");
    assert!(bad.stderr.contains("RFC 3339"), "{bad:?}");
}

#[test]
fn priority_groups_from_the_command_line() {
    let server = server_with_messages();
    let added = json(
        &natbus(
            &server,
            &[
                "--json",
                "consumer",
                "add",
                "S",
                "pin",
                "--priority-policy",
                "pinned",
                "--priority-group",
                "jobs",
                "--priority-timeout",
                "30s",
            ],
        )
        .ok(),
    );
    let c = &added["config"];
    assert_eq!(c["priority_policy"], "pinned_client", "{c}");
    assert_eq!(c["priority_groups"], serde_json::json!(["jobs"]));
    assert_eq!(c["priority_timeout"], 30_000_000_000u64);

    let err = natbus(&server, &["consumer", "next", "S", "pin"]).error_line();
    assert!(err.contains("group"), "a pull without its group: {err}");
    let got = json_lines(
        &natbus(
            &server,
            &["--json", "consumer", "next", "S", "pin", "--group", "jobs"],
        )
        .ok(),
    );
    assert!(got[0]["headers"]["Nats-Pin-Id"][0].is_string(), "{got:?}");
    let text = natbus(&server, &["consumer", "info", "S", "pin"]).ok();
    assert!(
        text.contains("Pinned Client") && text.contains("in group jobs"),
        "{text}"
    );
    assert!(
        text.contains("Pinned Client") && text.contains("Priority Groups"),
        "{text}"
    );
    let unpinned = natbus(&server, &["consumer", "unpin", "S", "pin", "jobs"]).ok();
    assert!(unpinned.contains("Unpinned group \"jobs\""), "{unpinned}");
    let err = natbus(&server, &["consumer", "unpin", "S", "pin", "other"]).error_line();
    assert!(err.contains("could not unpin"), "{err}");

    // overflow: a pull with --min-pending above what is pending gets nothing.
    natbus(
        &server,
        &[
            "consumer",
            "add",
            "S",
            "ovf",
            "--priority-policy",
            "overflow",
            "--priority-group",
            "g",
        ],
    )
    .ok();
    let none = run(command(&[
        "--server",
        &server.url(),
        "--timeout",
        "500ms",
        "consumer",
        "next",
        "S",
        "ovf",
        "--group",
        "g",
        "--min-pending",
        "10",
    ]));
    assert!(none.stdout.is_empty() && !none.status.success(), "{none:?}");
    let got = natbus(
        &server,
        &[
            "consumer",
            "next",
            "S",
            "ovf",
            "--group",
            "g",
            "--min-pending",
            "3",
            "--raw",
        ],
    )
    .ok();
    assert_eq!(got, "m1\n");
    let bad = run(command(&[
        "consumer",
        "add",
        "S",
        "x",
        "--priority-policy",
        "overflow",
    ]));
    assert_eq!(bad.status.code(), Some(2), "needs a group: {bad:?}");
}

#[test]
fn metadata_on_streams_and_consumers() {
    let server = server_with_messages();
    let s = json(
        &natbus(
            &server,
            &[
                "--json",
                "stream",
                "add",
                "M",
                "--subjects",
                "m.>",
                "--metadata",
                "owner=ops",
                "--metadata",
                "tier=1",
            ],
        )
        .ok(),
    );
    assert_eq!(s["config"]["metadata"]["owner"], "ops", "{s}");
    assert_eq!(s["config"]["metadata"]["tier"], "1");
    let s = json(
        &natbus(
            &server,
            &[
                "--json",
                "stream",
                "edit",
                "M",
                "--metadata",
                "tier=2",
                "--remove-metadata",
                "owner",
            ],
        )
        .ok(),
    );
    let m = &s["config"]["metadata"];
    assert_eq!(
        (m["tier"].as_str(), m.get("owner")),
        (Some("2"), None),
        "{m}"
    );
    let text = natbus(&server, &["stream", "info", "M"]).ok();
    assert!(
        text.contains("Metadata") && text.contains("tier=2"),
        "{text}"
    );
    assert!(
        !text.contains("_nats."),
        "the server's entries are not the user's: {text}"
    );

    let c = json(
        &natbus(
            &server,
            &["--json", "consumer", "add", "S", "m", "--metadata", "a=b"],
        )
        .ok(),
    );
    assert_eq!(c["config"]["metadata"]["a"], "b", "{c}");
    let c = json(
        &natbus(
            &server,
            &["--json", "consumer", "edit", "S", "m", "--metadata", "a=c"],
        )
        .ok(),
    );
    assert_eq!(c["config"]["metadata"]["a"], "c", "{c}");
    let text = natbus(&server, &["consumer", "info", "S", "m"]).ok();
    assert!(text.contains("a=c"), "{text}");

    let bad = run(command(&[
        "stream",
        "add",
        "X",
        "--metadata",
        "_nats.ver=1",
    ]));
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert!(bad.stderr.contains("reserved"), "{bad:?}");
    let bad = run(command(&["stream", "add", "X", "--metadata", "novalue"]));
    assert!(bad.stderr.contains("KEY=VALUE"), "{bad:?}");
}

#[test]
fn the_new_commands_have_help_naming_their_server() {
    for (path, needs) in [
        (["consumer", "pause"], "2.11"),
        (["consumer", "resume"], "2.11"),
        (["consumer", "reset"], "2.14"),
        (["consumer", "unpin"], "2.11"),
    ] {
        let out = run(command(&[path[0], path[1], "--help"])).ok();
        assert!(
            out.contains(&format!("Usage: natbus {}", path.join(" "))),
            "{out}"
        );
        assert!(
            out.contains(needs),
            "{path:?} names nats-server {needs}: {out}"
        );
    }
    let add = run(command(&["consumer", "add", "--help"])).ok();
    assert!(add.contains("--priority-policy <POLICY>") && add.contains("--metadata <KEY=VALUE>"));
    let next = run(command(&["consumer", "next", "--help"])).ok();
    assert!(next.contains("--group <GROUP>") && next.contains("--min-pending <N>"));
}
