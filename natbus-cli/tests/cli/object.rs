//! `object add/put/get/info/ls/del/rm/status/seal/link` against a JetStream server
//! (`object watch`: `object_watch.rs`).

use std::path::Path;

use natbus_tests::{NatsServer, TempDir};

use crate::support::{json, natbus, natbus_with_stdin};

/// 300 KiB that are not a repeating block: three chunks of the default 128 KiB.
fn data() -> Vec<u8> {
    (0..300 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn utf8(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}

#[test]
fn object_round_trip() {
    let server = NatsServer::start();
    let dir = TempDir::new("natbus-cli-object").expect("temp dir is writable");
    let input = dir.path().join("data.bin");
    let original = data();
    std::fs::write(&input, &original).expect("writable");

    let status = json(&natbus(&server, &["--json", "obj", "add", "files", "--ttl", "1h"]).ok());
    assert_eq!(status["bucket"], "files");
    assert_eq!(status["stream"], "OBJ_files");
    assert_eq!(status["ttl_ns"], 3_600_000_000_000u64);

    let put = natbus(&server, &["object", "put", "files", utf8(&input)]);
    assert!(
        put.stderr
            .contains("Stored \"data.bin\" in object store \"files\": 300.0 KiB in "),
        "{put:?}"
    );
    let text = put.ok();
    assert!(text.contains("Size: 300.0 KiB (307,200 bytes)"), "{text}");
    assert!(text.contains("Chunks: 3"), "{text}");
    assert!(text.contains("Digest: SHA-256="), "{text}");

    let info = json(&natbus(&server, &["--json", "object", "info", "files", "data.bin"]).ok());
    assert_eq!(info["name"], "data.bin");
    assert_eq!(info["bucket"], "files");
    assert_eq!(info["size"], 307_200);
    assert_eq!(info["chunks"], 3);
    let digest = info["digest"].as_str().expect("a digest").to_owned();

    // The same bytes from stdin, under another name: the same digest.
    let piped = json(
        &natbus_with_stdin(
            &server,
            &[
                "--json",
                "object",
                "put",
                "files",
                "-",
                "--object-name",
                "copy",
                "--description",
                "d",
            ],
            &original,
        )
        .ok(),
    );
    assert_eq!(piped["digest"].as_str(), Some(digest.as_str()));
    assert_eq!(piped["description"], "d");

    let output = dir.path().join("out.bin");
    let get = natbus(
        &server,
        &["object", "get", "files", "data.bin", "-o", utf8(&output)],
    );
    assert!(get.stderr.contains("Wrote \"data.bin\" to "), "{get:?}");
    get.ok();
    assert!(
        std::fs::read(&output).expect("written") == original,
        "not byte-identical"
    );

    // An existing file is kept unless --force.
    std::fs::write(&output, b"mine").expect("writable");
    let line = natbus(
        &server,
        &["object", "get", "files", "copy", "-o", utf8(&output)],
    )
    .error_line();
    assert!(
        line.contains("exists: add --force to overwrite it"),
        "{line}"
    );
    assert_eq!(std::fs::read(&output).expect("kept"), b"mine");
    natbus(
        &server,
        &[
            "obj",
            "get",
            "files",
            "copy",
            "-o",
            utf8(&output),
            "--force",
        ],
    )
    .ok();
    assert!(
        std::fs::read(&output).expect("written") == original,
        "not byte-identical"
    );

    natbus_with_stdin(
        &server,
        &["object", "put", "files", "-", "--object-name", "a.txt"],
        b"hello\n",
    )
    .ok();
    assert_eq!(
        natbus(&server, &["object", "get", "files", "a.txt"]).ok(),
        "hello\n"
    );

    let table = natbus(&server, &["object", "ls", "files"]).ok();
    let names: Vec<&str> = table
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, ["Name", "a.txt", "copy", "data.bin"], "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("data.bin") && l.contains("300.0 KiB  3"))
    );
    let listed = json(&natbus(&server, &["--json", "object", "ls", "files"]).ok());
    assert_eq!(listed[2]["name"], "data.bin");
    assert_eq!(listed[2]["chunks"], 3);
    let stores = natbus(&server, &["object", "ls"]).ok();
    assert!(stores.lines().any(|l| l.starts_with("files ")), "{stores}");

    let status = json(&natbus(&server, &["--json", "object", "status", "files"]).ok());
    assert!(
        status["size"].as_u64().unwrap_or(0) > 2 * 307_200,
        "{status}"
    );
    let status = natbus(&server, &["object", "status", "files"]).ok();
    assert!(status.contains("Backing Stream: OBJ_files"), "{status}");

    let del = natbus(&server, &["object", "del", "files", "data.bin"]);
    assert!(del.stderr.contains("Deleted \"data.bin\""), "{del:?}");
    del.ok();
    for args in [
        &["object", "get", "files", "data.bin"][..],
        &["object", "info", "files", "data.bin"],
        &["object", "del", "files", "data.bin"],
    ] {
        let line = natbus(&server, args).error_line();
        assert_eq!(
            line, "natbus: error: object 'data.bin' not found in object store 'files'",
            "{args:?}"
        );
    }
    let listed = json(&natbus(&server, &["--json", "object", "ls", "files"]).ok());
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");

    let line = natbus(&server, &["object", "rm", "files"]).error_line();
    assert!(line.contains("add -f"), "{line}");
    let rm = natbus(&server, &["object", "rm", "files", "-f"]);
    assert!(
        rm.stderr.contains("Deleted object store \"files\""),
        "{rm:?}"
    );
    rm.ok();
    let ls = natbus(&server, &["object", "ls"]);
    assert!(ls.stderr.contains("No object stores"), "{ls:?}");
    assert_eq!(ls.ok(), "");
}

#[test]
fn object_get_of_corrupt_data_fails_and_removes_the_file() {
    let server = NatsServer::start();
    let dir = TempDir::new("natbus-cli-object").expect("temp dir is writable");
    natbus(&server, &["object", "add", "files"]).ok();
    natbus_with_stdin(
        &server,
        &["object", "put", "files", "-", "--object-name", "abc"],
        &data(),
    )
    .ok();
    // Rewrite the description with the digest of other data, as a corrupt store would.
    let mut info = json(&natbus(&server, &["--json", "object", "info", "files", "abc"]).ok());
    info["digest"] = "SHA-256=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=".into();
    // The meta subject is the base64url of the name: "abc" is "YWJj".
    natbus(&server, &["pub", "$O.files.M.YWJj", &info.to_string()]).ok();

    let output = dir.path().join("abc");
    let run = natbus(
        &server,
        &["object", "get", "files", "abc", "-o", utf8(&output)],
    );
    assert!(run.stderr.contains("Removed the partial"), "{run:?}");
    let line = run.error_line();
    assert!(
        line.contains("could not read 'abc' from bucket 'files'"),
        "{line}"
    );
    assert!(line.contains("object 'abc' is corrupt"), "{line}");
    assert!(!output.exists(), "the partial file is left");
}

#[test]
fn object_usage_errors_and_missing_stores() {
    let server = NatsServer::start();
    for args in [
        &["object", "get", "nob", "a"][..],
        &["object", "info", "nob", "a"],
        &["object", "ls", "nob"],
        &["object", "del", "nob", "a"],
        &["object", "status", "nob"],
        &["object", "rm", "nob", "-f"],
    ] {
        let line = natbus(&server, args).error_line();
        assert_eq!(
            line, "natbus: error: object store 'nob' not found",
            "{args:?}"
        );
    }
    natbus(&server, &["object", "add", "files"]).ok();
    let line = natbus_with_stdin(&server, &["object", "put", "files", "-"], b"x").error_line();
    assert!(line.contains("give one with --object-name"), "{line}");
    let line = natbus(&server, &["object", "put", "files", "/no/such/file"]).error_line();
    assert!(line.contains("could not open /no/such/file"), "{line}");
    let line = natbus(&server, &["object", "add", "a.b"]).error_line();
    assert!(
        line.contains("invalid object store bucket name 'a.b'"),
        "{line}"
    );
}

#[test]
fn object_seal_makes_the_store_read_only() {
    let server = NatsServer::start();
    natbus(&server, &["object", "add", "files"]).ok();
    natbus_with_stdin(
        &server,
        &["object", "put", "files", "-", "--object-name", "a.txt"],
        b"hello\n",
    )
    .ok();
    let line = natbus(&server, &["object", "seal", "files"]).error_line();
    assert!(line.contains("Really seal object store 'files'"), "{line}");
    assert!(line.contains("add -f"), "{line}");
    let status = json(&natbus(&server, &["--json", "object", "status", "files"]).ok());
    assert_eq!(status["sealed"], false, "not sealed without confirmation");

    let seal = natbus(&server, &["object", "seal", "files", "-f"]);
    assert!(
        seal.stderr.contains("Sealed object store \"files\""),
        "{seal:?}"
    );
    let text = seal.ok();
    assert!(text.contains("Sealed: yes"), "{text}");
    // Sealing again changes nothing and is no error.
    let status = json(&natbus(&server, &["--json", "object", "seal", "files", "-f"]).ok());
    assert_eq!(status["sealed"], true, "{status}");

    let sealed = "natbus: error: object store 'files' is sealed: its objects can be read but \
                  not put, changed or deleted";
    let line = natbus_with_stdin(
        &server,
        &["object", "put", "files", "-", "--object-name", "b.txt"],
        b"more",
    )
    .error_line();
    assert_eq!(line, sealed);
    let line = natbus(&server, &["object", "del", "files", "a.txt"]).error_line();
    assert_eq!(line, sealed);
    let line = natbus(
        &server,
        &["object", "link", "files", "l", "--to", "files/a.txt"],
    )
    .error_line();
    assert_eq!(line, sealed);
    assert_eq!(
        natbus(&server, &["object", "get", "files", "a.txt"]).ok(),
        "hello\n",
        "a sealed store is still readable"
    );
    let line = natbus(&server, &["object", "seal", "nob", "-f"]).error_line();
    assert_eq!(line, "natbus: error: object store 'nob' not found");
}

#[test]
fn object_link_is_read_as_its_target() {
    let server = NatsServer::start();
    natbus(&server, &["object", "add", "files"]).ok();
    natbus(&server, &["object", "add", "reports"]).ok();
    let original = data();
    natbus_with_stdin(
        &server,
        &[
            "object",
            "put",
            "reports",
            "-",
            "--object-name",
            "q3/summary.bin",
        ],
        &original,
    )
    .ok();

    let link = natbus(
        &server,
        &[
            "object",
            "link",
            "files",
            "latest",
            "--to",
            "reports/q3/summary.bin",
        ],
    );
    assert!(
        link.stderr.contains(
            "Linked \"latest\" in object store \"files\" to object \"q3/summary.bin\" in \
             object store \"reports\""
        ),
        "{link:?}"
    );
    let text = link.ok();
    assert!(text.contains("Link To: reports/q3/summary.bin"), "{text}");
    let dir = TempDir::new("natbus-cli-object").expect("temp dir is writable");
    let output = dir.path().join("latest");
    natbus(
        &server,
        &["object", "get", "files", "latest", "-o", utf8(&output)],
    )
    .ok();
    assert!(
        std::fs::read(&output).expect("written") == original,
        "not the target's bytes"
    );
    let info = json(&natbus(&server, &["--json", "object", "info", "files", "latest"]).ok());
    assert_eq!(info["options"]["link"]["bucket"], "reports", "{info}");
    assert_eq!(info["options"]["link"]["name"], "q3/summary.bin", "{info}");

    let whole = json(
        &natbus(
            &server,
            &[
                "--json", "object", "link", "files", "all", "--bucket", "reports",
            ],
        )
        .ok(),
    );
    assert_eq!(whole["options"]["link"]["bucket"], "reports", "{whole}");
    assert!(whole["options"]["link"].get("name").is_none(), "{whole}");
    let line = natbus(&server, &["object", "get", "files", "all"]).error_line();
    assert!(
        line.contains("is a link to the whole object store 'reports'"),
        "{line}"
    );

    for (args, expected) in [
        (
            &["object", "link", "files", "x", "--to", "reports/nope"][..],
            "object 'nope' not found in object store 'reports'",
        ),
        (
            &["object", "link", "files", "x", "--to", "nob/a"],
            "object store 'nob' not found",
        ),
        (
            &["object", "link", "files", "x", "--bucket", "nob"],
            "object store 'nob' not found",
        ),
        (
            &["object", "link", "files", "x", "--to", "files/latest"],
            "links to links are not allowed",
        ),
    ] {
        let line = natbus(&server, args).error_line();
        assert!(line.ends_with(expected), "{args:?}: {line}");
    }
    // The link's name must not hide an object with data.
    natbus_with_stdin(
        &server,
        &["object", "put", "files", "-", "--object-name", "kept"],
        b"mine",
    )
    .ok();
    let line = natbus(
        &server,
        &[
            "object",
            "link",
            "files",
            "kept",
            "--to",
            "reports/q3/summary.bin",
        ],
    )
    .error_line();
    assert!(line.contains("object 'kept' already exists"), "{line}");
    let run = natbus(&server, &["object", "link", "files", "x"]);
    assert_eq!(run.status.code(), Some(2), "a usage error: {run:?}");
    let run = natbus(
        &server,
        &["object", "link", "files", "x", "--to", "nobucket"],
    );
    assert!(run.stderr.contains("use BUCKET/NAME"), "{run:?}");
}

/// A description another client wrote badly (not JSON) hides no other object from `ls`.
#[test]
fn object_ls_skips_an_unreadable_description() {
    let server = NatsServer::start();
    natbus(&server, &["obj", "add", "files"]).ok();
    natbus_with_stdin(
        &server,
        &["object", "put", "files", "-", "--object-name", "kept"],
        b"x",
    )
    .ok();
    let bad = natbus_tokio::proto::jetstream::object::meta_subject("files", "broken")
        .expect("a valid name");
    natbus(&server, &["pub", &bad, "{ not json"]).ok();
    let listed = json(&natbus(&server, &["--json", "object", "ls", "files"]).ok());
    let names: Vec<&str> = listed
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(names, ["kept"]);
}
