//! A replicated stream under node failures: the stream leader and then the client's own
//! server are killed (SIGKILL) while a client publishes with message ids, retried by the
//! JetStream publish retry.
//! Nothing acknowledged may be lost and nothing retried may be stored twice; a pull
//! consumer with explicit acks then sees every message.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use natbus::jetstream::{
    ConsumerConfig, FetchOptions, JetStream, JetStreamError, PublishOptions, RetryPolicy,
    StreamConfig, StreamInfo,
};
use natbus::{Client, Runtime};
use natbus_tests::NatsCluster;

use super::cluster::connected_node;
use super::{connect, options, sleep, within};

/// Messages published; the kills happen at fixed fractions of it.
const TOTAL: usize = 250;
/// How long one step may take: elections after a SIGKILL take a few seconds, and far
/// longer on a loaded machine (2.10.26 beside other builds once took over 30 s), so the
/// deadline is generous; every wait ends as soon as its condition holds.
const FAILOVER: Duration = Duration::from_secs(120);
const STREAM: &str = "FAULTS";

/// What the publisher and the faults share: how far publishing got, and which fault step
/// is done (0: none, 1: leader killed, 2: it is back and caught up, 3: the client's
/// server killed).
#[derive(Default)]
struct Progress {
    published: AtomicUsize,
    step: AtomicUsize,
}

pub async fn cluster_r3_stream_survives_losing_its_leader_and_the_clients_server(
    rt: Arc<dyn Runtime>,
) {
    let started = Instant::now();
    // Printed with the test's output: where the time went, when it fails.
    let log = |what: &str| eprintln!("{:>6.2?} {what}", started.elapsed());
    let cluster = NatsCluster::start(3);
    let client = connect(&rt, options(&cluster.urls())).await;
    let mut events = client.events();
    rt.spawn(Box::pin(async move {
        while let Some(event) = events.next().await {
            eprintln!("{:>6.2?} event: {event:?}", started.elapsed());
        }
    }));
    let js = client.jetstream().with_timeout(Duration::from_secs(2));
    let config = StreamConfig::new(STREAM).subjects(["faults.>"]).replicas(3);
    until_ok(&rt, "create the R3 stream", || {
        js.create_stream(config.clone())
    })
    .await;
    let leader = caught_up_leader(&rt, &js).await;
    log("the cluster formed and the stream has its replicas");

    let progress = Progress::default();
    let faults = Faults {
        rt: &rt,
        js: &js,
        client: &client,
        progress: &progress,
        log: &log,
    };
    // The cluster lives to the end of the test; whichever server is still down stays so.
    let (duplicates, _cluster) = futures::future::join(
        publish_all(&rt, &js, &progress),
        faults.inject(cluster, leader),
    )
    .await;
    log(&format!(
        "published {TOTAL}: {duplicates} retries were duplicates"
    ));

    let info = until_ok(&rt, "stream info", || js.stream_info(STREAM)).await;
    assert_eq!(
        (info.state.messages, info.state.last_seq),
        (TOTAL as u64, TOTAL as u64),
        "exactly {TOTAL} stored, none twice ({duplicates} retries found theirs stored)"
    );
    let ids = consume_all(&rt, &js).await;
    log("consumed them");
    let expected: BTreeMap<u64, String> = (1..=TOTAL as u64).zip((0..TOTAL).map(msg_id)).collect();
    assert_eq!(ids, expected, "every message once, in publish order");
    client.close().await;
}

/// The fault schedule, run beside the publisher and driven by how far it got, so that
/// each kill hits a publisher that is busy.
struct Faults<'a, L> {
    rt: &'a Arc<dyn Runtime>,
    js: &'a JetStream,
    client: &'a Client,
    progress: &'a Progress,
    log: &'a L,
}

