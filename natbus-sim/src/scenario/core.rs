//! Core NATS under faults: a publisher, a subscriber that is also a responder, and a
//! requester, all on one server that the fault injector attacks.
//!
//! Checked: publishes reach the server in order, and one is missing only when a
//! connection was lost after it was accepted (and the client reported that loss); the
//! subscriber sees them in order; every reply belongs to its own request; every wait ends
//! by its deadline; the subscriptions are back on the server after the faults; buffers
//! stay within their limits.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use natbus::{HeaderMap, RequestError, RequestOptions, Subscriber};

use super::core_checks::{check_events, check_feed, check_publishes, check_subscriptions, probe};
use super::{
    MAX_PAYLOAD, SimClient, URL, connect, drain_checked, flush_checked, flush_until_ok, recover,
    start_server,
};
use crate::check::Checks;
use crate::faults;
use crate::runtime::Sim;

pub(super) const PUB_SUBJECT: &str = "check.pub";
pub(super) const ECHO_SUBJECT: &str = "svc.echo";

/// One accepted publish: its number, and the connection it was written to at best.
#[derive(Debug, Clone, Copy)]
pub(super) struct Accepted {
    pub(super) seq: u64,
    /// The client's reconnect count when it accepted the publish, plus one when it was
    /// disconnected then (the message waits for the next connection).
    pub(super) epoch: u64,
}

/// What the subscriber saw, in order.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) seqs: Vec<u64>,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) async fn run(sim: Sim, checks: Checks) {
    let server = start_server(&sim, (64 * 1024, 4 * 1024 * 1024));
    let url = URL;
    let (Some(p), Some(s), Some(r)) = (
        connect(&sim, &checks, "P", url, 4).await,
        connect(&sim, &checks, "S", url, 4).await,
        connect(&sim, &checks, "R", url, 4).await,
    ) else {
        return;
    };
    let seen = Arc::new(Mutex::new(Seen::default()));
    let Ok(feed) = s.client.subscribe(PUB_SUBJECT).await else {
        return checks.fail(sim.elapsed(), "subscribe failed while connected");
    };
    let Ok(echo) = s.client.queue_subscribe(ECHO_SUBJECT, "q").await else {
        return checks.fail(sim.elapsed(), "queue subscribe failed while connected");
    };
    if !flush_until_ok(&sim, &checks, &s).await {
        return checks.fail(sim.elapsed(), "no flush succeeded before the faults");
    }
    let slow = sim.percent(30);
    sim.spawn(read_feed(
        sim.clone(),
        checks.clone(),
        s.clone(),
        feed,
        seen.clone(),
        slow,
    ));
    sim.spawn(respond(sim.clone(), s.client.clone(), echo));

    let (until, faults) = faults::start(&sim, &server, Duration::from_secs(15), &checks);
    let publishes = sim.spawn_join(publish(sim.clone(), checks.clone(), p.clone(), until));
    let requests = sim.spawn_join(request(sim.clone(), checks.clone(), r.clone(), until));
    let churn = sim.spawn_join(churn(sim.clone(), s.clone(), until));
    faults.await;
    let accepted = publishes.await;
    requests.await;
    let expected_tmp = churn.await;

    // Settle: the network is healed and the server up; every client must recover.
    if !recover(&sim, &checks, &[&p, &s, &r]).await {
        return;
    }
    check_subscriptions(&sim, &checks, &server, &s, &expected_tmp);
    probe(&sim, &checks, &p, &seen).await;
    let order = check_publishes(&sim, &checks, &server, &p, &accepted);
    check_feed(&sim, &checks, &order, &lock(&seen));
    // Every task that is ready runs before virtual time moves: after this sleep the event
    // listeners have counted everything reported so far.
    sim.sleep(Duration::from_millis(1)).await;
    for c in [&p, &s, &r] {
        check_events(&sim, &checks, c);
    }
    for c in [&p, &s, &r] {
        drain_checked(&sim, &checks, c).await;
    }
    checks.count("publishes accepted", accepted.len() as u64);
    checks.count(
        "messages seen by the subscriber",
        lock(&seen).seqs.len() as u64,
    );
}

/// The payload of publish `seq`: its number, a space, and padding.
fn payload(sim: &Sim, seq: u64) -> Bytes {
    let pad = if sim.percent(5) {
        MAX_PAYLOAD - 32
    } else {
        sim.range(0, 300) as usize
    };
    let mut p = format!("{seq} ").into_bytes();
    p.resize(p.len() + pad, b'x');
    Bytes::from(p)
}

pub(super) fn seq_of(payload: &[u8]) -> Option<u64> {
    let end = payload.iter().position(|b| *b == b' ')?;
    std::str::from_utf8(&payload[..end]).ok()?.parse().ok()
}

