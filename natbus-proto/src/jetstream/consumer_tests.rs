//! Tests of `ConsumerConfig`: its JSON, its validation and the create request.

use super::*;
use crate::time::UNIX_EPOCH;
use serde_json::{Value, json};

fn to_value<T: Serialize>(t: &T) -> Value {
    serde_json::to_value(t).expect("serializes")
}

#[test]
fn minimal_durable_sends_only_required_fields() {
    let c = ConsumerConfig::durable("worker");
    assert_eq!(
        to_value(&c),
        json!({"durable_name":"worker","deliver_policy":"all","ack_policy":"explicit","replay_policy":"instant"})
    );
}

#[test]
fn deliver_policy_forms() {
    let c = ConsumerConfig::ephemeral("e")
        .deliver(DeliverPolicy::ByStartSequence(42))
        .ack(AckPolicy::None);
    assert_eq!(
        to_value(&c),
        json!({"name":"e","deliver_policy":"by_start_sequence","opt_start_seq":42,"ack_policy":"none","replay_policy":"instant"})
    );
    let t = UNIX_EPOCH + Duration::from_secs(1_740_820_502);
    let c = ConsumerConfig::default().deliver(DeliverPolicy::ByStartTime(t));
    let v = to_value(&c);
    assert_eq!(v["deliver_policy"], "by_start_time");
    assert_eq!(v["opt_start_time"], "2025-03-01T09:15:02Z");
    let back: ConsumerConfig = serde_json::from_value(v).expect("round trip");
    assert_eq!(back.deliver_policy, DeliverPolicy::ByStartTime(t));
    for (p, s) in [
        (DeliverPolicy::Last, "last"),
        (DeliverPolicy::New, "new"),
        (DeliverPolicy::LastPerSubject, "last_per_subject"),
    ] {
        let v = to_value(&ConsumerConfig::default().deliver(p));
        assert_eq!(v["deliver_policy"], s);
        let back: ConsumerConfig = serde_json::from_value(v).expect("round trip");
        assert_eq!(back.deliver_policy, p);
    }
    assert!(
        serde_json::from_str::<ConsumerConfig>(r#"{"deliver_policy":"by_start_sequence"}"#)
            .is_err()
    );
    assert!(serde_json::from_str::<ConsumerConfig>(r#"{"deliver_policy":"sometimes"}"#).is_err());
}

#[test]
fn parses_captured_server_defaults() {
    let json = r#"{"durable_name":"worker","name":"worker","deliver_policy":"all","ack_policy":"explicit",
 "ack_wait":30000000000,"max_deliver":-1,"replay_policy":"instant","max_waiting":512,
 "max_ack_pending":1000,"num_replicas":0,"metadata":{"_nats.level":"5","_nats.req.level":"0","_nats.ver":"2.15.1"}}"#;
    let c: ConsumerConfig = serde_json::from_str(json).expect("captured config parses");
    assert_eq!(c.ack_wait, Some(Duration::from_secs(30)));
    assert_eq!(c.max_deliver, Some(-1));
    assert_eq!(c.max_waiting, Some(512));
    assert_eq!(c.max_ack_pending, Some(1000));
    assert_eq!(c.deliver_policy, DeliverPolicy::All);
    assert_eq!(c.ack_policy, AckPolicy::Explicit);
    let v = to_value(&c);
    assert!(
        v.get("metadata").is_none(),
        "reserved metadata must not be sent back"
    );
    let eph: ConsumerConfig =
        serde_json::from_str(r#"{"name":"e","deliver_policy":"all","ack_policy":"none","replay_policy":"instant","inactive_threshold":5000000000}"#)
            .expect("parses");
    assert_eq!(eph.inactive_threshold, Some(Duration::from_secs(5)));
    assert_eq!(eph.ack_policy, AckPolicy::None);
    let bare: ConsumerConfig = serde_json::from_str("{}").expect("parses");
    assert_eq!(
        bare.ack_policy,
        AckPolicy::None,
        "a missing ack_policy means none on the wire"
    );
}

#[test]
fn push_fields_and_backoff() {
    let mut c = ConsumerConfig::durable("p").push("push.deliver");
    c.flow_control = true;
    c.idle_heartbeat = Some(Duration::from_millis(500));
    c.backoff = vec![Duration::from_secs(1), Duration::from_secs(5)];
    c.max_deliver = Some(3);
    let v = to_value(&c);
    assert_eq!(v["deliver_subject"], "push.deliver");
    assert_eq!(v["idle_heartbeat"], 500_000_000);
    assert_eq!(v["backoff"], json!([1_000_000_000u64, 5_000_000_000u64]));
    assert_eq!(v["flow_control"], true);
    assert_eq!(c.validate(), Ok(()));
    let back: ConsumerConfig = serde_json::from_value(v).expect("round trip");
    assert_eq!(back, c);
}

#[test]
fn validation() {
    let mut c = ConsumerConfig::durable("a");
    c.name = Some("b".into());
    assert!(matches!(
        c.validate(),
        Err(ConsumerConfigError::NameMismatch { .. })
    ));
    let mut c = ConsumerConfig::durable("a").filter("x");
    c.filter_subjects = vec!["y".into()];
    assert_eq!(c.validate(), Err(ConsumerConfigError::BothFilters));
    let mut c = ConsumerConfig::durable("a");
    c.idle_heartbeat = Some(Duration::from_secs(1));
    assert_eq!(
        c.validate(),
        Err(ConsumerConfigError::PushOnly("idle_heartbeat"))
    );
    let mut c = ConsumerConfig::durable("a").push("d");
    c.flow_control = true;
    assert_eq!(
        c.validate(),
        Err(ConsumerConfigError::FlowControlWithoutHeartbeat)
    );
    let mut c = ConsumerConfig::durable("a").push("d");
    c.max_waiting = Some(1);
    assert_eq!(
        c.validate(),
        Err(ConsumerConfigError::PullOnly("max_waiting"))
    );
    let mut c = ConsumerConfig::durable("a");
    c.max_deliver = Some(1);
    c.backoff = vec![Duration::from_secs(1); 2];
    assert_eq!(c.validate(), Err(ConsumerConfigError::BackoffTooLong));
    assert!(matches!(
        ConsumerConfig::durable("a.b").validate(),
        Err(ConsumerConfigError::Name(_))
    ));
}

#[test]
fn create_subject_and_request() -> Result<(), InvalidName> {
    let p = ApiPrefix::new();
    assert_eq!(
        ConsumerConfig::durable("d").create_subject(&p, "S")?,
        "$JS.API.CONSUMER.CREATE.S.d"
    );
    assert_eq!(
        ConsumerConfig::ephemeral("e")
            .filter("orders.*")
            .create_subject(&p, "S")?,
        "$JS.API.CONSUMER.CREATE.S.e.orders.*"
    );
    assert_eq!(
        ConsumerConfig::default().create_subject(&p, "S")?,
        "$JS.API.CONSUMER.CREATE.S"
    );
    let mut req = CreateConsumerRequest {
        stream_name: "S".into(),
        config: ConsumerConfig::durable("d"),
        action: CreateAction::default(),
    };
    assert_eq!(to_value(&req)["action"], "");
    req.action = CreateAction::Create;
    assert_eq!(to_value(&req)["action"], "create");
    req.action = CreateAction::Update;
    let v = to_value(&req);
    assert_eq!(v["action"], "update");
    assert_eq!(v["stream_name"], "S");
    assert_eq!(v["config"]["durable_name"], "d");
    Ok(())
}

#[test]
fn priority_groups_are_checked_and_sent() {
    let pinned = ConsumerConfig::durable("w")
        .ack(AckPolicy::Explicit)
        .priority(PriorityPolicy::PinnedClient, ["jobs"])
        .priority_timeout(Duration::from_secs(2));
    assert_eq!(pinned.validate(), Ok(()));
    let v = to_value(&pinned);
    assert_eq!(v["priority_policy"], "pinned_client");
    assert_eq!(v["priority_groups"], json!(["jobs"]));
    assert_eq!(v["priority_timeout"], 2_000_000_000u64);
    assert!(
        to_value(&ConsumerConfig::durable("w"))
            .get("priority_policy")
            .is_none()
    );
    let prio = ConsumerConfig::durable("w").priority(PriorityPolicy::Prioritized, ["g"]);
    assert_eq!(to_value(&prio)["priority_policy"], "prioritized");

    let e = |c: ConsumerConfig| c.validate().expect_err("refused");
    assert_eq!(
        e(ConsumerConfig::durable("w").priority(PriorityPolicy::Overflow, Vec::<String>::new())),
        ConsumerConfigError::Priority(PriorityError::PolicyWithoutGroups)
    );
    assert_eq!(
        e(ConsumerConfig::durable("w").priority(PriorityPolicy::None, ["g"])),
        ConsumerConfigError::Priority(PriorityError::PolicyWithoutGroups)
    );
    assert_eq!(
        e(ConsumerConfig::durable("w").priority_timeout(Duration::from_secs(1))),
        ConsumerConfigError::Priority(PriorityError::TimeoutWithoutPolicy)
    );
    assert_eq!(
        e(ConsumerConfig::durable("w").priority(PriorityPolicy::Overflow, ["no spaces"])),
        ConsumerConfigError::Priority(PriorityError::GroupName("no spaces".into()))
    );
    assert_eq!(
        e(ConsumerConfig::durable("w")
            .push("deliver.w")
            .priority(PriorityPolicy::Overflow, ["g"])),
        ConsumerConfigError::PullOnly("priority_policy")
    );
    let back: ConsumerConfig = serde_json::from_value(v).expect("parses");
    assert_eq!(back.priority_policy, PriorityPolicy::PinnedClient);
    assert_eq!(back.priority_timeout, Some(Duration::from_secs(2)));
}
