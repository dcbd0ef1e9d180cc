//! `natbus context` and `--context`: the `nats` tool's context files in a temp
//! configuration directory (never the real home), used to connect to a real server.

use std::path::Path;

use natbus_tests::{NatsServer, TempDir};

use crate::support::{Run, command, json, run};

/// `natbus <args>` with `config` as `XDG_CONFIG_HOME`.
fn natbus_in(config: &Path, args: &[&str]) -> Run {
    let mut cmd = command(args);
    cmd.env("XDG_CONFIG_HOME", config);
    run(cmd)
}

fn user_password_server() -> NatsServer {
    NatsServer::builder()
        .config("authorization { user: ops, password: s3cret }")
        .start()
}

#[test]
fn save_select_and_connect_through_a_context() {
    let server = user_password_server();
    let dir = TempDir::new("natbus-cli-context").expect("temp dir is writable");
    let config = dir.path();
    let url = server.url();

    natbus_in(
        config,
        &[
            "context",
            "save",
            "ops",
            "-s",
            &url,
            "--user",
            "ops",
            "--password",
            "s3cret",
            "--description",
            "the ops account",
            "--js-domain",
            "hub",
        ],
    )
    .ok();
    let file = config.join("nats/context/ops.json");
    let saved = json(&std::fs::read_to_string(&file).expect("the context file exists"));
    assert_eq!(saved["url"], url.as_str());
    assert_eq!(saved["user"], "ops");
    assert_eq!(saved["password"], "s3cret");
    assert_eq!(saved["jetstream_domain"], "hub");
    assert_eq!(
        saved["token"], "",
        "all fields written, as the nats tool does"
    );

    // Named, the context connects; nothing selected yet, so without it there is no auth.
    let check = natbus_in(config, &["--context", "ops", "server", "check"]).ok();
    assert!(check.starts_with("OK: connected to "), "{check}");
    let line = natbus_in(config, &["-s", &url, "pub", "x", "y"]).error_line();
    assert!(line.to_lowercase().contains("authorization"), "{line}");

    // Selected, it is the default; a flag overrides one of its settings.
    natbus_in(config, &["context", "select", "ops"]).ok();
    assert_eq!(
        std::fs::read_to_string(config.join("nats/context.txt")).expect("written"),
        "ops"
    );
    natbus_in(config, &["pub", "x", "y"]).ok();
    let line = natbus_in(config, &["--password", "wrong", "pub", "x", "y"]).error_line();
    assert!(line.to_lowercase().contains("authorization"), "{line}");

    let shown = json(&natbus_in(config, &["--json", "context", "show"]).ok());
    assert_eq!(shown["name"], "ops");
    assert_eq!(shown["selected"], true);
    assert_eq!(shown["password"], "*********", "secrets are masked");
    assert_eq!(shown["jetstream_domain"], "hub");

    natbus_in(
        config,
        &["context", "save", "other", "-s", "nats://127.0.0.1:1"],
    )
    .ok();
    let listed = json(&natbus_in(config, &["--json", "context", "ls"]).ok());
    assert_eq!(listed[0]["name"], "ops");
    assert_eq!(listed[0]["selected"], true);
    assert_eq!(listed[1]["name"], "other");
    assert_eq!(listed[1]["selected"], false);
    let text = natbus_in(config, &["context", "ls"]).ok();
    assert!(
        text.contains("ops*") && text.contains("the ops account"),
        "{text}"
    );

    // Saving again keeps what the flags do not change.
    natbus_in(
        config,
        &["context", "save", "ops", "--inbox-prefix", "_INBOX_ops"],
    )
    .ok();
    let saved = json(&std::fs::read_to_string(&file).expect("exists"));
    assert_eq!(saved["user"], "ops");
    assert_eq!(saved["inbox_prefix"], "_INBOX_ops");
    let reply = natbus_in(
        config,
        &["--context", "ops", "req", "--timeout", "1s", "nobody", "x"],
    );
    let line = reply.error_line();
    assert!(line.contains("no responders"), "{line}");
}

#[test]
fn a_context_file_written_by_the_nats_tool_is_used() {
    let server = user_password_server();
    let dir = TempDir::new("natbus-cli-context").expect("temp dir is writable");
    let config = dir.path();
    let contexts = config.join("nats/context");
    std::fs::create_dir_all(&contexts).expect("writable");
    std::fs::write(
        contexts.join("legacy.json"),
        format!(
            r#"{{"description": "", "url": "{}", "token": "", "user": "ops",
                "password": "s3cret", "creds": "", "nkey": "", "cert": "", "key": "",
                "ca": "", "nsc": "", "jetstream_domain": "", "jetstream_api_prefix": "",
                "jetstream_event_prefix": "", "inbox_prefix": "", "user_jwt": "",
                "color_scheme": "nats-blue", "tls_first": false}}"#,
            server.url()
        ),
    )
    .expect("writable");
    std::fs::write(config.join("nats/context.txt"), "legacy\n").expect("writable");
    natbus_in(config, &["pub", "x", "y"]).ok();
    natbus_in(
        config,
        &["context", "save", "legacy", "--description", "kept"],
    )
    .ok();
    let saved = json(&std::fs::read_to_string(contexts.join("legacy.json")).expect("exists"));
    assert_eq!(
        saved["color_scheme"], "nats-blue",
        "fields natbus does not use are kept"
    );
    assert_eq!(saved["description"], "kept");
}

#[test]
fn missing_and_broken_contexts_are_named() {
    let dir = TempDir::new("natbus-cli-context").expect("temp dir is writable");
    let config = dir.path();
    let line = natbus_in(config, &["--context", "nope", "pub", "x", "y"]).error_line();
    assert!(line.contains("unknown context 'nope'"), "{line}");
    assert!(line.contains("nats/context/nope.json"), "{line}");

    let line = natbus_in(config, &["context", "select", "nope"]).error_line();
    assert!(line.contains("nope.json does not exist"), "{line}");

    let contexts = config.join("nats/context");
    std::fs::create_dir_all(&contexts).expect("writable");
    std::fs::write(contexts.join("broken.json"), "{\"url\": ").expect("writable");
    std::fs::write(config.join("nats/context.txt"), "broken").expect("writable");
    let line = natbus_in(config, &["pub", "x", "y"]).error_line();
    assert!(
        line.contains("broken.json is not a valid nats context"),
        "{line}"
    );
    // The context commands still work, so the selection can be fixed.
    let text = natbus_in(config, &["context", "ls"]).ok();
    assert!(
        text.contains("broken*") && text.contains("unreadable"),
        "{text}"
    );
    natbus_in(
        config,
        &["context", "save", "good", "-s", "nats://127.0.0.1:1"],
    )
    .ok();
    natbus_in(config, &["context", "select", "good"]).ok();

    let line = natbus_in(config, &["context", "show", "../x"]).error_line();
    assert!(line.contains("invalid context name"), "{line}");
}
