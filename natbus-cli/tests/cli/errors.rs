//! Failures are one line on stderr and a non-zero exit, never a panic.

use std::net::TcpListener;

use natbus_tests::NatsServer;

use crate::support::{command, natbus, run};

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("bound").port()
}

#[test]
fn unreachable_server() {
    let url = format!("nats://127.0.0.1:{}", closed_port());
    for cmd in [
        &["pub", "x", "y"][..],
        &["sub", "x"],
        &["req", "x"],
        &["server", "check"],
    ] {
        let mut args = vec!["--server", url.as_str()];
        args.extend_from_slice(cmd);
        let line = run(command(&args)).error_line();
        assert!(
            line.starts_with(&format!("natbus: error: could not connect to {url}")),
            "{line}"
        );
    }
}

#[test]
fn bad_server_url() {
    let line = run(command(&[
        "--server",
        "nats://host:notaport",
        "pub",
        "x",
        "y",
    ]))
    .error_line();
    assert!(line.contains("invalid server URL"), "{line}");
}

#[test]
fn silent_server_times_out() {
    // Accepts TCP but never sends INFO.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let url = format!(
        "nats://127.0.0.1:{}",
        listener.local_addr().expect("bound").port()
    );
    let started = std::time::Instant::now();
    let line = run(command(&[
        "--server",
        &url,
        "--timeout",
        "500ms",
        "pub",
        "x",
        "y",
    ]))
    .error_line();
    assert!(line.contains("could not connect"), "{line}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn wrong_password_names_the_problem() {
    let server = NatsServer::builder()
        .user_password("alice", "s3cret")
        .start();
    let line = natbus(
        &server,
        &["--user", "alice", "--password", "nope", "pub", "x", "y"],
    )
    .error_line();
    assert!(line.to_lowercase().contains("authorization"), "{line}");
    let ok = natbus(
        &server,
        &["--user", "alice", "--password", "s3cret", "pub", "x", "y"],
    );
    ok.ok();
}

#[test]
fn invalid_input_is_refused_clearly() {
    let server = NatsServer::start();
    let line = natbus(&server, &["pub", "bad subject", "x"]).error_line();
    assert!(
        line.contains("could not publish to 'bad subject'"),
        "{line}"
    );
    let line = natbus(&server, &["pub", "x", "y", "-H", "nocolon"]).error_line();
    assert!(line.contains("expected key:value"), "{line}");
    let line = natbus(&server, &["--creds", "/nonexistent.creds", "pub", "x", "y"]).error_line();
    assert!(
        line.contains("cannot read credentials file '/nonexistent.creds'"),
        "{line}"
    );
    let bad_timeout = run(command(&["--timeout", "soon", "pub", "x", "y"]));
    assert_eq!(
        bad_timeout.status.code(),
        Some(2),
        "a usage error: {bad_timeout:?}"
    );
    assert!(bad_timeout.stderr.contains("invalid duration 'soon'"));
}
