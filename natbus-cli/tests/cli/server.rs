//! `server check` and `account info`.

use natbus_tests::NatsServer;

use crate::support::natbus;

#[test]
fn check_prints_server_facts_and_rtt() {
    let server = NatsServer::start();
    let varz = server.monitor("/varz");
    let version = varz["version"].as_str().expect("varz has a version");
    let out = natbus(&server, &["server", "check"]).ok();
    assert!(
        out.starts_with(&format!("OK: connected to {}", server.url())),
        "{out}"
    );
    assert!(out.contains(&format!("Version:     {version}\n")), "{out}");
    assert!(out.contains("JetStream:   enabled\n"), "{out}");
    assert!(
        out.contains("Max payload: 1.0 MiB (1048576 bytes)\n"),
        "{out}"
    );
    assert!(out.lines().any(|l| l.starts_with("RTT:")), "{out}");

    let json: serde_json::Value =
        serde_json::from_str(&natbus(&server, &["server", "check", "--json"]).ok())
            .expect("check --json is JSON");
    assert_eq!(json["version"], version);
    assert_eq!(json["server_id"], varz["server_id"]);
    assert_eq!(json["max_payload"], varz["max_payload"]);
    assert_eq!(json["jetstream"], true);
    assert!(json["rtt_ns"].as_u64().is_some_and(|ns| ns > 0));
}

#[test]
fn check_sees_jetstream_off() {
    let server = NatsServer::builder().jetstream(false).start();
    let out = natbus(&server, &["server", "check"]).ok();
    assert!(out.contains("JetStream:   disabled\n"), "{out}");
}

#[test]
fn account_info_shows_usage_against_limits() {
    let server = NatsServer::start();
    natbus(&server, &["stream", "add", "A", "--subjects", "a.>"]).ok();
    natbus(&server, &["pub", "a.x", "12345"]).ok();
    let out = natbus(&server, &["account", "info"]).ok();
    assert!(out.starts_with("JetStream Account Information:\n"), "{out}");
    assert!(out.contains("Streams: 1 of unlimited"), "{out}");
    assert!(out.contains("Memory: 0 B of unlimited"), "{out}");
    let info = crate::support::json(&natbus(&server, &["--json", "account", "info"]).ok());
    assert_eq!(info["streams"], 1);
    assert!(info["storage"].as_u64().is_some_and(|b| b > 5), "{info}");

    let off = NatsServer::builder().jetstream(false).start();
    let line = natbus(&off, &["account", "info"]).error_line();
    assert!(line.contains("JetStream not available"), "{line}");
}
