use std::time::{Duration, SystemTime};

use super::*;

fn info(json: &str) -> ServerInfo {
    ServerInfo::parse(json.as_bytes()).expect("valid INFO")
}

const ALL: [Feature; 17] = [
    Feature::MessageTtl,
    Feature::SubjectDeleteMarkers,
    Feature::ConsumerPause,
    Feature::PriorityGroups,
    Feature::PrioritizedPolicy,
    Feature::DirectGetBatch,
    Feature::DirectGetMultiLast,
    Feature::MessageCounters,
    Feature::AtomicBatch,
    Feature::MessageSchedules,
    Feature::RepeatingSchedules,
    Feature::ScheduleTimeZone,
    Feature::ScheduleSource,
    Feature::ScheduleRollup,
    Feature::AsyncPersist,
    Feature::FastBatch,
    Feature::ConsumerReset,
];

#[test]
fn levels_follow_the_servers_table() {
    // nats-server's JSApiLevel: 1 in 2.11.0, 2 in 2.12.0, 4 in 2.14.0.
    assert_eq!(Feature::MessageTtl.api_level(), 1);
    assert_eq!(Feature::MessageCounters.api_level(), 2);
    assert_eq!(Feature::RepeatingSchedules.api_level(), 4);
    assert_eq!(Feature::FastBatch.api_level(), 4);
    for f in ALL {
        assert!(f.min_version() > ServerVersion::new(2, 10, 99), "{f}");
        assert!(f.api_level() >= 1, "{f}");
    }
}

#[test]
fn the_pinned_server_has_every_feature() {
    let server = ServerSupport::from_info(&info(r#"{"version":"2.15.1","api_lvl":5}"#));
    for f in ALL {
        assert_eq!(server.check(f), Ok(()), "{f}");
    }
}

#[test]
fn a_2_10_server_has_none_and_says_so() {
    let server = ServerSupport::from_info(&info(r#"{"version":"2.10.26"}"#));
    for f in ALL {
        let err = server
            .check(f)
            .expect_err("2.10 predates every feature here");
        assert_eq!(err.feature, f);
        assert_eq!(err.needs, f.min_version());
        assert_eq!(err.server, Some(ServerVersion::new(2, 10, 26)));
        let text = err.to_string();
        assert!(text.contains(&f.min_version().to_string()), "{text}");
        assert!(text.contains("2.10.26"), "{text}");
        assert!(text.starts_with(f.name()), "{text}");
    }
}

#[test]
fn boundaries_are_inclusive_and_pre_releases_count_as_their_release() {
    let at = |v: &str| ServerSupport::from_info(&info(&format!(r#"{{"version":"{v}"}}"#)));
    assert!(at("2.11.0").check(Feature::MessageTtl).is_ok());
    assert!(at("2.11.9").check(Feature::MessageCounters).is_err());
    assert!(at("2.12.0-RC.1").check(Feature::MessageSchedules).is_ok());
    assert!(at("2.12.9").check(Feature::RepeatingSchedules).is_err());
    assert!(at("2.14.0").check(Feature::ScheduleTimeZone).is_ok());
    assert!(at("2.15.0-dev").check(Feature::ConsumerReset).is_ok());
}

#[test]
fn the_version_decides_over_the_level() {
    // A 2.12.9 reports level 3, which is below 2.14's 4 either way; and a 2.11 server
    // reports no level in INFO at all, which must not count as level 0.
    let s = ServerSupport::from_info(&info(r#"{"version":"2.11.3"}"#));
    assert_eq!(s.api_level, None);
    assert!(s.check(Feature::ConsumerPause).is_ok());
}

#[test]
fn without_a_version_the_api_level_decides() {
    let hub_2_12 = ServerSupport::from_api_level(3);
    assert!(hub_2_12.check(Feature::MessageCounters).is_ok());
    let err = hub_2_12.check(Feature::FastBatch).expect_err("level 3 < 4");
    assert_eq!(err.server, None);
    assert_eq!(
        err.to_string(),
        "fast batch publishing needs nats-server 2.14.0 or newer (JetStream API level 4); the JetStream server's API level is 3"
    );
    // $JS.API.INFO of a 2.10 server has no level: 0.
    assert!(
        ServerSupport::from_api_level(0)
            .check(Feature::MessageTtl)
            .is_err()
    );
}

#[test]
fn an_unknown_server_is_not_refused() {
    let custom = ServerSupport::from_info(&info(r#"{"version":"custom-build"}"#));
    assert_eq!(custom, ServerSupport::default());
    assert!(custom.check(Feature::FastBatch).is_ok());
}

#[test]
fn a_header_refusal_names_no_version() {
    let err = ServerTooOld::refused_by_api_level(Feature::ConsumerReset);
    assert_eq!(
        err.to_string(),
        "consumer reset needs nats-server 2.14.0 or newer (JetStream API level 4); the JetStream server that answered is older"
    );
}

#[test]
fn required_level_is_the_highest() {
    assert_eq!(required_api_level([]), None);
    assert_eq!(
        required_api_level([
            Feature::MessageTtl,
            Feature::FastBatch,
            Feature::AtomicBatch
        ]),
        Some(4)
    );
}

#[test]
fn stream_features_name_each_new_option() {
    let mut c = StreamConfig::new("S");
    c.allow_msg_ttl = true;
    c.subject_delete_marker_ttl = Some(Duration::from_secs(5));
    c.allow_msg_schedules = true;
    c.allow_atomic = true;
    c.allow_batched = true;
    c.persist_mode = Some("async".into());
    assert_eq!(
        stream_features(&c),
        [
            Feature::MessageTtl,
            Feature::SubjectDeleteMarkers,
            Feature::AtomicBatch,
            Feature::FastBatch,
            Feature::MessageSchedules,
            Feature::AsyncPersist,
        ]
    );
    c.persist_mode = Some("default".into());
    assert!(!stream_features(&c).contains(&Feature::AsyncPersist));
}

#[test]
fn consumer_features_name_pause_and_priority_policies() {
    let mut c = ConsumerConfig::durable("d");
    assert!(consumer_features(&c).is_empty());
    c.pause_until = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(4_000_000_000));
    c.priority_policy = PriorityPolicy::PinnedClient;
    assert_eq!(
        consumer_features(&c),
        [Feature::ConsumerPause, Feature::PriorityGroups]
    );
    c.priority_policy = PriorityPolicy::Prioritized;
    assert_eq!(consumer_features(&c)[1], Feature::PrioritizedPolicy);
}

#[test]
fn check_all_names_the_feature_needing_the_newest_server() {
    let s = ServerSupport::from_info(&info(r#"{"version":"2.11.0"}"#));
    assert_eq!(s.check_all(&[]), Ok(()));
    assert_eq!(
        s.check_all(&[Feature::MessageTtl, Feature::ConsumerPause]),
        Ok(())
    );
    let err = s
        .check_all(&[
            Feature::MessageTtl,
            Feature::MessageSchedules,
            Feature::RepeatingSchedules,
            Feature::ScheduleRollup,
        ])
        .expect_err("2.11 lacks schedules");
    assert_eq!(err.feature, Feature::RepeatingSchedules);
}
