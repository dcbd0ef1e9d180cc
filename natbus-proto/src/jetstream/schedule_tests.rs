use super::*;

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

#[test]
fn header_values_match_the_adr() {
    assert_eq!(
        Schedule::At(at(1_257_894_000)).header_value(),
        "@at 2009-11-10T23:00:00Z"
    );
    let precise = SystemTime::UNIX_EPOCH + Duration::new(1_257_894_000, 250_000_000);
    assert_eq!(
        Schedule::At(precise).header_value(),
        "@at 2009-11-10T23:00:00.25Z"
    );
    let every = Schedule::every(Duration::from_secs(300)).expect("5m");
    assert_eq!(every.header_value(), "@every 300s");
    let odd = Schedule::every(Duration::from_millis(1500)).expect("1.5s");
    assert_eq!(odd.header_value(), "@every 1500000000ns");
    let cron = Schedule::cron("  0 30   2 * * mon-fri ").expect("six fields");
    assert_eq!(cron.header_value(), "0 30 2 * * mon-fri");
    assert_eq!(
        Schedule::cron("@hourly")
            .expect("predefined")
            .header_value(),
        "@hourly"
    );
}

#[test]
fn intervals_below_a_second_are_refused() {
    assert_eq!(
        Schedule::every(Duration::from_millis(999)),
        Err(ScheduleError::IntervalTooShort(Duration::from_millis(999)))
    );
    // Built directly, validate still catches it.
    let direct = MessageSchedule::new(Schedule::Every(Duration::ZERO), "t");
    assert!(matches!(
        direct.validate("s"),
        Err(ScheduleError::IntervalTooShort(_))
    ));
}

#[test]
fn cron_needs_six_fields_or_a_known_name() {
    for bad in [
        "* * * * *",
        "* * * * * * *",
        "",
        "@every5m",
        "@fortnightly",
        "0 0 0 1 1 $",
    ] {
        assert!(
            matches!(Schedule::cron(bad), Err(ScheduleError::InvalidCron { .. })),
            "{bad:?} accepted"
        );
    }
    for good in [
        "*/5 * * * * *",
        "0 0 8-17/2 ? jan-mar mon,wed",
        "@annually",
        "@midnight",
    ] {
        assert!(Schedule::cron(good).is_ok(), "{good:?} refused");
    }
}

#[test]
fn only_cron_takes_a_time_zone() {
    let tz = Schedule::cron("@daily")
        .and_then(|s| s.in_time_zone("Europe/Amsterdam"))
        .expect("cron in a zone");
    let schedule = MessageSchedule::new(tz, "reports");
    assert!(
        schedule
            .headers()
            .contains(&(NATS_SCHEDULE_TIME_ZONE, "Europe/Amsterdam".into()))
    );
    assert!(schedule.features().contains(&Feature::ScheduleTimeZone));
    assert!(Schedule::At(at(1)).in_time_zone("UTC").is_err());
    assert!(
        Schedule::every(MIN_INTERVAL)
            .and_then(|s| s.in_time_zone("UTC"))
            .is_err()
    );
    assert_eq!(
        Schedule::cron("@daily").and_then(|s| s.in_time_zone(" ")),
        Err(ScheduleError::EmptyTimeZone)
    );
}

#[test]
fn every_option_becomes_its_header() {
    let s = MessageSchedule::new(
        Schedule::every(Duration::from_secs(60)).expect("1m"),
        "sensors.sampled",
    )
    .ttl(Duration::from_millis(5_900))
    .source("sensors.raw")
    .rollup();
    assert_eq!(
        s.headers(),
        [
            (NATS_SCHEDULE, "@every 60s".to_owned()),
            (NATS_SCHEDULE_TARGET, "sensors.sampled".to_owned()),
            (NATS_SCHEDULE_TTL, "5s".to_owned()),
            (NATS_SCHEDULE_SOURCE, "sensors.raw".to_owned()),
            (NATS_SCHEDULE_ROLLUP, "sub".to_owned()),
        ]
    );
    assert_eq!(
        s.features(),
        [
            Feature::RepeatingSchedules,
            Feature::MessageTtl,
            Feature::ScheduleSource,
            Feature::ScheduleRollup
        ]
    );
    assert_eq!(
        MessageSchedule::new(Schedule::At(at(1)), "t").features(),
        [Feature::MessageSchedules]
    );
}

#[test]
fn validate_refuses_what_the_server_would() {
    let once = || MessageSchedule::new(Schedule::At(at(1)), "orders");
    assert_eq!(once().validate("sched.1"), Ok(()));
    assert!(matches!(
        once().validate("orders"),
        Err(ScheduleError::SameSubject("target", _))
    ));
    assert!(matches!(
        MessageSchedule::new(Schedule::At(at(1)), "orders.*").validate("sched.1"),
        Err(ScheduleError::InvalidSubject { role: "target", .. })
    ));
    assert!(matches!(
        once().validate("sched.>"),
        Err(ScheduleError::InvalidSubject {
            role: "schedule",
            ..
        })
    ));
    assert!(matches!(
        once().source("orders").validate("sched.1"),
        Err(ScheduleError::SameSubject("source", "its target"))
    ));
    assert!(matches!(
        once().source("sched.1").validate("sched.1"),
        Err(ScheduleError::SameSubject("source", "the schedule subject"))
    ));
    assert!(matches!(
        once().source("a b").validate("sched.1"),
        Err(ScheduleError::InvalidSubject { role: "source", .. })
    ));
    assert_eq!(
        once().ttl(Duration::from_millis(500)).validate("sched.1"),
        Err(ScheduleError::TtlTooShort(Duration::from_millis(500)))
    );
}
