//! Tests of `StreamConfig`'s JSON: what is sent, and what the server's reply parses into.

use super::*;
use serde_json::{Value, json};

/// The config the server returned for `{"name":"ORDERS","subjects":["orders.>"]}`.
const CAPTURED: &str = r#"{"name":"ORDERS","subjects":["orders.\u003e"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"file","num_replicas":1,"duplicate_window":120000000000,"compression":"none","allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false,"consumer_limits":{},"allow_msg_ttl":false,"metadata":{"_nats.level":"5","_nats.req.level":"0","_nats.ver":"2.15.1"}}"#;

fn to_value<T: Serialize>(t: &T) -> Value {
    serde_json::to_value(t).expect("config serializes")
}

#[test]
fn minimal_config_sends_only_what_was_set() {
    let c = StreamConfig::new("ORDERS").subjects(["orders.>"]);
    assert_eq!(
        to_value(&c),
        json!({"name":"ORDERS","subjects":["orders.>"]})
    );
}

#[test]
fn set_fields_use_exact_json_names_and_strings() {
    let mut c = StreamConfig::new("S")
        .retention(RetentionPolicy::WorkQueue)
        .storage(StorageType::Memory)
        .max_age(Duration::from_secs(1))
        .replicas(3);
    c.discard = DiscardPolicy::New;
    c.compression = Compression::S2;
    c.allow_rollup_hdrs = true;
    c.max_msgs_per_subject = 5;
    c.consumer_limits.max_ack_pending = Some(10);
    c.mirror = Some(StreamSource::new("O"));
    c.metadata.insert("_nats.ver".into(), "2.15.1".into());
    c.metadata.insert("owner".into(), "me".into());
    assert_eq!(
        to_value(&c),
        json!({"name":"S","retention":"workqueue","storage":"memory","max_age":1_000_000_000u64,
               "num_replicas":3,"discard":"new","compression":"s2","allow_rollup_hdrs":true,
               "max_msgs_per_subject":5,"consumer_limits":{"max_ack_pending":10},
               "mirror":{"name":"O"},"metadata":{"owner":"me"}})
    );
}

#[test]
fn reserved_metadata_alone_is_not_sent() {
    let mut c = StreamConfig::new("S");
    c.metadata.insert("_nats.level".into(), "5".into());
    assert_eq!(to_value(&c), json!({"name":"S"}));
}

#[test]
fn parses_captured_server_config() {
    let c: StreamConfig = serde_json::from_str(CAPTURED).expect("captured config parses");
    assert_eq!(c.subjects, ["orders.>"]);
    assert_eq!(c.duplicate_window, Duration::from_secs(120));
    assert_eq!(c.num_replicas, 1);
    assert_eq!(
        c.metadata.get("_nats.ver").map(String::as_str),
        Some("2.15.1")
    );
    let sent = StreamConfig::new("ORDERS").subjects(["orders.>"]);
    assert!(sent.is_equivalent(&c));
    assert!(
        !sent
            .clone()
            .max_age(Duration::from_secs(60))
            .is_equivalent(&c)
    );
    let mut with_meta = sent;
    with_meta.metadata.insert("k".into(), "v".into());
    assert!(!with_meta.is_equivalent(&c));
}

#[test]
fn server_defaults() {
    let c = StreamConfig::new("S")
        .max_age(Duration::from_secs(30))
        .with_server_defaults();
    assert_eq!(c.subjects, ["S"]);
    assert_eq!(c.duplicate_window, Duration::from_secs(30));
    assert_eq!(c.num_replicas, 1);
    let mut m = StreamConfig::new("M");
    m.mirror = Some(StreamSource::new("S"));
    assert!(m.with_server_defaults().subjects.is_empty());
}

#[test]
fn create_request_adds_pedantic() {
    let c = StreamConfig::new("S");
    let r = StreamCreateRequest {
        config: &c,
        pedantic: true,
    };
    assert_eq!(to_value(&r), json!({"name":"S","pedantic":true}));
    let r = StreamCreateRequest {
        config: &c,
        pedantic: false,
    };
    assert_eq!(to_value(&r), json!({"name":"S"}));
}

#[test]
fn sources_with_time_and_transforms_round_trip() {
    let json = r#"{"name":"A","sources":[{"name":"B","opt_start_time":"2025-03-01T09:15:02Z","subject_transforms":[{"src":"a.>","dest":"b.>"}],"external":{"api":"$JS.hub.API"}}],"placement":{"cluster":"c","tags":null}}"#;
    let c: StreamConfig = serde_json::from_str(json).expect("parses");
    assert_eq!(c.sources[0].subject_transforms[0].dest, "b.>");
    assert!(c.sources[0].opt_start_time.is_some());
    let back: StreamConfig = serde_json::from_value(to_value(&c)).expect("own output parses");
    assert_eq!(back, c);
}
