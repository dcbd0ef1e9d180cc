//! Nothing lost silently: when a connection dies, the publishes it may have taken with it
//! are reported, against a real server killed while a client publishes.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use natbus::{Bytes, ClientEvent, Runtime};
use natbus_tests::NatsServer;

use super::{WAIT, connect, options, wait_for_event, wait_until, within};

const SUBJECT: &str = "loss.check";
const PAYLOAD: usize = 64;

/// Publish `seq`: its number, a colon, and padding to [`PAYLOAD`] bytes.
fn payload(seq: u64) -> Bytes {
    let mut p = format!("{seq}:").into_bytes();
    p.resize(PAYLOAD, b'.');
    Bytes::from(p)
}

fn seq_of(payload: &[u8]) -> Option<u64> {
    let end = payload.iter().position(|b| *b == b':')?;
    std::str::from_utf8(&payload[..end]).ok()?.parse().ok()
}

/// The server is killed (SIGKILL) while the client publishes numbered messages, flushing
/// every 100. Whatever the server never got must be within what `Disconnected` reported
/// as possibly lost, and the report holds only publishes after the last confirmed flush.
///
/// The client subscribes to its own subject, so the check needs no timing: the server
/// writes a message to its subscribers before it answers a later PING, and here the
/// subscriber and the PING share one connection, so every publish the server confirmed
/// has arrived by the time its PONG does; after the reconnect, a flush likewise proves
/// that everything the server will ever deliver is in the subscription.
pub async fn publishes_a_killed_server_may_not_have_read_are_reported(rt: Arc<dyn Runtime>) {
    const CAP: u64 = 200_000;
    let mut server = NatsServer::builder().jetstream(false).start();
    let client = connect(
        &rt,
        options(&server.url())
            // No keep-alive PING confirms anything behind the test's back.
            .ping_interval(Duration::from_secs(600))
            .subscription_capacity(CAP as usize + 100, 256 * 1024 * 1024),
    )
    .await;
    let mut events = client.events();
    let mut sub = client.subscribe(SUBJECT).await.expect("subscribe");
    client.flush().await.expect("flush");

    let mut accepted = 0u64;
    let mut confirmed = 0u64;
    let publish = async {
        while accepted < CAP && client.is_connected() {
            client
                .publish(SUBJECT, payload(accepted))
                .await
                .expect("a publish is accepted while connected or buffered");
            accepted += 1;
            if accepted % 100 == 0 {
                match client.flush().await {
                    Ok(()) => confirmed = accepted,
                    Err(_) => break,
                }
            }
        }
    };
    let kill = async {
        wait_until(&rt, "the publisher to be well under way", || {
            sub.pending() >= 2_000
        })
        .await;
        server.stop();
    };
    within(
        &rt,
        3 * WAIT,
        "publishing until the server dies",
        futures::future::join(publish, kill),
    )
    .await;
    let at_kill = accepted;
    let event = wait_for_event(&rt, &mut events, "the disconnect", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    })
    .await;
    let ClientEvent::Disconnected { possibly_lost, .. } = event else {
        unreachable!("matched above")
    };

    // Published while the server is down: buffered, so not lost and not reported.
    for _ in 0..10 {
        client
            .publish(SUBJECT, payload(accepted))
            .await
            .expect("buffered");
        accepted += 1;
    }
    server.restart();
    wait_for_event(&rt, &mut events, "the reconnect", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    })
    .await;
    client.flush().await.expect("flush after the reconnect");
    let mut received = BTreeSet::new();
    while let Some(msg) = sub.try_next() {
        received.insert(seq_of(&msg.payload).expect("a numbered publish"));
    }

    let missing = (0..accepted).filter(|s| !received.contains(s)).count() as u64;
    let reported = possibly_lost.at_most();
    let what = format!(
        "{accepted} accepted ({at_kill} before the kill, {confirmed} confirmed), {missing} missing, reported {possibly_lost:?}"
    );
    assert!(missing <= reported.messages, "lost silently: {what}");
    assert!(
        reported.messages <= at_kill - confirmed,
        "confirmed publishes reported: {what}"
    );
    assert!(
        (at_kill..accepted).all(|s| received.contains(&s)),
        "the buffered publishes arrived after the reconnect: {what}"
    );
    assert_eq!(reported.bytes, reported.messages * PAYLOAD as u64, "{what}");
    assert!(possibly_lost.discarded.is_zero(), "{what}");
    assert_eq!(client.statistics().connection.publish_loss, possibly_lost);
}

/// A client closed while it cannot reach any server reports the publishes it throws away
/// from its reconnect buffer, in the `Closed` event and its statistics.
pub async fn closing_while_disconnected_reports_the_discarded_buffer(rt: Arc<dyn Runtime>) {
    let mut server = NatsServer::builder().jetstream(false).start();
    let client = connect(&rt, options(&server.url())).await;
    let mut events = client.events();
    client.flush().await.expect("flush");
    server.stop();
    wait_for_event(&rt, &mut events, "the disconnect", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    })
    .await;
    for seq in 0..5 {
        client
            .publish(SUBJECT, payload(seq))
            .await
            .expect("buffered");
    }
    within(&rt, WAIT, "the close", client.close()).await;
    let event = wait_for_event(&rt, &mut events, "the Closed event", |e| {
        matches!(e, ClientEvent::Closed { .. })
    })
    .await;
    let ClientEvent::Closed { possibly_lost, .. } = event else {
        unreachable!("matched above")
    };
    assert_eq!(possibly_lost.discarded.messages, 5, "{possibly_lost:?}");
    assert_eq!(possibly_lost.discarded.bytes, 5 * PAYLOAD as u64);
    assert_eq!(
        client.statistics().connection.publish_loss.discarded,
        possibly_lost.discarded
    );
}