impl<L: Fn(&str)> Faults<'_, L> {
    /// Kills the stream `leader` at 1/5 of the way, restarts it at 2/5 and waits until it
    /// has caught up (R3 keeps its quorum with one server down, not two), then kills the
    /// client's server at 7/10. Returns the cluster with that server still down.
    async fn inject(self, mut cluster: NatsCluster, leader: usize) -> NatsCluster {
        let Faults {
            rt,
            js,
            client,
            progress,
            log,
        } = self;
        await_published(rt, progress, TOTAL / 5).await;
        cluster.server_mut(leader).stop();
        log(&format!("killed the stream leader n{}", leader + 1));
        progress.step.store(1, Ordering::SeqCst);

        await_published(rt, progress, 2 * TOTAL / 5).await;
        let mut cluster = off_thread(rt, move || {
            cluster.server_mut(leader).restart();
            cluster
        })
        .await;
        let leader = caught_up_leader(rt, js).await;
        log(&format!(
            "restarted it, it caught up; the leader is n{}",
            leader + 1
        ));
        progress.step.store(2, Ordering::SeqCst);

        await_published(rt, progress, 7 * TOTAL / 10).await;
        let node = connected_node(client);
        cluster.server_mut(node).stop();
        log(&format!("killed the client's server n{}", node + 1));
        progress.step.store(3, Ordering::SeqCst);
        cluster
    }
}

fn msg_id(i: usize) -> String {
    format!("fault-{i}")
}

/// Publishes `TOTAL` messages, each retried by the JetStream publish retry until
/// acknowledged; returns how many PubAcks said "duplicate" (a retry of a message whose
/// first attempt was stored but not acknowledged). Waits at 2/5, 3/5 and 4/5 of the way
/// until the fault step due before then is done, so that every kill happens while
/// messages remain to publish.
async fn publish_all(rt: &Arc<dyn Runtime>, js: &JetStream, progress: &Progress) -> usize {
    // Retries through elections and reconnects: the message ids make retrying after a
    // timeout or a lost connection safe.
    // At least as long as FAILOVER (attempts that time out take longer), so the retries
    // do not give up before the deadline does.
    let js = js.clone().with_publish_retry(
        RetryPolicy::default()
            .attempts(2400)
            .wait(Duration::from_millis(50)),
    );
    let mut duplicates = 0;
    for i in 0..TOTAL {
        match i {
            _ if i == 2 * TOTAL / 5 => await_step(rt, progress, 1).await,
            _ if i == 3 * TOTAL / 5 => await_step(rt, progress, 2).await,
            _ if i == 4 * TOTAL / 5 => await_step(rt, progress, 3).await,
            _ => {}
        }
        let options = PublishOptions {
            msg_id: Some(msg_id(i)),
            ..PublishOptions::default()
        };
        let publish = js.publish_with(format!("faults.{i}"), None, &options, format!("{i}"));
        let ack = within(rt, FAILOVER, "a retried publish", publish)
            .await
            .unwrap_or_else(|e| panic!("message {i} not acknowledged: {e}"));
        assert_eq!(ack.stream, STREAM);
        duplicates += usize::from(ack.duplicate);
        progress.published.store(i + 1, Ordering::SeqCst);
    }
    duplicates
}

