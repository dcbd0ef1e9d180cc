//! Streams and consumers without a leader for a moment (a 3-node cluster, a leader
//! SIGKILLed): fetching gets retryable errors until a new leader is elected, never a
//! terminal one; a publish to a stream whose only server is down says that the stream
//! exists but has no leader.
//!
//! Elections take a few seconds, and much longer on a loaded machine (an older server
//! once took more than 30 s to accept a stream create on CI), so every wait here is on a
//! condition with a generous deadline and reports the last error it saw. The tests run on
//! the pinned server only: what they check is natbus's handling of a leaderless stream or
//! consumer, which an older server does not change, while its slower elections would only
//! make CI slower and flakier.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use natbus::jetstream::{
    ConsumerConfig, FetchOptions, JetStream, JetStreamError, PublishOptions, RetryPolicy,
    StreamConfig,
};
use natbus::{Client, Runtime};
use natbus_tests::{NatsCluster, ServerVersion, server_version};

use super::cluster::connected_node;
use super::{connect, options, sleep, within};

/// How long an election (or anything waiting through one) may take: a few seconds
/// normally, far more on a machine busy with other builds.
const ELECTION: Duration = Duration::from_secs(120);
const MESSAGES: u64 = 40;
/// The server release these tests run on (the pinned one, see the module docs).
const PINNED: ServerVersion = ServerVersion::new(2, 15, 1);

/// Whether `test` runs on this server: says why not when it does not.
fn on_pinned_server(test: &str) -> bool {
    let running = server_version();
    if running >= PINNED {
        return true;
    }
    println!(
        "SKIPPED {test}: the leader-election tests run on the pinned nats-server {PINNED} only; this is {running}"
    );
    false
}

/// Retries `call` until it succeeds, for at most [`ELECTION`]: for the admin calls of the
/// set-up, which the cluster may refuse while it elects leaders. Panics with the last
/// error when the deadline passes.
async fn until_ok<T, F>(rt: &Arc<dyn Runtime>, what: &str, call: impl Fn() -> F) -> T
where
    F: Future<Output = Result<T, JetStreamError>>,
{
    let deadline = Instant::now() + ELECTION;
    let mut failures = 0u32;
    loop {
        match call().await {
            Ok(v) => return v,
            Err(e) => {
                failures += 1;
                assert!(
                    Instant::now() < deadline,
                    "{what} kept failing for {ELECTION:?} ({failures} attempts); the last error: {e}"
                );
            }
        }
        sleep(rt, Duration::from_millis(100)).await;
    }
}

fn node_index(name: &str) -> usize {
    let n: usize = name
        .strip_prefix('n')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected server name {name}"));
    n - 1
}

/// A client connected to node `i` only, with a JetStream context that retries publishes
/// through elections.
async fn client_on(rt: &Arc<dyn Runtime>, cluster: &NatsCluster, i: usize) -> (Client, JetStream) {
    let client = connect(rt, options(&cluster.servers()[i].url())).await;
    assert_eq!(connected_node(&client), i);
    let js = client
        .jetstream()
        .with_timeout(Duration::from_secs(2))
        .with_publish_retry(
            // As long as ELECTION at least: the retries must not give up first.
            RetryPolicy::default()
                .attempts(2400)
                .wait(Duration::from_millis(50)),
        );
    (client, js)
}

async fn publish(rt: &Arc<dyn Runtime>, js: &JetStream, range: std::ops::Range<u64>) {
    for i in range {
        let options = PublishOptions {
            msg_id: Some(format!("m{i}")),
            ..PublishOptions::default()
        };
        within(
            rt,
            ELECTION,
            "a publish",
            js.publish_with(format!("elect.{i}"), None, &options, i.to_string()),
        )
        .await
        .unwrap_or_else(|e| panic!("publish {i}: {e}"));
    }
}