/// Publishes numbered messages until `until`, recording each one the client accepted.
async fn publish(sim: Sim, checks: Checks, p: SimClient, until: Duration) -> Vec<Accepted> {
    let mut accepted = Vec::new();
    let mut seq = 0;
    while sim.elapsed() < until {
        seq += 1;
        let body = payload(&sim, seq);
        let result = match sim.range(0, 9) {
            0 => p.client.try_publish(PUB_SUBJECT, None, None, body),
            1 => {
                let mut headers = HeaderMap::new();
                headers.insert("Seq", seq.to_string());
                p.client
                    .publish_with_headers(PUB_SUBJECT, headers, body)
                    .await
            }
            _ => p.client.publish(PUB_SUBJECT, body).await,
        };
        if result.is_ok() {
            let stats = p.client.statistics();
            let epoch = stats.connection.reconnects + u64::from(!p.client.is_connected());
            accepted.push(Accepted { seq, epoch });
        }
        match sim.range(0, 19) {
            0 => {
                flush_checked(&sim, &checks, &p).await;
            }
            1..=8 => {
                sim.sleep(sim.duration(Duration::ZERO, Duration::from_millis(30)))
                    .await
            }
            _ => {}
        }
    }
    accepted
}

/// Reads the subscriber's feed: in order, within its buffer bound, sometimes slowly.
async fn read_feed(
    sim: Sim,
    checks: Checks,
    s: SimClient,
    mut feed: Subscriber,
    seen: Arc<Mutex<Seen>>,
    slow: bool,
) {
    while let Some(msg) = feed.next().await {
        let pending = feed.pending();
        if pending > s.limits.sub_messages {
            checks.fail(
                sim.elapsed(),
                format!(
                    "subscription buffer holds {pending} messages, over its capacity of {}",
                    s.limits.sub_messages
                ),
            );
        }
        let Some(seq) = seq_of(&msg.payload) else {
            checks.fail(
                sim.elapsed(),
                "subscriber got a message that was never published",
            );
            continue;
        };
        lock(&seen).seqs.push(seq);
        if slow && sim.percent(30) {
            sim.sleep(sim.duration(Duration::ZERO, Duration::from_millis(50)))
                .await;
        }
    }
}

/// Answers every echo request with its own payload, sometimes late.
async fn respond(sim: Sim, client: natbus::Client, mut echo: Subscriber) {
    while let Some(msg) = echo.next().await {
        let Some(reply) = msg.reply else {
            continue;
        };
        if sim.percent(20) {
            sim.sleep(sim.duration(Duration::ZERO, Duration::from_millis(500)))
                .await;
        }
        let _ = client.publish(reply.as_str(), msg.payload).await;
    }
}

/// Sends requests with unique payloads; each reply must carry its own request's payload.
async fn request(sim: Sim, checks: Checks, r: SimClient, until: Duration) {
    let mut n = 0u64;
    while sim.elapsed() < until {
        n += 1;
        let token = format!("request {n}");
        let timeout = Duration::from_millis(sim.range(5, 1_000));
        let options = RequestOptions {
            timeout: Some(timeout),
            ..RequestOptions::default()
        };
        let start = sim.elapsed();
        let buffered = r.client.statistics().buffered_bytes;
        sim.world.note(format_args!(
            "client R: {token} with a {timeout:?} timeout, {buffered} bytes buffered"
        ));
        let result = r
            .client
            .request_with(ECHO_SUBJECT, token.clone(), options)
            .await;
        let got = result.as_ref().map(|m| m.payload.clone());
        sim.world.note(format_args!("client R: {token}: {got:?}"));
        checks.deadline(&format!("request {n}"), start, timeout, sim.elapsed());
        match result {
            Ok(reply) if reply.payload != token.as_bytes() => {
                let got = String::from_utf8_lossy(&reply.payload).into_owned();
                checks.fail(
                    sim.elapsed(),
                    format!("{token} got the reply to another request: {got:?}"),
                );
            }
            Ok(_) => checks.count("requests answered", 1),
            Err(RequestError::TimedOut { .. }) => checks.count("requests timed out", 1),
            Err(_) => checks.count("requests failed otherwise", 1),
        }
        if sim.percent(50) {
            sim.sleep(sim.duration(Duration::ZERO, Duration::from_millis(50)))
                .await;
        }
    }
}

/// Subscribes and unsubscribes temporary subjects until `until`; returns the subjects
/// still subscribed, which the server must know after the faults.
async fn churn(sim: Sim, s: SimClient, until: Duration) -> Vec<(String, Subscriber)> {
    let mut live: Vec<(String, Subscriber)> = Vec::new();
    let mut n = 0;
    while sim.elapsed() < until {
        sim.sleep(sim.duration(Duration::ZERO, Duration::from_millis(300)))
            .await;
        if live.is_empty() || sim.percent(60) {
            n += 1;
            let subject = format!("check.tmp.{n}");
            sim.world
                .note(format_args!("client S: subscribes {subject}"));
            if let Ok(sub) = s.client.subscribe(&subject).await {
                live.push((subject, sub));
            }
        } else {
            let i = sim.range(0, live.len() as u64 - 1) as usize;
            let (subject, mut sub) = live.swap_remove(i);
            sim.world
                .note(format_args!("client S: unsubscribes {subject}"));
            sub.unsubscribe();
        }
    }
    live
}