/// Reads the whole stream with a durable pull consumer with explicit acks and returns the
/// message id of each stream sequence. Redeliveries are fine (each must carry the same id
/// as before); a missing message is not.
async fn consume_all(rt: &Arc<dyn Runtime>, js: &JetStream) -> BTreeMap<u64, String> {
    let consumer = until_ok(rt, "create the consumer", || {
        js.get_or_create_pull_consumer(STREAM, ConsumerConfig::durable("audit"))
    })
    .await;
    eprintln!("consumer created");
    let mut ids = BTreeMap::new();
    let deadline = Instant::now() + FAILOVER;
    while ids.len() < TOTAL {
        assert!(
            Instant::now() < deadline,
            "only {} of {TOTAL} messages consumed within {FAILOVER:?}",
            ids.len()
        );
        let options = FetchOptions::new(100).expires(Duration::from_secs(1));
        let batch = match consumer.fetch(options).await {
            Ok(batch) => batch,
            // While the consumer's group elects a leader, fetch fails with retryable
            // errors (no responders, timeouts), never a terminal one.
            Err(e) => {
                assert!(e.is_retryable(), "fetch failed for good: {e:?}");
                eprintln!("fetch: {e}");
                continue;
            }
        };
        for msg in batch {
            let seq = msg.metadata().expect("JetStream metadata").stream_sequence;
            let id = msg.header("Nats-Msg-Id").expect("every message has an id");
            if let Some(before) = ids.insert(seq, id.to_owned()) {
                assert_eq!(before, id, "redelivery of {seq} changed its id");
            }
            // A lost ack means a redelivery later, which the map absorbs.
            let _ = msg.ack().await;
        }
    }
    ids
}

/// Waits until the stream has a leader and both other replicas are current, and returns
/// the leader's index (servers are named `n1`…).
async fn caught_up_leader(rt: &Arc<dyn Runtime>, js: &JetStream) -> usize {
    let deadline = Instant::now() + FAILOVER;
    loop {
        if let Ok(info) = js.stream_info(STREAM).await
            && let Some(leader) = settled_leader(&info)
        {
            return leader;
        }
        assert!(
            Instant::now() < deadline,
            "{STREAM} has no leader with two current replicas after {FAILOVER:?}"
        );
        sleep(rt, Duration::from_millis(50)).await;
    }
}

/// The leader's index, if the stream has one and two current, online replicas.
fn settled_leader(info: &StreamInfo) -> Option<usize> {
    let cluster = info.cluster.as_ref()?;
    let leader = cluster.leader.as_deref()?;
    let current = cluster
        .replicas
        .iter()
        .filter(|r| r.current && !r.offline)
        .count();
    (current == 2).then(|| node_index(leader))
}

fn node_index(name: &str) -> usize {
    let n: usize = name
        .strip_prefix('n')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected server name {name}"));
    n - 1
}

/// Retries `call` (a JetStream API call that may fail while the cluster elects leaders)
/// until it succeeds, for at most [`FAILOVER`].
async fn until_ok<T, F>(rt: &Arc<dyn Runtime>, what: &str, call: impl Fn() -> F) -> T
where
    F: Future<Output = Result<T, JetStreamError>>,
{
    let started = Instant::now();
    let deadline = started + FAILOVER;
    loop {
        match call().await {
            Ok(v) => return v,
            Err(e) => {
                eprintln!("{what} (after {:.2?}): {e}", started.elapsed());
                assert!(
                    Instant::now() < deadline,
                    "{what} kept failing for {FAILOVER:?}; the last error: {e}"
                );
            }
        }
        sleep(rt, Duration::from_millis(50)).await;
    }
}

async fn await_published(rt: &Arc<dyn Runtime>, progress: &Progress, n: usize) {
    within(rt, FAILOVER, "publishing to progress", async {
        while progress.published.load(Ordering::SeqCst) < n {
            sleep(rt, Duration::from_millis(5)).await;
        }
    })
    .await;
}

async fn await_step(rt: &Arc<dyn Runtime>, progress: &Progress, step: usize) {
    within(rt, FAILOVER, "the next fault", async {
        while progress.step.load(Ordering::SeqCst) < step {
            sleep(rt, Duration::from_millis(5)).await;
        }
    })
    .await;
}

/// Runs `f` on a thread of its own (restarting a server blocks until it is ready) and
/// awaits its result, so the runtime under test keeps serving meanwhile.
async fn off_thread<T: Send + 'static>(
    rt: &Arc<dyn Runtime>,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = futures::channel::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    within(rt, FAILOVER, "the blocking step", rx)
        .await
        .expect("the blocking step panicked")
}