pub async fn cluster_fetch_rides_out_the_consumer_leader_election(rt: Arc<dyn Runtime>) {
    if !on_pinned_server("cluster_fetch_rides_out_the_consumer_leader_election") {
        return;
    }
    let started = Instant::now();
    let mut cluster = NatsCluster::start(3);
    let (setup, js) = client_on(&rt, &cluster, 0).await;
    let config = StreamConfig::new("ELECT").subjects(["elect.>"]).replicas(3);
    until_ok(&rt, "create the R3 stream", || {
        js.create_stream(config.clone())
    })
    .await;
    let consumer = until_ok(&rt, "create the R3 consumer", || {
        js.get_or_create_pull_consumer("ELECT", ConsumerConfig::durable("worker"))
    })
    .await;
    let leader = until_ok(&rt, "the consumer's leader", || async {
        let info = consumer.info().await?;
        let leader = info.cluster.and_then(|c| c.leader);
        leader.ok_or_else(|| JetStreamError::InvalidOption("no leader yet".into()))
    })
    .await;
    let leader = node_index(&leader);
    setup.close().await;
    // The fetching client is on another node, so only the consumer's leader goes away.
    let (client, js) = client_on(&rt, &cluster, (leader + 1) % 3).await;
    let consumer = until_ok(&rt, "bind the consumer", || {
        js.pull_consumer("ELECT", "worker")
    })
    .await;
    publish(&rt, &js, 0..MESSAGES / 2).await;

    let mut seen = BTreeSet::new();
    let first = consumer
        .fetch(FetchOptions::new(10).expires(Duration::from_secs(2)))
        .await
        .expect("a fetch with the leader up");
    for msg in first {
        seen.insert(msg.metadata().expect("metadata").stream_sequence);
        msg.ack().await.expect("ack");
    }
    // A fetch waiting for more than there is, when the leader dies under it.
    let mut waiting = consumer
        .fetch_stream(FetchOptions::new(1000).expires(Duration::from_secs(2)))
        .await
        .expect("the request is sent");
    while seen.len() < (MESSAGES / 2) as usize {
        let msg = within(&rt, ELECTION, "the rest of the first half", waiting.next())
            .await
            .expect("the request ends only after the batch")
            .expect("a message");
        seen.insert(msg.metadata().expect("metadata").stream_sequence);
        msg.ack().await.expect("ack");
    }
    cluster.server_mut(leader).stop();
    eprintln!(
        "{:.2?} killed the consumer leader n{}",
        started.elapsed(),
        leader + 1
    );
    let end = within(&rt, ELECTION, "the interrupted fetch's end", waiting.next()).await;
    assert!(
        !matches!(end, Some(Err(JetStreamError::Terminal(_)))),
        "the interrupted fetch: {end:?}"
    );

    // Fetch until every message is in, publishing the second half meanwhile.
    let mut errors = Vec::new();
    let deadline = Instant::now() + ELECTION;
    let fetch_all = async {
        while seen.len() < MESSAGES as usize {
            assert!(
                Instant::now() < deadline,
                "only {} of {MESSAGES} fetched",
                seen.len()
            );
            match consumer
                .fetch(FetchOptions::new(100).expires(Duration::from_secs(1)))
                .await
            {
                Ok(batch) => {
                    for msg in batch {
                        seen.insert(msg.metadata().expect("metadata").stream_sequence);
                        // A lost ack only means a redelivery, which the set absorbs.
                        let _ = msg.ack().await;
                    }
                }
                Err(e) => {
                    assert!(
                        !matches!(e, JetStreamError::Terminal(_)) && e.is_retryable(),
                        "fetch failed for good while the consumer is healthy: {e:?}"
                    );
                    eprintln!("{:.2?} fetch: {e}", started.elapsed());
                    errors.push(e);
                    sleep(&rt, Duration::from_millis(100)).await;
                }
            }
        }
    };
    futures::future::join(fetch_all, publish(&rt, &js, MESSAGES / 2..MESSAGES)).await;
    assert_eq!(
        seen,
        (1..=MESSAGES).collect(),
        "every message, through the election"
    );
    assert!(
        !errors.is_empty(),
        "a fetch right after the leader died must have failed (retryably) at least once"
    );
    let unanswered = errors
        .iter()
        .filter(|e| matches!(e, JetStreamError::ConsumerNotResponding { .. }))
        .count();
    eprintln!(
        "{:.2?} done: {} retryable fetch errors, {unanswered} of them no responders",
        started.elapsed(),
        errors.len()
    );
    client.close().await;
}

pub async fn cluster_publish_to_a_stream_without_a_leader_names_the_stream(rt: Arc<dyn Runtime>) {
    if !on_pinned_server("cluster_publish_to_a_stream_without_a_leader_names_the_stream") {
        return;
    }
    let mut cluster = NatsCluster::start(3);
    let (setup, js) = client_on(&rt, &cluster, 0).await;
    let config = StreamConfig::new("SOLO").subjects(["solo.>"]);
    let info = until_ok(&rt, "create the R1 stream", || async {
        let stream = js.create_stream(config.clone()).await?;
        let leader = stream
            .cached_info()
            .cluster
            .as_ref()
            .and_then(|c| c.leader.clone());
        leader.ok_or_else(|| JetStreamError::InvalidOption("no leader yet".into()))
    })
    .await;
    let home = node_index(&info);
    setup.close().await;
    let (client, js) = client_on(&rt, &cluster, (home + 1) % 3).await;
    js.publish("solo.1", "1")
        .await
        .expect("stored while its server is up");

    cluster.server_mut(home).stop();
    // Once the cluster answers API requests again, the look-up after the last attempt
    // finds the stream, so the error names it. A look-up that fails (the cluster still
    // settling) leaves the stream unnamed, which is right but not what is tested here:
    // then the publish is tried again, until the deadline.
    until_ok(&rt, "the meta leader", || js.stream_names(None)).await;
    let few_retries = js.clone().with_publish_retry(
        RetryPolicy::default()
            .attempts(2)
            .wait(Duration::from_millis(50)),
    );
    let deadline = Instant::now() + ELECTION;
    let err = loop {
        let err = few_retries
            .publish("solo.2", "2")
            .await
            .expect_err("the stream's only server is down");
        match &err {
            JetStreamError::StreamNotResponding { stream: None, .. }
                if Instant::now() < deadline =>
            {
                eprintln!("the look-up failed too: {err}");
                sleep(&rt, Duration::from_millis(100)).await;
            }
            _ => break err,
        }
    };
    assert!(
        matches!(
            &err,
            JetStreamError::StreamNotResponding { stream: Some(s), attempts: 3, .. } if s == "SOLO"
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(err.to_string().contains("no leader"), "{err}");
    client.close().await;
}
