//! `object watch` against a JetStream server: run in the background, read line by line
//! while changes are made, then ended as Ctrl-C ends it.

use natbus_tests::NatsServer;

use crate::kv::wait_for_watch;
use crate::support::{interrupt, json, natbus, natbus_with_stdin, next_line, spawn, stdout_lines};

#[test]
fn object_watch_prints_changes_until_interrupted() {
    let server = NatsServer::start();
    natbus(&server, &["object", "add", "files"]).ok();
    natbus_with_stdin(
        &server,
        &["object", "put", "files", "-", "--object-name", "before"],
        b"old",
    )
    .ok();
    let mut watcher = spawn(&server, &["object", "watch", "files"]);
    let lines = stdout_lines(&mut watcher);
    wait_for_watch(&server, "OBJ_files");
    natbus_with_stdin(
        &server,
        &["object", "put", "files", "-", "--object-name", "a.txt"],
        b"hello\n",
    )
    .ok();
    let line = next_line(&lines);
    assert!(line.starts_with('['), "{line}");
    assert!(line.ends_with("] PUT files > a.txt: 6 B"), "{line}");
    natbus(&server, &["object", "del", "files", "a.txt"]).ok();
    let line = next_line(&lines);
    assert!(line.ends_with("] DEL files > a.txt"), "{line}");
    interrupt(watcher).ok();
}

#[test]
fn object_watch_json_with_history_ignoring_deletes() {
    let server = NatsServer::start();
    natbus(&server, &["object", "add", "files"]).ok();
    for name in ["gone", "kept"] {
        natbus_with_stdin(
            &server,
            &["object", "put", "files", "-", "--object-name", name],
            b"data",
        )
        .ok();
    }
    natbus(&server, &["object", "del", "files", "gone"]).ok();
    let mut watcher = spawn(
        &server,
        &[
            "--json",
            "object",
            "watch",
            "files",
            "--history",
            "--ignore-deletes",
        ],
    );
    let lines = stdout_lines(&mut watcher);
    let first = json(&next_line(&lines));
    assert_eq!(first["name"], "kept", "{first}");
    assert_eq!(first["size"], 4, "{first}");
    natbus_with_stdin(
        &server,
        &["object", "put", "files", "-", "--object-name", "new"],
        b"fresh!",
    )
    .ok();
    natbus(&server, &["object", "del", "files", "kept"]).ok();
    natbus_with_stdin(
        &server,
        &["object", "put", "files", "-", "--object-name", "last"],
        b"x",
    )
    .ok();
    let names: Vec<String> = (0..2)
        .map(|_| {
            json(&next_line(&lines))["name"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(names, ["new", "last"], "the delete of 'kept' is left out");
    interrupt(watcher).ok();
}
