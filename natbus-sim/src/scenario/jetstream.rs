//! JetStream under faults: a publisher that retries each message under its own
//! `Nats-Msg-Id` until it is acknowledged, a durable pull consumer (one-shot `fetch`es or
//! the continuous `messages()`) and a durable push consumer (flow control, heartbeats)
//! that acknowledge what they get, and an ordered consumer, all on one server whose
//! stream survives its restarts.
//!
//! Checked: every acknowledged publish is stored once, at the sequence its PubAck named,
//! and a retry of a stored one is reported as a duplicate of that sequence; the pull and
//! push consumers get every stored message (redeliveries allowed) and in the end the
//! server has nothing waiting for their acks; the ordered consumer hands out the
//! stream in order with no gap and no repeat; every fetch ends by its deadline; the
//! continuous consumer's window stays within its bound.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use natbus::jetstream::{
    AckPolicy, ConsumerConfig, JetStream, OrderedOptions, PublishOptions, RetryPolicy,
};

use super::core::lock;
use super::core_checks::check_events;
use super::js_consumers::{read_ordered, read_pushed, work};
use super::{SimClient, URL, connect, drain_checked, recover, start_server};
use crate::check::Checks;
use crate::faults;
use crate::runtime::Sim;
use crate::server::Server;

const STREAM: &str = "ORDERS";
const SUBJECT: &str = "orders.new";
const WORKER: &str = "worker";
const PUSHER: &str = "pusher";

/// Subscriptions of these clients hold at least this many messages (and bytes for as
/// many of 1 KiB): more than a push consumer's flow-control window (16 in the model). An
/// ordered consumer whose buffer holds less drops part of every burst (its flow-control
/// request too), sees a gap, re-creates its consumer, gets the same burst again and never
/// progresses: a finding (seed 1106 before this floor), not something the model hides.
const JS_MIN_SUB_MESSAGES: usize = 64;

/// What the consumers saw, by stream sequence.
#[derive(Default)]
pub(super) struct Consumed {
    /// Every delivery to the pull consumer (a sequence may repeat: redeliveries).
    pub(super) pulled: BTreeSet<u64>,
    /// Every delivery to the push consumer.
    pub(super) pushed: BTreeSet<u64>,
    /// The ordered consumer's sequences, in the order handed out.
    pub(super) ordered: Vec<u64>,
}

