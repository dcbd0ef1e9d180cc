//! The consumers of the JetStream workload: a durable pull consumer (one-shot fetches or
//! the continuous `messages()`), a durable push consumer and an ordered consumer, each a
//! task recording the stream sequences it was handed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use natbus::jetstream::{
    ConsumeOptions, FetchOptions, JetStreamError, JsMessage, OrderedMessages, PullConsumer,
    PushMessages,
};

use super::SimClient;
use super::core::lock;
use super::jetstream::Consumed;
use crate::check::Checks;
use crate::runtime::Sim;

/// The durable pull consumer: fetches (or reads `messages()`), acking everything.
pub(super) async fn work(
    sim: Sim,
    checks: Checks,
    w: SimClient,
    pull: PullConsumer,
    continuous: bool,
    consumed: Arc<Mutex<Consumed>>,
    stop: Arc<AtomicBool>,
) {
    if continuous {
        let window = sim.range(1, 64) as usize;
        let expires = Duration::from_millis(sim.range(200, 3_000));
        let options = ConsumeOptions::messages(window).expires(expires);
        let Ok(mut messages) = pull.messages(options).await else {
            return checks.fail(sim.elapsed(), "messages() could not start");
        };
        while !stop.load(Ordering::Relaxed) {
            let Some(item) = messages.next().await else {
                return;
            };
            if messages.pending_messages() > window {
                checks.fail(
                    sim.elapsed(),
                    format!(
                        "the pull window holds {} requests, over {window}",
                        messages.pending_messages()
                    ),
                );
            }
            if let Ok(msg) = item {
                take(&sim, &checks, &msg, &consumed).await;
            }
        }
        return;
    }
    let timeout = w.limits.request_timeout;
    while !stop.load(Ordering::Relaxed) && !w.client.is_closed() {
        let expires = Duration::from_millis(sim.range(20, 2_000));
        let mut options = FetchOptions::new(sim.range(1, 50) as usize).expires(expires);
        if sim.percent(20) {
            options = options.no_wait();
        }
        let start = sim.elapsed();
        let fetched = pull.fetch(options).await;
        let limit = expires + timeout.min(Duration::from_secs(2));
        checks.deadline("fetch", start, limit, sim.elapsed());
        match fetched {
            Ok(batch) => {
                for msg in &batch {
                    take(&sim, &checks, msg, &consumed).await;
                }
            }
            Err(JetStreamError::Closed) => return,
            Err(_) => {
                checks.count("js: fetches failed", 1);
                sim.sleep(Duration::from_millis(sim.range(1, 100))).await;
            }
        }
    }
}

/// Records a pulled message and acknowledges it (sometimes waiting for the server's
/// confirmation); an ack that is lost leaves it for redelivery.
async fn take(sim: &Sim, checks: &Checks, msg: &JsMessage, consumed: &Arc<Mutex<Consumed>>) {
    let Ok((seq, delivered)) = msg.metadata().map(|m| (m.stream_sequence, m.delivered)) else {
        return;
    };
    if delivered > 1 {
        checks.count("js: redeliveries", 1);
    }
    lock(consumed).pulled.insert(seq);
    let _ = if sim.percent(30) {
        msg.double_ack().await
    } else {
        msg.ack().await
    };
}

/// The durable push consumer: records and acknowledges what it gets.
pub(super) async fn read_pushed(
    sim: Sim,
    checks: Checks,
    mut pushed: PushMessages,
    consumed: Arc<Mutex<Consumed>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Relaxed) {
        match pushed.next().await {
            None => return,
            Some(Ok(msg)) => {
                let Ok(seq) = msg.metadata().map(|m| m.stream_sequence) else {
                    checks.fail(sim.elapsed(), "push consumer: a message without metadata");
                    continue;
                };
                lock(&consumed).pushed.insert(seq);
                let _ = msg.ack().await;
            }
            Some(Err(_)) => checks.count("js: push consumer notices", 1),
        }
    }
}

/// The ordered consumer: records the sequence of every message it hands out.
pub(super) async fn read_ordered(
    sim: Sim,
    checks: Checks,
    mut ordered: OrderedMessages,
    consumed: Arc<Mutex<Consumed>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Relaxed) {
        match ordered.next().await {
            None => return,
            Some(Ok(msg)) => match msg.metadata() {
                Ok(meta) => lock(&consumed).ordered.push(meta.stream_sequence),
                Err(e) => checks.fail(
                    sim.elapsed(),
                    format!("ordered consumer: a message without metadata: {e}"),
                ),
            },
            Some(Err(_)) => {}
        }
    }
}
