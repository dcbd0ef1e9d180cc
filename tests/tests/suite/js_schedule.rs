//! Message schedules (ADR-51): schedules are published, and their messages are observed
//! arriving on the target subject. On servers before 2.12 (or 2.14 for the repeating
//! kinds) the same calls must fail at once with `ServerTooOld`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use natbus::Runtime;
use natbus::jetstream::{
    DeliverPolicy, Feature, JetStream, JetStreamError, JsMessage, MessageSchedule, OrderedMessages,
    OrderedOptions, Schedule, ServerVersion, StreamConfig,
};
use natbus::proto::jetstream::schedule::{
    NATS_SCHEDULE_NEXT, NATS_SCHEDULER, SCHEDULE_NEXT_PURGE, SCHEDULES_DISABLED,
};
use natbus_tests::NatsServer;

use super::js_server_version::{assert_too_old, running_version};
use super::js_support::{api_code, js_for};
use super::{WAIT, sleep, within};

const V2_12: ServerVersion = ServerVersion::new(2, 12, 0);
const V2_14: ServerVersion = ServerVersion::new(2, 14, 0);

/// The stream `SCHED` capturing schedules (`sched.>`) and their targets (`out.>`,
/// `in.>`), with schedules and per-message TTLs on.
fn schedule_stream() -> StreamConfig {
    let mut config = StreamConfig::new("SCHED").subjects(["sched.>", "out.>", "in.>"]);
    config.allow_msg_schedules = true;
    config.allow_msg_ttl = true;
    config
}

/// Messages stored on `subject` from now on.
async fn watch(js: &JetStream, subject: &str) -> OrderedMessages {
    js.ordered_consumer(
        "SCHED",
        OrderedOptions::default()
            .filter(subject)
            .deliver(DeliverPolicy::New),
    )
    .await
    .expect("ordered consumer")
}

/// The next message of `watch`, within [`WAIT`].
async fn next(rt: &Arc<dyn Runtime>, watch: &mut OrderedMessages, what: &str) -> JsMessage {
    within(rt, WAIT, what, watch.next())
        .await
        .expect("the consumer ended")
        .expect("a message")
}

pub async fn js_schedule_at_delivers_once_on_the_target(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let version = running_version(&server);
    let js = js_for(&rt, &server).await;
    let at = SystemTime::now() + Duration::from_secs(1);
    let schedule = MessageSchedule::new(Schedule::At(at), "out.reminder");
    if version < V2_12 {
        assert_too_old(
            js.create_stream(schedule_stream()).await,
            Feature::MessageSchedules,
            Some(version),
        );
        assert_too_old(
            js.publish_schedule("sched.once", &schedule, "ping").await,
            Feature::MessageSchedules,
            Some(version),
        );
        return;
    }
    let stream = js.create_stream(schedule_stream()).await.expect("stream");
    assert!(stream.cached_info().config.allow_msg_schedules);
    let mut out = watch(&js, "out.reminder").await;
    let ack = js
        .publish_schedule("sched.once", &schedule, "ping")
        .await
        .expect("schedule stored");
    assert_eq!(ack.stream, "SCHED");

    let msg = next(&rt, &mut out, "the scheduled message").await;
    assert!(
        SystemTime::now() + Duration::from_millis(100) >= at,
        "delivered before its time"
    );
    assert_eq!(msg.payload(), b"ping");
    assert_eq!(msg.header(NATS_SCHEDULER), Some("sched.once"));
    assert_eq!(msg.header(NATS_SCHEDULE_NEXT), Some(SCHEDULE_NEXT_PURGE));
    // One-shot: the schedule itself is gone once it fired; only the produced one is left.
    within(&rt, WAIT, "the fired schedule to be purged", async {
        while js.stream_info("SCHED").await.expect("info").state.messages != 1 {
            sleep(&rt, Duration::from_millis(20)).await;
        }
    })
    .await;

    // A stream without schedules refuses them (rather than storing a dead message).
    js.create_stream(StreamConfig::new("PLAIN").subjects(["plain.>"]))
        .await
        .expect("plain stream");
    let target = MessageSchedule::new(Schedule::At(at), "plain.out");
    assert_eq!(
        api_code(js.publish_schedule("plain.sched", &target, "x").await),
        SCHEDULES_DISABLED
    );
}