pub(crate) async fn run(sim: Sim, checks: Checks) {
    let server = start_server(&sim, (256 * 1024, 4 * 1024 * 1024));
    server.lock().js.add_stream(STREAM, &["orders.>"]);
    let url = URL;
    let (Some(p), Some(w), Some(o), Some(q)) = (
        connect(&sim, &checks, "JP", url, JS_MIN_SUB_MESSAGES).await,
        connect(&sim, &checks, "JW", url, JS_MIN_SUB_MESSAGES).await,
        connect(&sim, &checks, "JO", url, JS_MIN_SUB_MESSAGES).await,
        connect(&sim, &checks, "JQ", url, JS_MIN_SUB_MESSAGES).await,
    ) else {
        return;
    };
    let consumed = Arc::new(Mutex::new(Consumed::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let ack_wait = Duration::from_millis(sim.range(200, 3_000));
    let config = ConsumerConfig::durable(WORKER).ack(AckPolicy::Explicit);
    let mut config = config;
    config.ack_wait = Some(ack_wait);
    let pull = match w
        .client
        .jetstream()
        .get_or_create_pull_consumer(STREAM, config)
        .await
    {
        Ok(pull) => pull,
        Err(e) => {
            return checks.fail(
                sim.elapsed(),
                format!("creating the pull consumer failed before any fault: {e}"),
            );
        }
    };
    let heartbeat = Duration::from_millis(sim.range(200, 2_000));
    let mut config = ConsumerConfig::durable(PUSHER).push("deliver.pusher");
    config.ack_wait = Some(ack_wait);
    config.flow_control = true;
    config.idle_heartbeat = Some(heartbeat);
    let pushed = match q.client.jetstream().push_subscribe(STREAM, config).await {
        Ok(pushed) => pushed,
        Err(e) => {
            return checks.fail(
                sim.elapsed(),
                format!("creating the push consumer failed before any fault: {e}"),
            );
        }
    };
    let ordered = match o
        .client
        .jetstream()
        .ordered_consumer(STREAM, OrderedOptions::default().idle_heartbeat(heartbeat))
        .await
    {
        Ok(ordered) => ordered,
        Err(e) => {
            return checks.fail(
                sim.elapsed(),
                format!("creating the ordered consumer failed before any fault: {e}"),
            );
        }
    };
    let (until, faults) = faults::start(&sim, &server, Duration::from_secs(12), &checks);
    let publishes = sim.spawn_join(publish(sim.clone(), checks.clone(), p.clone(), until));
    let continuous = sim.percent(40);
    sim.spawn(work(
        sim.clone(),
        checks.clone(),
        w.clone(),
        pull,
        continuous,
        consumed.clone(),
        stop.clone(),
    ));
    sim.spawn(read_pushed(
        sim.clone(),
        checks.clone(),
        pushed,
        consumed.clone(),
        stop.clone(),
    ));
    sim.spawn(read_ordered(
        sim.clone(),
        checks.clone(),
        ordered,
        consumed.clone(),
        stop.clone(),
    ));
    faults.await;
    let acked = publishes.await;

    if !recover(&sim, &checks, &[&p, &w, &o, &q]).await {
        return;
    }
    let stored = check_stored(&sim, &checks, &server, &acked);
    wait_consumed(&sim, &checks, &server, &consumed, stored).await;
    stop.store(true, Ordering::Relaxed);
    check_ordered(&sim, &checks, &lock(&consumed).ordered, stored);
    for c in [&p, &w, &o, &q] {
        check_events(&sim, &checks, c);
    }
    for c in [&p, &w, &o, &q] {
        drain_checked(&sim, &checks, c).await;
    }
    checks.count("js: messages stored", stored);
    checks.count("js: publishes acknowledged", acked.len() as u64);
}

/// Publishes numbered messages until `until`, each under its own message id and retried
/// until acknowledged (up to a minute); returns the acknowledged ids with their sequence.
async fn publish(sim: Sim, checks: Checks, p: SimClient, until: Duration) -> BTreeMap<u64, u64> {
    // Half the seeds keep the client's own publish retries (ADR-22), half turn them off so
    // that every retry is this loop's and can be checked one by one.
    let js = if sim.percent(50) {
        p.client.jetstream()
    } else {
        p.client.jetstream().with_publish_retry(RetryPolicy::none())
    };
    let mut acked = BTreeMap::new();
    let mut n = 0;
    while sim.elapsed() < until {
        n += 1;
        if let Some(seq) = publish_one(&sim, &checks, &js, &p, n).await {
            acked.insert(n, seq);
        }
        if sim.percent(50) {
            sim.sleep(sim.duration(Duration::ZERO, Duration::from_millis(40)))
                .await;
        }
    }
    acked
}

/// Publishes message `n` until a PubAck comes; a retry after a lost ack must be reported
/// as a duplicate of the first sequence.
async fn publish_one(
    sim: &Sim,
    checks: &Checks,
    js: &JetStream,
    p: &SimClient,
    n: u64,
) -> Option<u64> {
    let options = PublishOptions {
        msg_id: Some(format!("m{n}")),
        ..PublishOptions::default()
    };
    let end = sim.elapsed() + Duration::from_secs(60);
    // One call makes up to `max_attempts` attempts, each held to the request timeout,
    // with the retry wait between them.
    let policy = js.publish_retry();
    let limit =
        p.limits.request_timeout * policy.max_attempts() + policy.retry_wait() * policy.retries();
    let mut attempts = 0;
    while sim.elapsed() < end {
        attempts += 1;
        let start = sim.elapsed();
        let result = js
            .publish_with(SUBJECT, None, &options, format!("{n}"))
            .await;
        checks.deadline(&format!("js publish {n}"), start, limit, sim.elapsed());
        match result {
            Ok(ack) => {
                if ack.duplicate {
                    checks.count("js: retries answered as duplicates", 1);
                }
                // With the client's retries, its own retry after a lost ack is one.
                if ack.duplicate && attempts == 1 && policy.retries() == 0 {
                    checks.fail(
                        sim.elapsed(),
                        format!("the first publish of m{n} was reported as a duplicate"),
                    );
                }
                return Some(ack.seq);
            }
            Err(_) => sim.sleep(Duration::from_millis(sim.range(1, 100))).await,
        }
    }
    None
}

/// Every acknowledged publish is stored once, at its PubAck's sequence. Returns how many
/// messages the stream holds.
fn check_stored(sim: &Sim, checks: &Checks, server: &Server, acked: &BTreeMap<u64, u64>) -> u64 {
    let s = server.lock();
    let Some(stream) = s.js.stream(STREAM) else {
        checks.fail(sim.elapsed(), "the stream is gone");
        return 0;
    };
    let mut ids = BTreeSet::new();
    for (i, m) in stream.messages.iter().enumerate() {
        let id = m.msg_id.clone().unwrap_or_default();
        if !ids.insert(id.clone()) {
            checks.fail(
                sim.elapsed(),
                format!("message id {id} stored twice (again at {})", i + 1),
            );
        }
    }
    for (n, seq) in acked {
        let stored = stream
            .messages
            .get(*seq as usize - 1)
            .and_then(|m| m.msg_id.clone());
        if stored.as_deref() != Some(format!("m{n}").as_str()) {
            checks.fail(
                sim.elapsed(),
                format!("publish m{n} was acknowledged as sequence {seq}, which holds {stored:?}"),
            );
        }
    }
    stream.messages.len() as u64
}

/// Waits until the pull consumer got every stored message and the server has none
/// waiting for its ack (an ack the client saw fail may still have arrived), and the
/// ordered consumer handed out every stored message.
async fn wait_consumed(
    sim: &Sim,
    checks: &Checks,
    server: &Server,
    consumed: &Arc<Mutex<Consumed>>,
    stored: u64,
) {
    let end = sim.elapsed() + Duration::from_secs(120);
    loop {
        let (pulled, pushed, ordered) = {
            let c = lock(consumed);
            let pulled = (1..=stored).filter(|s| c.pulled.contains(s)).count() as u64;
            let pushed = (1..=stored).filter(|s| c.pushed.contains(s)).count() as u64;
            (pulled, pushed, c.ordered.last().copied().unwrap_or(0))
        };
        let unacked = {
            let s = server.lock();
            (
                s.js.ack_pending(STREAM, WORKER),
                s.js.ack_pending(STREAM, PUSHER),
            )
        };
        let done = pulled == stored && pushed == stored && ordered >= stored;
        if done && unacked == (Some(0), Some(0)) {
            return;
        }
        if sim.elapsed() > end {
            let (pull, push) = {
                let s = server.lock();
                (s.js.describe(STREAM, WORKER), s.js.describe(STREAM, PUSHER))
            };
            return checks.fail(
                sim.elapsed(),
                format!("two minutes after the faults, of {stored} stored messages: the pull consumer got {pulled} (on the server {pull:?}), the push consumer {pushed} (on the server {push:?}), the ordered consumer is at {ordered}"),
            );
        }
        sim.sleep(Duration::from_millis(50)).await;
    }
}

/// The ordered consumer handed out 1, 2, … `stored`, each once.
fn check_ordered(sim: &Sim, checks: &Checks, ordered: &[u64], stored: u64) {
    let expected: Vec<u64> = (1..=stored).collect();
    if ordered.get(..expected.len()) != Some(&expected[..]) {
        let first_wrong = ordered.iter().zip(1..).find(|(got, want)| **got != *want);
        checks.fail(sim.elapsed(), format!("the ordered consumer's sequence broke: {first_wrong:?} (got {} items for {stored} messages)", ordered.len()));
    }
}
