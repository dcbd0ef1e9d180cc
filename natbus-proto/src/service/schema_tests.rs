//! Tests of the discovery schemas against the payloads captured in the reference.

use super::*;
use crate::service::{QueueGroup, ServiceConfig};
use crate::time::UNIX_EPOCH;
use serde_json::json;

const GO_PING: &str = r#"{"type":"io.nats.micro.v1.ping_response","name":"billing","id":"K8nJ3xQ0pW2vYt6RbL9sDa","version":"1.4.0","metadata":{}}"#;

const GO_INFO: &str = r#"{"type":"io.nats.micro.v1.info_response","name":"billing","id":"K8nJ3xQ0pW2vYt6RbL9sDa",
 "version":"1.4.0","metadata":{"region":"eu"},"description":"Invoices and charges",
 "endpoints":[{"name":"charge","subject":"v1.billing.charge","queue_group":"q","metadata":{}}]}"#;

const GO_STATS: &str = r#"{"type":"io.nats.micro.v1.stats_response","name":"billing","id":"K8nJ3xQ0pW2vYt6RbL9sDa",
 "version":"1.4.0","metadata":{},"started":"2025-03-01T09:15:02.1234Z",
 "endpoints":[{"name":"charge","subject":"v1.billing.charge","queue_group":"q",
   "num_requests":12,"num_errors":1,"last_error":"400:amount must be positive",
   "processing_time":5400000,"average_processing_time":450000}]}"#;

const PY_PING: &str = r#"{"type": "io.nats.micro.v1.ping_response", "id": "rrAuDmUMTF7nUDzB6nkcBz", "name": "billing", "version": "1.4.0", "metadata": {"region": "eu"}}"#;

const PY_INFO: &str = r#"{"type": "io.nats.micro.v1.info_response", "id": "rrAuDmUMTF7nUDzB6nkcBz", "name": "billing", "version": "1.4.0",
  "description": "Invoices and charges", "endpoints": [{"name": "charge", "subject": "v1.billing.charge", "queue_group": "q", "metadata": {"k": "v"}},
  {"name": "custom", "subject": "billing.custom.>", "queue_group": "workers", "metadata": null}], "metadata": {"region": "eu"}}"#;

const PY_STATS: &str = r#"{"type": "io.nats.micro.v1.stats_response", "name": "billing", "id": "rrAuDmUMTF7nUDzB6nkcBz", "version": "1.4.0",
  "started": "2026-11-25T14:03:15.912Z", "endpoints": [{"name": "charge", "subject": "v1.billing.charge", "queue_group": "q",
  "num_requests": 4, "num_errors": 2, "last_error": "ValueError('boom')", "processing_time": 299078,
  "average_processing_time": 74769, "data": null}], "metadata": {"region": "eu"}}"#;

fn config() -> ServiceConfig {
    ServiceConfig::new("billing", "1.4.0")
        .description("Invoices and charges")
        .metadata("region", "eu")
}

