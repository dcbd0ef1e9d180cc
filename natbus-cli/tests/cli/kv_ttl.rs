//! `kv add --marker-ttl`, `kv create --ttl` and `kv purge --ttl` (ADR-48): a key that
//! expires, a purge that leaves nothing; before 2.11 the version it needs.

use std::time::{Duration, Instant};

use natbus_tests::{NatsServer, ServerVersion, server_version};

use crate::support::{json, natbus};

/// Waits until `done` holds for the output of `args`, for at most 10 s.
fn wait_for(server: &NatsServer, args: &[&str], what: &str, done: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let run = natbus(server, args);
        if done(&format!("{}{}", run.stdout, run.stderr)) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {run:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kv_keys_with_a_ttl_expire() {
    let server = NatsServer::start();
    if server_version() < ServerVersion::new(2, 11, 0) {
        natbus(&server, &["kv", "add", "plain"]).ok();
        let line =
            natbus(&server, &["kv", "create", "plain", "k", "v", "--ttl", "1s"]).error_line();
        assert!(line.contains("need nats-server 2.11.0 or newer"), "{line}");
        return;
    }
    let status = json(
        &natbus(
            &server,
            &["--json", "kv", "add", "sessions", "--marker-ttl", "1s"],
        )
        .ok(),
    );
    assert_eq!(status["limit_marker_ttl_ns"], 1_000_000_000u64);
    let text = natbus(&server, &["kv", "info", "sessions"]).ok();
    assert!(text.contains("Limit Markers: 1s"), "{text}");

    natbus(
        &server,
        &["kv", "create", "sessions", "user.1", "alice", "--ttl", "1s"],
    )
    .ok();
    natbus(&server, &["kv", "put", "sessions", "cart.1", "3 items"]).ok();
    natbus(
        &server,
        &["kv", "purge", "sessions", "cart.1", "--ttl", "1s"],
    )
    .ok();
    wait_for(
        &server,
        &["kv", "get", "sessions", "user.1"],
        "the key to expire",
        |out| out.contains("not found"),
    );
    wait_for(
        &server,
        &["kv", "history", "sessions", "cart.1"],
        "the purge marker to expire",
        |out| out.contains("not found"),
    );
    let line = natbus(
        &server,
        &["kv", "create", "sessions", "user.2", "v", "--ttl", "500ms"],
    )
    .error_line();
    assert!(line.contains("at least 1s"), "{line}");
    let run = natbus(
        &server,
        &["kv", "put", "sessions", "user.2", "v", "--ttl", "1s"],
    );
    assert_eq!(run.status.code(), Some(2), "put takes no TTL: {run:?}");
}
