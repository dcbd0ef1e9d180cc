//! The checks of the core workload, run once the faults are over and every client has
//! recovered.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use natbus::Subscriber;

use super::core::{Accepted, ECHO_SUBJECT, PUB_SUBJECT, Seen, lock, seq_of};
use super::{SimClient, flush_until_ok};
use crate::check::Checks;
use crate::runtime::Sim;
use crate::server::Server;

/// Checks the publisher's messages against what the server got, and returns the order in
/// which the server got them (what every subscriber must see a part of).
///
/// The client writes one connection after another, so within a connection the numbers
/// rise with no accepted one missing between two that arrived, and every number written
/// to an older connection is below every number written to a newer one. Across
/// connections the *arrival* order may differ: a connection the client gave up on (it
/// stopped answering PINGs) can still deliver what it held once the network heals, as a
/// real TCP connection does after a graceful close. One is missing only when a
/// connection was lost after it was accepted, which the client reports as a disconnect.
pub(super) fn check_publishes(
    sim: &Sim,
    checks: &Checks,
    server: &Server,
    p: &SimClient,
    accepted: &[Accepted],
) -> Vec<u64> {
    let journal: Vec<(u64, u64)> = server
        .lock()
        .journal
        .iter()
        .filter(|r| r.client == p.name && r.subject == PUB_SUBJECT)
        .filter_map(|r| Some((seq_of(&r.payload)?, r.conn)))
        .collect();
    let now = sim.elapsed();
    let accepted_seqs: BTreeSet<u64> = accepted.iter().map(|a| a.seq).collect();
    let mut received = BTreeSet::new();
    let mut by_conn: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for &(seq, conn) in &journal {
        if !received.insert(seq) {
            checks.fail(now, format!("the server got publish {seq} twice"));
        }
        by_conn.entry(conn).or_default().push(seq);
    }
    for (conn, seqs) in &by_conn {
        for pair in seqs.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if a >= b {
                checks.fail(
                    now,
                    format!("publish {b} arrived after {a} on connection {conn}"),
                );
            } else if accepted_seqs.range(a + 1..b).next().is_some() {
                checks.fail(now, format!("publishes between {a} and {b} are missing although both arrived on connection {conn}"));
            }
        }
    }
    let spans: Vec<(u64, u64, u64)> = by_conn
        .iter()
        .filter_map(|(conn, seqs)| Some((*conn, *seqs.iter().min()?, *seqs.iter().max()?)))
        .collect();
    for pair in spans.windows(2) {
        let ((old, _, old_max), (new, new_min, _)) = (pair[0], pair[1]);
        if old_max >= new_min {
            checks.fail(now, format!("publish {old_max} went out on connection {old}, after {new_min} on the newer connection {new}"));
        }
    }
    let mut highest = 0;
    let mut late = 0;
    for &(seq, _) in &journal {
        if seq < highest {
            late += 1;
        }
        highest = highest.max(seq);
    }
    checks.count("publishes delivered late by an abandoned connection", late);
    let stats = p.client.statistics().connection;
    let mut lost = 0;
    for a in accepted {
        if received.contains(&a.seq) {
            continue;
        }
        if stats.reconnects > a.epoch {
            lost += 1;
        } else {
            checks.fail(now, format!("publish {} was accepted and never reached the server, with no connection lost since", a.seq));
        }
    }
    // Nothing lost silently: every accepted publish the server did not get was reported
    // as possibly lost.
    let reported = stats.publish_loss.at_most().messages;
    if lost > reported {
        checks.fail(now, format!("{lost} accepted publishes never reached the server, but the client reported only {reported} as possibly lost"));
    }
    checks.count("publishes lost with a dead connection", lost);
    checks.count("publishes reported as possibly lost", reported);
    journal.into_iter().map(|(seq, _)| seq).collect()
}

/// The subscriber saw part of what the server got, in the server's order.
pub(super) fn check_feed(sim: &Sim, checks: &Checks, order: &[u64], seen: &Seen) {
    let mut rest = order.iter();
    for &seq in &seen.seqs {
        if !rest.any(|&s| s == seq) {
            return checks.fail(sim.elapsed(), format!("the subscriber got publish {seq} out of the server's order (or one never published)"));
        }
    }
}

/// The server holds the subscriber's subscriptions again after the faults.
pub(super) fn check_subscriptions(
    sim: &Sim,
    checks: &Checks,
    server: &Server,
    s: &SimClient,
    tmp: &[(String, Subscriber)],
) {
    let mut expected: Vec<String> = vec![PUB_SUBJECT.to_owned(), format!("{ECHO_SUBJECT} q")];
    expected.extend(tmp.iter().map(|(subject, _)| subject.clone()));
    expected.sort();
    let actual = server.lock().subscriptions_of(s.name);
    if actual != expected {
        checks.fail(sim.elapsed(), format!("after the faults the server has subscriptions {actual:?} for the subscriber, expected {expected:?}"));
    }
}

/// One more publish after the faults must reach the subscriber.
pub(super) async fn probe(sim: &Sim, checks: &Checks, p: &SimClient, seen: &Arc<Mutex<Seen>>) {
    let seq = u64::MAX / 2;
    if p.client
        .publish(PUB_SUBJECT, format!("{seq} probe"))
        .await
        .is_err()
        || !flush_until_ok(sim, checks, p).await
    {
        return checks.fail(
            sim.elapsed(),
            "the probe could not be published after the faults",
        );
    }
    let end = sim.elapsed() + Duration::from_secs(30);
    while sim.elapsed() < end {
        if lock(seen).seqs.last() == Some(&seq) {
            return;
        }
        sim.sleep(Duration::from_millis(10)).await;
    }
    checks.fail(
        sim.elapsed(),
        "the subscriber did not get the probe published after the faults",
    );
}

/// Every lost connection was reported, and every reconnect too, and the publishes the
/// `Disconnected` events reported as possibly lost add up to the client's count.
pub(crate) fn check_events(sim: &Sim, checks: &Checks, c: &SimClient) {
    let events = c.events();
    let stats = c.client.statistics().connection;
    let reconnects = stats.reconnects;
    if events.possibly_lost != stats.publish_loss {
        checks.fail(
            sim.elapsed(),
            format!(
                "client {}: the Disconnected events reported {:?} possibly lost, the statistics {:?}",
                c.name, events.possibly_lost, stats.publish_loss
            ),
        );
    }
    // The listener started after the first connect, so it saw no `Connected`.
    if events.disconnected != reconnects
        || events.reconnected != reconnects
        || events.connected != 0
    {
        checks.fail(
            sim.elapsed(),
            format!(
                "client {}: {reconnects} reconnects but events {events:?}",
                c.name
            ),
        );
    }
    checks.count("reconnects", reconnects);
}
