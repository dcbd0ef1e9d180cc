//! Services answer `$SRV.PING|INFO|STATS` (all / by name / by id) with the ADR-32 schemas,
//! count requests and errors, and reset.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use natbus::service::{
    Endpoint, Handler, InfoResponse, PingResponse, Service, ServiceError, StatsResponse,
};
use natbus::{Client, Runtime};
use natbus_tests::NatsServer;

use super::service::{Greet, Greeting, greeter};
use super::{WAIT, connect, options, sleep, wait_until, within};

/// Sends one discovery request and collects `n` replies.
async fn collect(rt: &Arc<dyn Runtime>, client: &Client, subject: &str, n: usize) -> Vec<Vec<u8>> {
    let inbox = client.new_inbox();
    let mut sub = client.subscribe(&inbox).await.expect("subscribe inbox");
    client
        .publish_with_reply(subject, &inbox, "")
        .await
        .expect("publish");
    let mut replies = Vec::new();
    while replies.len() < n {
        let msg = within(rt, WAIT, subject, sub.next()).await.expect("open");
        assert!(msg.headers.is_none(), "discovery replies carry no headers");
        replies.push(msg.payload.to_vec());
    }
    // No extra replies arrive.
    sleep(rt, Duration::from_millis(100)).await;
    assert_eq!(
        sub.try_next().map(|m| m.payload),
        None,
        "more than {n} replies to {subject}"
    );
    replies
}

async fn billing(client: &Client) -> Service {
    client
        .service_builder()
        .name("billing")
        .version("1.4.0")
        .description("Invoices and charges")
        .metadata("region", "eu")
        .add_endpoint(
            Endpoint::new(
                "charge",
                Handler::typed(|amount: i64| async move {
                    if amount <= 0 {
                        return Err(ServiceError::new(400, "amount must be positive"));
                    }
                    Ok(amount)
                }),
            )
            .group("v1.billing")
            .metadata("k", "v"),
        )
        .add_endpoint(
            Endpoint::new(
                "custom",
                Handler::raw(|_| async { Ok::<_, ServiceError>("ok".into()) }),
            )
            .subject("billing.custom.>")
            .queue_group("workers"),
        )
        .start()
        .await
        .expect("start billing")
}

pub async fn service_discovery_ping_info_stats(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let service = billing(&client).await;
    let other = greeter(&client).await;
    let id = service.id().to_owned();
    assert_eq!(id.len(), 22, "a NUID");

    // PING: all services, by name, by id.
    let all: Vec<PingResponse> = collect(&rt, &client, "$SRV.PING", 2)
        .await
        .iter()
        .map(|b| serde_json::from_slice(b).expect("a ping response"))
        .collect();
    let names: BTreeSet<_> = all.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["billing", "greeter"]));
    assert!(all.iter().any(|p| p.id == other.id()));
    let by_name: PingResponse =
        serde_json::from_slice(&collect(&rt, &client, "$SRV.PING.billing", 1).await[0])
            .expect("ping");
    assert_eq!(
        (by_name.id.as_str(), by_name.version.as_str()),
        (id.as_str(), "1.4.0")
    );
    assert_eq!(
        by_name.metadata.get("region").map(String::as_str),
        Some("eu")
    );
    let by_id = collect(&rt, &client, &format!("$SRV.PING.billing.{id}"), 1).await;
    let raw: serde_json::Value = serde_json::from_slice(&by_id[0]).expect("JSON");
    assert_eq!(raw["type"], "io.nats.micro.v1.ping_response");
    let wrong_case = client.request("$SRV.PING.BILLING", "").await;
    assert!(
        matches!(wrong_case, Err(natbus::RequestError::NoResponders { .. })),
        "names are case-sensitive: {wrong_case:?}"
    );

    // INFO.
    let info: InfoResponse =
        serde_json::from_slice(&collect(&rt, &client, "$SRV.INFO.billing", 1).await[0])
            .expect("info");
    assert_eq!(info.description, "Invoices and charges");
    let endpoints: Vec<_> = info
        .endpoints
        .iter()
        .map(|e| (e.name.as_str(), e.subject.as_str(), e.queue_group.as_str()))
        .collect();
    assert_eq!(
        endpoints,
        vec![
            ("charge", "v1.billing.charge", "q"),
            ("custom", "billing.custom.>", "workers")
        ]
    );
    assert_eq!(
        info.endpoints[0].metadata.get("k").map(String::as_str),
        Some("v")
    );
    assert_eq!(info, service.info());

    // STATS count requests and errors.
    for amount in [5, 7, -1, 3] {
        let _ = client.call::<_, i64>("v1.billing.charge", &amount).await;
    }
    let _ = client
        .call::<_, Greeting>("v1.greeter.greet", &Greet { name: "x".into() })
        .await;
    let stats_subject = format!("$SRV.STATS.billing.{id}");
    let stats: StatsResponse =
        serde_json::from_slice(&collect(&rt, &client, &stats_subject, 1).await[0]).expect("stats");
    let charge = &stats.endpoints[0];
    assert_eq!((charge.num_requests, charge.num_errors), (4, 1));
    assert_eq!(charge.last_error, "400:amount must be positive");
    assert!(charge.processing_time > Duration::ZERO);
    assert_eq!(charge.average_processing_time, charge.processing_time / 4);
    assert_eq!(stats.endpoints[1].num_requests, 0);
    let all_stats = collect(&rt, &client, "$SRV.STATS", 2).await;
    assert_eq!(all_stats.len(), 2);
}

pub async fn service_reset_zeroes_stats(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let service = billing(&client).await;
    let before = service.stats().started;
    for amount in [1, -1] {
        let _ = client.call::<_, i64>("v1.billing.charge", &amount).await;
    }
    let stats = service.stats();
    assert_eq!(
        (
            stats.endpoints[0].num_requests,
            stats.endpoints[0].num_errors
        ),
        (2, 1)
    );
    // `started` must visibly move forward.
    wait_until(&rt, "the clock to pass the start time", || {
        SystemTime::now() > before
    })
    .await;
    service.reset();
    let stats: StatsResponse =
        serde_json::from_slice(&collect(&rt, &client, "$SRV.STATS.billing", 1).await[0])
            .expect("stats");
    let charge = &stats.endpoints[0];
    assert_eq!((charge.num_requests, charge.num_errors), (0, 0));
    assert_eq!(charge.last_error, "");
    assert_eq!(charge.processing_time, Duration::ZERO);
    assert!(stats.started > before && stats.started <= SystemTime::now());
}
