//! `req` and `reply`.

use natbus_tests::NatsServer;

use crate::support::{finish, interrupt, json_lines, natbus, spawn, wait_for_subscriptions};

#[test]
fn req_gets_replies_from_reply() {
    let server = NatsServer::start();
    let replier = spawn(
        &server,
        &["reply", "svc.greet", "answer {{Count}}", "--count", "3"],
    );
    wait_for_subscriptions(&server, 1);
    let text = natbus(&server, &["req", "svc.greet", "hi", "-H", "who:ada"]).ok();
    assert_eq!(text, "answer 1\n");
    let raw = natbus(&server, &["req", "svc.greet", "hi", "--raw"]).ok();
    assert_eq!(raw, "answer 2\n");
    let json = json_lines(&natbus(&server, &["req", "svc.greet", "hi", "--json"]).ok());
    assert_eq!(json[0]["data"], "answer 3");
    assert!(json[0]["rtt_ns"].as_u64().is_some_and(|ns| ns > 0));
    let seen = finish(replier).ok();
    assert!(
        seen.contains("[#1] Received on \"svc.greet\" with reply \"_INBOX."),
        "{seen}"
    );
    assert!(seen.contains("who: ada\n\nhi\n"), "{seen}");
    assert!(seen.contains("[#3]"), "{seen}");
}

#[test]
fn reply_stops_on_ctrl_c_and_sums_up() {
    let server = NatsServer::start();
    let replier = spawn(&server, &["reply", "svc.ok", "fine"]);
    wait_for_subscriptions(&server, 1);
    for _ in 0..2 {
        assert_eq!(
            natbus(&server, &["req", "svc.ok", "?", "--raw"]).ok(),
            "fine\n"
        );
    }
    let run = interrupt(replier);
    let summary = run.stderr.lines().last().unwrap_or_default().to_owned();
    assert!(run.ok().contains("[#2]"));
    assert_eq!(summary, "Answered 2 requests on \"svc.ok\"");
}

#[test]
fn reply_echo_returns_body_and_headers() {
    let server = NatsServer::start();
    let replier = spawn(&server, &["reply", "svc.echo", "--echo", "--count", "1"]);
    wait_for_subscriptions(&server, 1);
    let out = natbus(&server, &["req", "svc.echo", "ping", "-H", "a:b", "--json"]).ok();
    let reply = &json_lines(&out)[0];
    assert_eq!(reply["data"], "ping");
    assert_eq!(reply["headers"]["a"][0], "b");
    finish(replier).ok();
}

#[test]
fn req_without_responders_fails_at_once() {
    let server = NatsServer::start();
    let started = std::time::Instant::now();
    let line = natbus(&server, &["req", "nobody.home", "hi"]).error_line();
    assert!(line.contains("no responders"), "{line}");
    assert!(line.contains("nobody.home"), "{line}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "not a timeout"
    );
}

#[test]
fn req_times_out_when_nobody_answers() {
    let server = NatsServer::start();
    let mut silent = spawn(&server, &["sub", "svc.silent"]);
    wait_for_subscriptions(&server, 1);
    let line = natbus(&server, &["--timeout", "300ms", "req", "svc.silent", "hi"]).error_line();
    assert!(line.contains("timed out after 300ms"), "{line}");
    silent.kill().expect("the subscriber is running");
    finish(silent);
}

#[test]
fn req_replies_gathers_every_responder() {
    let server = NatsServer::start();
    let a = spawn(&server, &["reply", "svc.count", "one", "--count", "1"]);
    let b = spawn(&server, &["reply", "svc.count", "two", "--count", "1"]);
    wait_for_subscriptions(&server, 2);
    // Both answer; `--replies 2` returns as soon as both did, well before the timeout.
    let run = natbus(
        &server,
        &[
            "--timeout",
            "20s",
            "req",
            "svc.count",
            "--replies",
            "2",
            "--raw",
        ],
    );
    let mut got: Vec<String> = run.ok().lines().map(str::to_owned).collect();
    got.sort();
    assert_eq!(got, ["one", "two"]);
    finish(a).ok();
    finish(b).ok();

    let line = natbus(&server, &["req", "nobody.home", "--replies", "0"]).error_line();
    assert!(line.contains("no responders"), "{line}");
    let mut silent = spawn(&server, &["sub", "svc.silent"]);
    wait_for_subscriptions(&server, 1);
    let line = natbus(
        &server,
        &["--timeout", "300ms", "req", "svc.silent", "--replies", "0"],
    )
    .error_line();
    assert!(
        line.contains("no reply on 'svc.silent' within 300ms"),
        "{line}"
    );
    silent.kill().expect("the subscriber is running");
    finish(silent);
}
