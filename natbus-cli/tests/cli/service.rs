//! `service ls|info|stats` against instances that answer `$SRV.*` with the proto schemas.

use std::time::{Duration, SystemTime};

use natbus_tests::NatsServer;
use natbus_tokio::proto::service::{
    DEFAULT_API_PREFIX, EndpointConfig, Group, PingResponse, ServiceConfig, ServiceError,
    ServiceStats, Verb, instance_subjects,
};

use crate::support::{natbus, wait_for_subscriptions};

/// Answers the discovery subjects of one instance, like a natbus or nats.go service would:
/// one endpoint `charge` that has handled two requests, one of them failed.
async fn serve(url: String, config: ServiceConfig, id: &'static str) {
    let client = natbus_tokio::connect(&url)
        .await
        .expect("test server is up");
    let group = Group::root(&config)
        .group("v1.billing", Default::default())
        .expect("valid group");
    let endpoint = group
        .endpoint(&EndpointConfig::new("charge"))
        .expect("valid endpoint");
    let mut stats = ServiceStats::new(SystemTime::now());
    let index = stats.add_endpoint(endpoint.info());
    stats.record(index, Duration::from_micros(400), None);
    let failure = ServiceError::new(400, "amount must be positive");
    stats.record(index, Duration::from_micros(600), Some(&failure));
    let subjects = instance_subjects(DEFAULT_API_PREFIX, &config.name, id);
    let mut requests = client.subscribe("$SRV.>").await.expect("subscribe");
    client.flush().await.expect("flush");
    while let Some(request) = requests.next().await {
        let verb = subjects
            .iter()
            .find(|(_, s)| s.as_str() == request.subject.as_str())
            .map(|(verb, _)| *verb);
        let body = match verb {
            Some(Verb::Ping) => PingResponse::new(&config, id).to_json(),
            Some(Verb::Info) => stats.info_response(&config, id).to_json(),
            Some(Verb::Stats) => stats.stats_response(&config, id, |_| None).to_json(),
            None => continue, // another service's subject
        };
        if let Some(reply) = &request.reply {
            client.publish(reply.as_str(), body).await.expect("publish");
        }
    }
}

/// Two billing instances and one inventory instance on a background runtime.
fn start_services(server: &NatsServer) -> tokio::runtime::Runtime {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let billing = ServiceConfig::new("billing", "1.4.0")
        .description("Invoices and charges")
        .metadata("team", "payments");
    let inventory = ServiceConfig::new("inventory", "0.2.0");
    rt.spawn(serve(server.url(), billing.clone(), "B2"));
    rt.spawn(serve(server.url(), billing, "B1"));
    rt.spawn(serve(server.url(), inventory, "I1"));
    wait_for_subscriptions(server, 3);
    rt
}

#[test]
fn ls_lists_every_instance_sorted() {
    let server = NatsServer::start();
    let _services = start_services(&server);
    let out = natbus(&server, &["service", "ls"]).ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("Name"), "{out}");
    let ids: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().nth(2).unwrap_or_default())
        .collect();
    assert_eq!(ids, ["B1", "B2", "I1"], "{out}");
    assert!(lines[3].starts_with("inventory  0.2.0"), "{out}");

    let json: serde_json::Value =
        serde_json::from_str(&natbus(&server, &["--json", "micro", "ls", "billing"]).ok())
            .expect("ls --json is JSON");
    let found = json.as_array().expect("an array");
    assert_eq!(found.len(), 2);
    assert!(
        found
            .iter()
            .all(|s| s["name"] == "billing" && s["rtt_ns"].as_u64() > Some(0))
    );
}

#[test]
fn info_shows_endpoints() {
    let server = NatsServer::start();
    let _services = start_services(&server);
    let out = natbus(&server, &["service", "info", "inventory"]).ok();
    assert!(
        out.starts_with("Service: inventory (I1)\n  Version:     0.2.0\n"),
        "{out}"
    );
    assert!(out.contains("charge  v1.billing.charge  q"), "{out}");
    let out = natbus(&server, &["service", "info", "billing"]).ok();
    assert!(out.contains("Description: Invoices and charges"), "{out}");
    assert!(out.contains("Metadata:    team=payments"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&natbus(&server, &["service", "info", "--json"]).ok())
            .expect("info --json is JSON");
    let found = json.as_array().expect("an array");
    assert_eq!(found.len(), 3);
    assert_eq!(found[0]["type"], "io.nats.micro.v1.info_response");
    assert_eq!(found[0]["endpoints"][0]["subject"], "v1.billing.charge");
}

#[test]
fn stats_shows_counters() {
    let server = NatsServer::start();
    let _services = start_services(&server);
    let out = natbus(&server, &["service", "stats", "billing"]).ok();
    let row = out
        .lines()
        .find(|l| l.contains("B1"))
        .unwrap_or_else(|| panic!("no B1 row: {out}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[..5], ["billing", "B1", "charge", "2", "1"], "{out}");
    assert!(row.ends_with("400:amount must be positive"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&natbus(&server, &["--json", "service", "stats"]).ok())
            .expect("stats --json is JSON");
    let found = json.as_array().expect("an array");
    assert_eq!(found.len(), 3);
    assert_eq!(found[0]["endpoints"][0]["num_requests"], 2);
    assert_eq!(found[0]["endpoints"][0]["processing_time"], 1_000_000);
}

#[test]
fn no_services_is_reported() {
    let server = NatsServer::start();
    let started = std::time::Instant::now();
    assert_eq!(
        natbus(&server, &["--timeout", "60s", "service", "ls"]).ok(),
        "no services\n"
    );
    assert_eq!(
        natbus(
            &server,
            &["--timeout", "60s", "service", "stats", "x", "--json"]
        )
        .ok()
        .trim(),
        "[]"
    );
    // The 503 answer ends the wait; no need to sit out the 60 s timeout, however loaded the
    // machine.
    assert!(started.elapsed() < Duration::from_secs(40));
}

/// Answers every `$SRV.PING` with something that is not JSON, as a broken instance would.
async fn answer_garbage(url: String) {
    let client = natbus_tokio::connect(&url)
        .await
        .expect("test server is up");
    let mut requests = client.subscribe("$SRV.PING").await.expect("subscribe");
    client.flush().await.expect("flush");
    while let Some(request) = requests.next().await {
        if let Some(reply) = &request.reply {
            client
                .publish(reply.as_str(), "{ not json")
                .await
                .expect("publish");
        }
    }
}

#[test]
fn a_broken_instance_hides_no_other() {
    let server = NatsServer::start();
    let services = start_services(&server);
    services.spawn(answer_garbage(server.url()));
    wait_for_subscriptions(&server, 4);
    let run = natbus(&server, &["service", "ls"]);
    assert!(
        run.stderr
            .contains("ignoring an invalid answer on $SRV.PING"),
        "the broken answer is reported: {run:?}"
    );
    let out = run.ok();
    assert_eq!(
        out.lines().count(),
        4,
        "the three good instances are listed: {out}"
    );
}