pub async fn js_schedule_every_repeats_with_ttl_until_purged(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let version = running_version(&server);
    let js = js_for(&rt, &server).await;
    let every = MessageSchedule::new(
        Schedule::every(Duration::from_secs(1)).expect("1 s"),
        "out.tick",
    )
    .ttl(Duration::from_secs(30));
    if version < V2_12 {
        return assert_too_old(
            js.publish_schedule("sched.tick", &every, "tick").await,
            Feature::RepeatingSchedules,
            Some(version),
        );
    }
    let stream = js.create_stream(schedule_stream()).await.expect("stream");
    if version < V2_14 {
        return assert_too_old(
            js.publish_schedule("sched.tick", &every, "tick").await,
            Feature::RepeatingSchedules,
            Some(version),
        );
    }
    let mut out = watch(&js, "out.tick").await;
    js.publish_schedule("sched.tick", &every, "tick")
        .await
        .expect("schedule stored");
    let first = next(&rt, &mut out, "the first tick").await;
    let second = next(&rt, &mut out, "the second tick").await;
    for tick in [&first, &second] {
        assert_eq!(tick.payload(), b"tick");
        assert_eq!(tick.header("Nats-TTL"), Some("30s"));
        let upcoming = tick.header(NATS_SCHEDULE_NEXT).expect("next firing time");
        natbus::proto::time::parse_rfc3339(upcoming).expect("an RFC 3339 time");
    }
    let (t1, t2) = (
        first.metadata().expect("meta").timestamp,
        second.metadata().expect("meta").timestamp,
    );
    let gap = t2.duration_since(t1).expect("in order");
    assert!(
        gap >= Duration::from_millis(500),
        "ticks 1 s apart, got {gap:?}"
    );
    // Purging the schedule subject stops it: a tick already on its way may still come in,
    // but a schedule still firing every second would bring at least two in 2.5 s. (Proving
    // an absence needs a window; load can only make it pass, never fail falsely.)
    assert_eq!(stream.purge_subject("sched.tick").await.expect("purge"), 1);
    let after = drain_for(&rt, &mut out, Duration::from_millis(2_500)).await;
    assert!(after <= 1, "the purged schedule still fires: {after} ticks");
}

/// Takes what arrives on `watch` for `d` (a tick may have fired while the purge was on
/// its way), returning how many.
async fn drain_for(rt: &Arc<dyn Runtime>, watch: &mut OrderedMessages, d: Duration) -> usize {
    let mut n = 0;
    let deadline = std::time::Instant::now() + d;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return n;
        }
        let quiet = Box::pin(sleep(rt, left));
        match futures::future::select(Box::pin(watch.next()), quiet).await {
            futures::future::Either::Left(_) => n += 1,
            futures::future::Either::Right(_) => return n,
        }
    }
}

pub async fn js_schedule_cron_in_a_time_zone_samples_a_source_with_rollup(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let version = running_version(&server);
    let js = js_for(&rt, &server).await;
    // Every second, but only in this hour and the next of UTC+14 (Etc/GMT-14): hours that
    // are 14 and 15 hours away from UTC's, so it can only fire if the zone is applied.
    let utc_hour = (SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        / 3600)
        % 24;
    let (h1, h2) = ((utc_hour + 14) % 24, (utc_hour + 15) % 24);
    let cron = Schedule::cron(&format!("* * {h1},{h2} * * *"))
        .and_then(|c| c.in_time_zone("Etc/GMT-14"))
        .expect("cron in a zone");
    let sampler = MessageSchedule::new(cron, "out.sampled")
        .source("in.sensor")
        .rollup();
    if version < V2_14 {
        return assert_too_old(
            js.publish_schedule("sched.sample", &sampler, "no reading yet")
                .await,
            Feature::RepeatingSchedules,
            Some(version),
        );
    }
    let stream = js.create_stream(schedule_stream()).await.expect("stream");
    for reading in ["20.5", "21.0"] {
        js.publish("in.sensor", reading).await.expect("reading");
    }
    let mut out = watch(&js, "out.sampled").await;
    js.publish_schedule("sched.sample", &sampler, "no reading yet")
        .await
        .expect("schedule stored");
    for _ in 0..2 {
        let sample = next(&rt, &mut out, "a sample in the schedule's time zone").await;
        assert_eq!(sample.payload(), b"21.0", "the source's last value");
        assert_eq!(sample.header("Nats-Rollup"), Some("sub"));
        assert_eq!(sample.header(NATS_SCHEDULER), Some("sched.sample"));
    }
    stream.purge_subject("sched.sample").await.expect("stop");
    // The rollup keeps one sample on the target.
    let kept = js
        .ordered_consumer("SCHED", OrderedOptions::default().filter("out.sampled"))
        .await
        .expect("ordered consumer");
    assert_eq!(kept.initial_pending(), 1, "samples stored on the target");
}

pub async fn js_schedule_mistakes_fail_before_sending(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let js = js_for(&rt, &server).await;
    let once = MessageSchedule::new(Schedule::At(SystemTime::now()), "sched.same");
    let err = js
        .publish_schedule("sched.same", &once, "x")
        .await
        .expect_err("target = schedule subject");
    assert!(matches!(err, JetStreamError::Schedule(_)), "{err:?}");
    let err = js
        .publish_schedule("sched.a", &once.clone().source("sched.same"), "x")
        .await
        .expect_err("source = target");
    assert!(matches!(err, JetStreamError::Schedule(_)), "{err:?}");
}