fn metadata(pairs: &[(&str, &str)]) -> Metadata {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn go_payloads_parse() {
    let ping: PingResponse = serde_json::from_str(GO_PING).expect("captured PING parses");
    assert_eq!(
        (ping.name.as_str(), ping.id.as_str(), ping.version.as_str()),
        ("billing", "K8nJ3xQ0pW2vYt6RbL9sDa", "1.4.0")
    );
    assert!(ping.metadata.is_empty());

    let info: InfoResponse = serde_json::from_str(GO_INFO).expect("captured INFO parses");
    assert_eq!(info.description, "Invoices and charges");
    assert_eq!(info.metadata, metadata(&[("region", "eu")]));
    assert_eq!(
        info.endpoints,
        vec![EndpointInfo::new(
            "charge",
            "v1.billing.charge",
            Some("q"),
            Metadata::new()
        )]
    );

    let stats: StatsResponse = serde_json::from_str(GO_STATS).expect("captured STATS parses");
    assert_eq!(
        stats.started,
        UNIX_EPOCH + Duration::new(1_740_820_502, 123_400_000)
    );
    let ep = &stats.endpoints[0];
    assert_eq!((ep.num_requests, ep.num_errors), (12, 1));
    assert_eq!(ep.last_error, "400:amount must be positive");
    assert_eq!(ep.processing_time, Duration::from_nanos(5_400_000));
    assert_eq!(ep.average_processing_time, Duration::from_nanos(450_000));
    assert_eq!(ep.data, None);
}

#[test]
fn nats_py_payloads_parse() {
    let ping: PingResponse = serde_json::from_str(PY_PING).expect("captured PING parses");
    assert_eq!(ping.id, "rrAuDmUMTF7nUDzB6nkcBz");
    assert_eq!(ping.metadata, metadata(&[("region", "eu")]));

    let info: InfoResponse = serde_json::from_str(PY_INFO).expect("captured INFO parses");
    assert_eq!(info.endpoints.len(), 2);
    assert_eq!(info.endpoints[0].metadata, metadata(&[("k", "v")]));
    assert_eq!(info.endpoints[1].subject, "billing.custom.>");
    assert_eq!(info.endpoints[1].queue_group(), Some("workers"));
    assert!(
        info.endpoints[1].metadata.is_empty(),
        "null metadata reads as empty"
    );

    let stats: StatsResponse = serde_json::from_str(PY_STATS).expect("captured STATS parses");
    assert_eq!(
        stats.started,
        UNIX_EPOCH + Duration::new(1_795_615_395, 912_000_000)
    );
    assert_eq!(stats.endpoints[0].last_error, "ValueError('boom')");
    assert_eq!(stats.endpoints[0].data, None, "data: null reads as absent");
    assert_eq!(
        stats.endpoints[0].average_processing_time,
        Duration::from_nanos(74_769)
    );
}

#[test]
fn lenient_fields() {
    let info: InfoResponse = serde_json::from_value(json!({
        "type": INFO_RESPONSE_TYPE, "name": "a", "id": "b", "version": "1.0.0",
        "metadata": null, "description": null, "endpoints": null
    }))
    .expect("nulls are accepted");
    assert!(info.metadata.is_empty() && info.description.is_empty() && info.endpoints.is_empty());

    // async-nats leaves metadata out of STATS.
    let stats: StatsResponse = serde_json::from_value(json!({
        "type": STATS_RESPONSE_TYPE, "name": "a", "id": "b", "version": "1.0.0",
        "started": "2025-03-01T09:15:02Z",
        "endpoints": [{"name": "e", "subject": "e", "queue_group": "q", "num_requests": 0,
            "num_errors": 0, "last_error": "", "processing_time": 0,
            "average_processing_time": 0, "data": {"hits": 3}}]
    }))
    .expect("missing metadata is accepted");
    assert!(stats.metadata.is_empty());
    assert_eq!(stats.endpoints[0].data, Some(json!({"hits": 3})));
}

#[test]
fn started_precisions() {
    let base = UNIX_EPOCH + Duration::from_secs(1_740_820_502);
    for (text, nanos) in [
        ("2025-03-01T09:15:02Z", 0),
        ("2025-03-01T09:15:02.9Z", 900_000_000),
        ("2025-03-01T09:15:02.912Z", 912_000_000),
        ("2025-03-01T09:15:02.123456Z", 123_456_000),
        ("2025-03-01T09:15:02.123456789Z", 123_456_789),
    ] {
        let body = json!({"type": STATS_RESPONSE_TYPE, "name": "a", "id": "b",
            "version": "1.0.0", "metadata": {}, "started": text, "endpoints": []});
        let stats: StatsResponse = serde_json::from_value(body).expect("any precision parses");
        assert_eq!(stats.started, base + Duration::from_nanos(nanos), "{text}");
    }
}

#[test]
fn wrong_type_is_rejected() {
    assert!(serde_json::from_str::<InfoResponse>(GO_PING).is_err());
    assert!(serde_json::from_str::<PingResponse>(GO_STATS).is_err());
    let no_type = r#"{"name":"a","id":"b","version":"1.0.0","metadata":{}}"#;
    assert!(serde_json::from_str::<PingResponse>(no_type).is_err());
}

#[test]
fn serializes_exact_fields() {
    let ping: Value = serde_json::from_slice(&PingResponse::new(&config(), "ID").to_json())
        .expect("our output is JSON");
    assert_eq!(
        ping,
        json!({"type": "io.nats.micro.v1.ping_response", "name": "billing", "id": "ID",
            "version": "1.4.0", "metadata": {"region": "eu"}})
    );

    let bare = ServiceConfig::new("x", "0.1.0").queue_group(QueueGroup::Disabled);
    let endpoint = EndpointInfo::new("e", "g.e", None, Metadata::new());
    let info: Value =
        serde_json::from_slice(&InfoResponse::new(&bare, "ID", vec![endpoint]).to_json())
            .expect("our output is JSON");
    assert_eq!(
        info,
        json!({"type": "io.nats.micro.v1.info_response", "name": "x", "id": "ID",
            "version": "0.1.0", "metadata": {}, "description": "",
            "endpoints": [{"name": "e", "subject": "g.e", "queue_group": "", "metadata": {}}]})
    );

    let started = UNIX_EPOCH + Duration::new(1_740_820_502, 123_400_000);
    let ep = EndpointStats {
        name: "charge".into(),
        subject: "v1.billing.charge".into(),
        queue_group: "q".into(),
        num_requests: 12,
        num_errors: 1,
        last_error: "400:amount must be positive".into(),
        processing_time: Duration::from_nanos(5_400_000),
        average_processing_time: Duration::from_nanos(450_000),
        data: None,
    };
    let with_data = EndpointStats {
        data: Some(json!([1])),
        ..ep.clone()
    };
    let stats = StatsResponse::new(&bare, "ID", started, vec![ep, with_data]);
    let stats: Value = serde_json::from_slice(&stats.to_json()).expect("our output is JSON");
    let ep_json = json!({"name": "charge", "subject": "v1.billing.charge", "queue_group": "q",
        "num_requests": 12, "num_errors": 1, "last_error": "400:amount must be positive",
        "processing_time": 5_400_000, "average_processing_time": 450_000});
    let mut ep_data_json = ep_json.clone();
    ep_data_json["data"] = json!([1]);
    assert_eq!(
        stats,
        json!({"type": "io.nats.micro.v1.stats_response", "name": "x", "id": "ID",
            "version": "0.1.0", "metadata": {}, "started": "2025-03-01T09:15:02.1234Z",
            "endpoints": [ep_json, ep_data_json]})
    );
}

mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn stats_round_trip(
            secs in 0u64..253_402_300_799,
            nanos in 0u32..1_000_000_000,
            requests in any::<u32>(),
            errors in any::<u32>(),
            total in 0u64..i64::MAX as u64,
            last_error in "\\PC{0,20}",
        ) {
            let started = UNIX_EPOCH + Duration::new(secs, nanos);
            let ep = EndpointStats {
                name: "e".into(),
                subject: "e".into(),
                queue_group: String::new(),
                num_requests: u64::from(requests),
                num_errors: u64::from(errors),
                last_error,
                processing_time: Duration::from_nanos(total),
                average_processing_time: Duration::from_nanos(total / u64::from(requests.max(1))),
                data: None,
            };
            let stats = StatsResponse::new(&config(), "ID", started, vec![ep]);
            let back: StatsResponse =
                serde_json::from_slice(&stats.to_json()).expect("our output parses");
            prop_assert_eq!(back, stats);
        }
    }
}
