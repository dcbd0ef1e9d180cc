//! Priority groups (ADR-42) with several clients competing for one consumer: overflow
//! thresholds, a pinned client (kept across fetch, fetch_stream and messages(), moved by
//! an unpin and by the pinned client going away), and prioritized requests.

use std::sync::Arc;
use std::time::Duration;

use futures::future::{Either, select};
use natbus::Runtime;
use natbus::jetstream::{
    AckPolicy, ConsumeOptions, ConsumerConfig, Feature, FetchOptions, JetStream, JetStreamError,
    JsMessage, Messages, PriorityPolicy, PullConsumer, PullGroup,
};
use natbus_tests::NatsServer;

use super::js_server_version::{assert_too_old, running_version};
use super::js_support::{api_code, js_for, js_with_stream, publish_n, stream_seqs};
use super::{WAIT, sleep, within};

const PIN_HEADER: &str = "Nats-Pin-Id";

async fn ack_all(msgs: &[JsMessage]) {
    for m in msgs {
        m.double_ack().await.expect("ack");
    }
}

/// Waits until the consumer has `n` pull requests waiting (the server has them queued).
async fn wait_for_waiting(rt: &Arc<dyn Runtime>, consumer: &PullConsumer, n: u64) {
    within(rt, WAIT, "waiting pull requests", async {
        while consumer.info().await.expect("info").num_waiting != n {
            sleep(rt, Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// Takes `n` messages from a message stream, each within [`WAIT`].
async fn take(rt: &Arc<dyn Runtime>, messages: &mut Messages, n: usize) -> Vec<JsMessage> {
    let mut out = Vec::new();
    while out.len() < n {
        match within(rt, WAIT, "a consumed message", messages.next()).await {
            Some(Ok(m)) => out.push(m),
            Some(Err(e @ JetStreamError::Terminal(_))) | Some(Err(e @ JetStreamError::Closed)) => {
                panic!("consuming stopped: {e}")
            }
            Some(Err(_warning)) => {}
            None => panic!("the message stream ended"),
        }
    }
    out
}

/// Creates the consumer of `config` on `stream`, or, on a server older than `feature`
/// needs, checks that the create fails at once with `ServerTooOld` (nothing created) and
/// returns false: the test ends there.
async fn create_or_too_old(
    js: &JetStream,
    server: &NatsServer,
    stream: &str,
    config: ConsumerConfig,
    feature: Feature,
) -> bool {
    let version = running_version(server);
    let name = config.consumer_name().map(str::to_owned).expect("named");
    let created = js.create_consumer(stream, config).await;
    if version >= feature.min_version() {
        created.expect("consumer");
        return true;
    }
    assert_too_old(created, feature, Some(version));
    assert_eq!(api_code(js.consumer_info(stream, &name).await), 10014);
    println!(
        "SKIPPED the rest: {feature}: nats-server {} or newer; this is {version}",
        feature.min_version()
    );
    false
}

fn pin_ids(msgs: &[JsMessage]) -> Vec<Option<&str>> {
    msgs.iter().map(|m| m.header(PIN_HEADER)).collect()
}

pub async fn js_overflow_serves_a_client_with_thresholds_only_past_them(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let js = js_with_stream(&rt, &server, "OVF", "ovf.>").await;
    let config = ConsumerConfig::durable("w")
        .ack(AckPolicy::Explicit)
        .priority(PriorityPolicy::Overflow, ["jobs"]);
    if !create_or_too_old(&js, &server, "OVF", config, Feature::PriorityGroups).await {
        assert_too_old(
            js.unpin_consumer("OVF", "w", "jobs").await,
            Feature::PriorityGroups,
            Some(running_version(&server)),
        );
        return;
    }
    let local = js.pull_consumer("OVF", "w").await.expect("bind");
    let remote = js_for(&rt, &server)
        .await
        .pull_consumer("OVF", "w")
        .await
        .expect("bind");
    let short = |n| FetchOptions::new(n).expires(Duration::from_millis(300));

    // A pull without the group is refused before anything is sent.
    let err = local.fetch(short(1)).await.expect_err("no group");
    assert!(matches!(err, JetStreamError::InvalidOption(_)), "{err:?}");

    publish_n(&js, "ovf.a", 3).await;
    let past_five = PullGroup::new("jobs").min_pending(5);
    let got = remote
        .fetch(short(10).group(past_five.clone()))
        .await
        .expect("fetch");
    assert!(got.is_empty(), "3 pending is below min_pending 5: {got:?}");
    publish_n(&js, "ovf.a", 7).await;
    let got = remote
        .fetch(FetchOptions::new(2).group(past_five).expires(WAIT))
        .await
        .expect("fetch");
    assert_eq!(
        stream_seqs(&got),
        [1, 2],
        "10 pending: the overflow client is served"
    );
    ack_all(&got).await;
    // The client without thresholds is served whatever is pending, down to the last one.
    let got = local
        .fetch(
            FetchOptions::new(8)
                .group(PullGroup::new("jobs"))
                .expires(WAIT),
        )
        .await
        .expect("fetch");
    assert_eq!(stream_seqs(&got), (3..=10).collect::<Vec<_>>());

    // min_ack_pending: served only while enough messages await their ack.
    publish_n(&js, "ovf.b", 4).await;
    let acks_three = PullGroup::new("jobs").min_ack_pending(3);
    ack_all(&got).await;
    let none = remote
        .fetch(short(4).group(acks_three.clone()))
        .await
        .expect("fetch");
    assert!(none.is_empty(), "nothing awaits an ack: {none:?}");
    let unacked = local
        .fetch(
            FetchOptions::new(3)
                .group(PullGroup::new("jobs"))
                .expires(WAIT),
        )
        .await
        .expect("fetch");
    assert_eq!(unacked.len(), 3);
    let got = remote
        .fetch(FetchOptions::new(1).group(acks_three).expires(WAIT))
        .await
        .expect("fetch");
    assert_eq!(
        stream_seqs(&got),
        [14],
        "3 await an ack: the overflow client is served"
    );
    ack_all(&unacked).await;
    ack_all(&got).await;

    // messages() takes part in the group too.
    publish_n(&js, "ovf.c", 2).await;
    let mut consume = remote
        .messages(
            ConsumeOptions::messages(10)
                .expires(Duration::from_secs(1))
                .group(PullGroup::new("jobs").min_pending(1)),
        )
        .await
        .expect("messages");
    let got = take(&rt, &mut consume, 2).await;
    assert_eq!(stream_seqs(&got), [15, 16]);
}

pub async fn js_pinned_client_gets_everything_until_unpinned_or_gone(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let js = js_with_stream(&rt, &server, "PIN", "pin.>").await;
    let timeout = Duration::from_secs(3);
    let config = ConsumerConfig::durable("w")
        .ack(AckPolicy::Explicit)
        .priority(PriorityPolicy::PinnedClient, ["jobs"])
        .priority_timeout(timeout);
    if !create_or_too_old(&js, &server, "PIN", config, Feature::PriorityGroups).await {
        return;
    }
    let info = js.consumer_info("PIN", "w").await.expect("info");
    assert_eq!(info.config.priority_timeout, Some(timeout));
    let a = js.pull_consumer("PIN", "w").await.expect("bind");
    let b = js_for(&rt, &server)
        .await
        .pull_consumer("PIN", "w")
        .await
        .expect("bind");
    let jobs = || PullGroup::new("jobs");
    publish_n(&js, "pin.x", 6).await;

    // A's first fetch gets it pinned: every message carries the pin id.
    let got = a
        .fetch(FetchOptions::new(2).group(jobs()).expires(WAIT))
        .await
        .expect("fetch");
    let p1 = a.pin_id().expect("A is pinned");
    assert_eq!(pin_ids(&got), [Some(p1.as_str()); 2]);
    ack_all(&got).await;
    // B stands by: with messages pending, its pulls get nothing while A is pinned.
    let none = b
        .fetch(
            FetchOptions::new(10)
                .group(jobs())
                .expires(Duration::from_millis(300)),
        )
        .await
        .expect("stand-by fetch");
    assert!(
        none.is_empty(),
        "B got {:?} while A is pinned",
        stream_seqs(&none)
    );
    assert_eq!(b.pin_id(), None);
    let mut b_waits = b
        .fetch_stream(FetchOptions::new(3).group(jobs()).expires(WAIT))
        .await
        .expect("stand-by request");
    wait_for_waiting(&rt, &a, 1).await;

    // A stays pinned across fetch_stream and messages(): their requests carry p1.
    let mut fs = a
        .fetch_stream(FetchOptions::new(2).group(jobs()).expires(WAIT))
        .await
        .expect("fetch_stream");
    let mut got = Vec::new();
    while let Some(m) = fs.next().await {
        got.push(m.expect("message"));
    }
    assert_eq!(stream_seqs(&got), [3, 4]);
    assert_eq!(pin_ids(&got), [Some(p1.as_str()); 2]);
    ack_all(&got).await;
    let mut consume = a
        .messages(
            ConsumeOptions::messages(10)
                .expires(Duration::from_secs(1))
                .group(jobs()),
        )
        .await
        .expect("messages");
    let got = take(&rt, &mut consume, 2).await;
    assert_eq!(stream_seqs(&got), [5, 6]);
    assert_eq!(pin_ids(&got), [Some(p1.as_str()); 2]);
    assert_eq!(consume.pin_id(), Some(p1.as_str()));
    ack_all(&got).await;
    let state = a.info().await.expect("info").priority_groups;
    assert_eq!(state.len(), 1);
    assert_eq!(state[0].pinned_client_id.as_deref(), Some(p1.as_str()));
    assert!(state[0].pinned_ts.is_some());

    // An unpin moves the pin to the waiting stand-by, B; A's stale requests get a 423,
    // A forgets its pin and carries on as a stand-by, receiving nothing.
    js.unpin_consumer("PIN", "w", "jobs").await.expect("unpin");
    publish_n(&js, "pin.y", 3).await;
    let mut got = Vec::new();
    while let Some(m) = within(&rt, WAIT, "B's messages", b_waits.next()).await {
        got.push(m.expect("message"));
    }
    assert_eq!(stream_seqs(&got), [7, 8, 9]);
    let p2 = b.pin_id().expect("B is pinned");
    assert_ne!(p2, p1);
    assert_eq!(pin_ids(&got), [Some(p2.as_str()); 3]);
    ack_all(&got).await;
    drop(b_waits);
    within(&rt, WAIT, "A to lose its pin", async {
        while consume.pin_id().is_some() {
            let tick = sleep(&rt, Duration::from_millis(50));
            futures::pin_mut!(tick);
            if let Either::Left((item, _)) = select(consume.next(), tick).await {
                match item {
                    Some(Ok(m)) => panic!("A got {:?} while B is pinned", m.metadata()),
                    Some(Err(JetStreamError::Terminal(r))) => panic!("terminal: {r}"),
                    _ => {}
                }
            }
        }
    })
    .await;
    assert_eq!(
        a.pin_id(),
        None,
        "the handle's pin follows its message stream"
    );

    // B goes away (pulls no more): after priority_timeout the server pins A again.
    publish_n(&js, "pin.z", 2).await;
    let got = take(&rt, &mut consume, 2).await;
    assert_eq!(stream_seqs(&got), [10, 11]);
    let p3 = consume.pin_id().expect("A is pinned again").to_owned();
    assert!(p3 != p1 && p3 != p2);
    assert_eq!(pin_ids(&got), [Some(p3.as_str()); 2]);
    let state = a.info().await.expect("info").priority_groups;
    assert_eq!(state[0].pinned_client_id.as_deref(), Some(p3.as_str()));

    // Unpinning a group the consumer does not have is an API error.
    let err = js
        .unpin_consumer("PIN", "w", "other")
        .await
        .expect_err("unknown group");
    assert_eq!(err.err_code(), Some(10160), "{err:?}");
}

pub async fn js_prioritized_serves_the_lowest_priority_number_first(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let js = js_with_stream(&rt, &server, "PRIO", "prio.>").await;
    let config = ConsumerConfig::durable("w")
        .ack(AckPolicy::Explicit)
        .priority(PriorityPolicy::Prioritized, ["jobs"]);
    if !create_or_too_old(&js, &server, "PRIO", config, Feature::PrioritizedPolicy).await {
        return;
    }
    let near = js.pull_consumer("PRIO", "w").await.expect("bind");
    let far = js_for(&rt, &server)
        .await
        .pull_consumer("PRIO", "w")
        .await
        .expect("bind");
    let pull = |priority| {
        FetchOptions::new(5)
            .group(PullGroup::new("jobs").priority(priority))
            .expires(WAIT)
    };
    // The far client asks first, so only priority (not arrival) can put the near first.
    let mut far_waits = far.fetch_stream(pull(1)).await.expect("far request");
    wait_for_waiting(&rt, &near, 1).await;
    let mut near_waits = near.fetch_stream(pull(0)).await.expect("near request");
    wait_for_waiting(&rt, &near, 2).await;

    publish_n(&js, "prio.x", 5).await;
    let mut got = Vec::new();
    while let Some(m) = within(&rt, WAIT, "near messages", near_waits.next()).await {
        got.push(m.expect("message"));
    }
    assert_eq!(
        stream_seqs(&got),
        [1, 2, 3, 4, 5],
        "priority 0 gets all five first"
    );
    ack_all(&got).await;
    publish_n(&js, "prio.x", 5).await;
    let mut got = Vec::new();
    while let Some(m) = within(&rt, WAIT, "far messages", far_waits.next()).await {
        got.push(m.expect("message"));
    }
    assert_eq!(
        stream_seqs(&got),
        [6, 7, 8, 9, 10],
        "priority 1 got nothing while priority 0 was waiting"
    );

    // A priority above 9 is refused before anything is sent.
    let err = near.fetch(pull(10)).await.expect_err("priority 10");
    assert!(matches!(err, JetStreamError::InvalidOption(_)), "{err:?}");
}
