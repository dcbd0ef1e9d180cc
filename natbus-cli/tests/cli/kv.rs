//! `kv add/info/put/create/update/get/del/purge/ls/history/watch/rm` against a JetStream
//! server.

use natbus_tests::NatsServer;

use std::time::{Duration, Instant};

use crate::support::{finish, json, natbus, natbus_with_stdin, spawn};

/// Waits until a watch has its consumer on `stream`: from then on every change reaches it.
pub fn wait_for_watch(server: &NatsServer, stream: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while natbus(server, &["consumer", "ls", stream, "--names"])
        .ok()
        .is_empty()
    {
        assert!(Instant::now() < deadline, "the watch made no consumer");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn kv_round_trip() {
    let server = NatsServer::start();
    let status = json(
        &natbus(
            &server,
            &[
                "--json",
                "kv",
                "add",
                "cfg",
                "--history",
                "3",
                "--ttl",
                "1h",
            ],
        )
        .ok(),
    );
    assert_eq!(status["bucket"], "cfg");
    assert_eq!(status["history"], 3);
    assert_eq!(status["ttl_ns"], 3_600_000_000_000u64);
    assert_eq!(status["stream"], "KV_cfg");

    let put = natbus(&server, &["kv", "put", "cfg", "a", "1"]);
    assert!(
        put.stderr
            .contains("Stored \"a\" in bucket \"cfg\" at revision 1"),
        "{put:?}"
    );
    put.ok();
    let put = json(&natbus(&server, &["--json", "kv", "put", "cfg", "a", "2"]).ok());
    assert_eq!(put["revision"], 2);
    natbus_with_stdin(&server, &["kv", "put", "cfg", "b"], b"from\nstdin").ok();

    let got = natbus(&server, &["kv", "get", "cfg", "a"]).ok();
    assert!(got.starts_with("cfg > a revision: 2 created @ "), "{got}");
    assert!(got.ends_with("\n\n2\n"), "{got}");
    assert_eq!(
        natbus(&server, &["kv", "get", "cfg", "b", "--raw"]).ok(),
        "from\nstdin"
    );
    let old = json(
        &natbus(
            &server,
            &["--json", "kv", "get", "cfg", "a", "--revision", "1"],
        )
        .ok(),
    );
    assert_eq!(old["value"], "1");
    assert_eq!(old["revision"], 1);
    assert_eq!(old["operation"], "PUT");

    assert_eq!(natbus(&server, &["kv", "ls", "cfg"]).ok(), "a\nb\n");
    let buckets = natbus(&server, &["kv", "ls"]).ok();
    assert!(
        buckets
            .lines()
            .any(|l| l.split_whitespace().take(2).eq(["cfg", "3"])),
        "cfg with 3 values: {buckets}"
    );
    let all = json(&natbus(&server, &["kv", "ls", "--json"]).ok());
    assert_eq!(all[0]["bucket"], "cfg");

    let del = natbus(&server, &["kv", "del", "cfg", "a"]);
    assert!(del.stderr.contains("Deleted \"a\""), "{del:?}");
    del.ok();
    let line = natbus(&server, &["kv", "get", "cfg", "a"]).error_line();
    assert_eq!(line, "natbus: error: key 'a' not found in bucket 'cfg'");
    assert_eq!(natbus(&server, &["kv", "ls", "cfg"]).ok(), "b\n");

    let history = json(&natbus(&server, &["--json", "kv", "history", "cfg", "a"]).ok());
    let ops: Vec<(u64, &str)> = history
        .as_array()
        .expect("a JSON array of entries")
        .iter()
        .map(|e| {
            (
                e["revision"].as_u64().unwrap_or(0),
                e["operation"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(ops, [(1, "PUT"), (2, "PUT"), (4, "DEL")]);
    let table = natbus(&server, &["kv", "history", "cfg", "a"]).ok();
    assert_eq!(
        table.lines().count(),
        4,
        "a header and 3 revisions: {table}"
    );
    let line = natbus(&server, &["kv", "history", "cfg", "never"]).error_line();
    assert_eq!(line, "natbus: error: key 'never' not found in bucket 'cfg'");

    let line = natbus(&server, &["kv", "put", "cfg", ".bad", "x"]).error_line();
    assert!(line.contains("invalid key '.bad'"), "{line}");

    let line = natbus(&server, &["kv", "rm", "cfg"]).error_line();
    assert!(line.contains("add -f"), "{line}");
    natbus(&server, &["kv", "rm", "cfg", "-f"]).ok();
    let ls = natbus(&server, &["kv", "ls"]);
    assert!(ls.stderr.contains("No key-value buckets"), "{ls:?}");
    assert_eq!(ls.ok(), "");
}

#[test]
fn kv_watch_prints_current_values_then_changes() {
    let server = NatsServer::start();
    natbus(&server, &["kv", "add", "w"]).ok();
    natbus(&server, &["kv", "put", "w", "other", "ignored"]).ok();
    natbus(&server, &["kv", "put", "w", "job.1", "first"]).ok();
    let watcher = spawn(&server, &["kv", "watch", "w", "job.*", "--count", "2"]);
    wait_for_watch(&server, "KV_w");
    natbus(&server, &["kv", "put", "w", "job.2", "second"]).ok();
    let out = finish(watcher).ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].ends_with("] PUT w > job.1: first"), "{out}");
    assert!(lines[1].ends_with("] PUT w > job.2: second"), "{out}");
}

#[test]
fn kv_watch_json_sees_deletes() {
    let server = NatsServer::start();
    natbus(&server, &["kv", "add", "w"]).ok();
    natbus(&server, &["kv", "put", "w", "k", "v"]).ok();
    let watcher = spawn(&server, &["--json", "kv", "watch", "w", "--count", "2"]);
    wait_for_watch(&server, "KV_w");
    natbus(&server, &["kv", "del", "w", "k"]).ok();
    let out = finish(watcher).ok();
    let entries = crate::support::json_lines(&out);
    let ops: Vec<&str> = entries
        .iter()
        .map(|e| e["operation"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ops, ["PUT", "DEL"], "{out}");
    assert_eq!(entries[0]["value"], "v");
}

#[test]
fn kv_missing_bucket() {
    let server = NatsServer::start();
    for args in [
        &["kv", "get", "nob", "a"][..],
        &["kv", "put", "nob", "a", "1"],
        &["kv", "ls", "nob"],
        &["kv", "watch", "nob"],
        &["kv", "history", "nob", "a"],
        &["kv", "rm", "nob", "-f"],
    ] {
        let line = natbus(&server, args).error_line();
        assert_eq!(
            line, "natbus: error: key-value bucket 'nob' not found",
            "{args:?}"
        );
    }
}

#[test]
fn kv_create_update_purge_and_info() {
    let server = NatsServer::start();
    natbus(&server, &["kv", "add", "c", "--history", "5"]).ok();
    let info = natbus(&server, &["kv", "info", "c"]).ok();
    assert!(info.contains("History Kept: 5"), "{info}");

    let first = json(&natbus(&server, &["--json", "kv", "create", "c", "k", "one"]).ok());
    assert_eq!(first["revision"], 1);
    let line = natbus(&server, &["kv", "create", "c", "k", "two"]).error_line();
    assert!(
        line.ends_with("key 'k' in bucket 'c' already has a value"),
        "{line}"
    );

    let updated = json(
        &natbus(
            &server,
            &["--json", "kv", "update", "c", "k", "two", "--revision", "1"],
        )
        .ok(),
    );
    assert_eq!(updated["revision"], 2);
    let line = natbus(
        &server,
        &["kv", "update", "c", "k", "three", "--revision", "1"],
    )
    .error_line();
    assert!(
        line.ends_with("key 'k' in bucket 'c' is no longer at revision 1"),
        "{line}"
    );
    let value = natbus(&server, &["kv", "get", "c", "k", "--raw"]).ok();
    assert_eq!(value, "two", "the refused update changed nothing");

    natbus(&server, &["kv", "purge", "c", "k"]).ok();
    let line = natbus(&server, &["kv", "get", "c", "k"]).error_line();
    assert!(line.contains("not found"), "{line}");
    let history = natbus(&server, &["kv", "history", "c", "k"]).ok();
    assert!(
        !history.contains("two"),
        "purged with its history: {history}"
    );
    // A purged key can be created again.
    natbus(&server, &["kv", "create", "c", "k", "again"]).ok();
    let status = json(&natbus(&server, &["--json", "kv", "info", "c"]).ok());
    assert_eq!(status["bucket"], "c");
}
