//! Connection lifecycle against a server that goes away and comes back.

use std::sync::Arc;
use std::time::Duration;

use natbus::{ClientEvent, CommandError, Runtime};
use natbus_tests::NatsServer;

use super::transport::Transport;
use super::{WAIT, connect, options, sleep, wait_for_event, wait_until, within};

pub async fn reconnects_resubscribes_and_sends_buffered(rt: Arc<dyn Runtime>) {
    reconnects_resubscribes_and_sends_buffered_over(rt, Transport::Tcp).await;
}

pub async fn reconnects_resubscribes_and_sends_buffered_over(
    rt: Arc<dyn Runtime>,
    transport: Transport,
) {
    let mut server = transport.start(NatsServer::builder());
    let client = connect(&rt, options(&transport.url(&server))).await;
    let mut events = client.events();
    let mut sub = client.subscribe("survive").await.expect("subscribe");
    client.publish("survive", "before").await.expect("publish");
    let msg = within(&rt, WAIT, "first message", sub.next())
        .await
        .expect("open");
    assert_eq!(&msg.payload[..], b"before");

    server.stop();
    wait_for_event(&rt, &mut events, "disconnect", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    })
    .await;
    // Published while the server is down: kept in the reconnect buffer.
    for i in 0..10 {
        client
            .publish("survive", format!("while-down-{i}"))
            .await
            .expect("buffered");
    }
    server.restart();
    wait_for_event(&rt, &mut events, "reconnect", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    })
    .await;
    for i in 0..10 {
        let msg = within(&rt, WAIT, "buffered message", sub.next())
            .await
            .expect("open");
        assert_eq!(
            msg.payload,
            format!("while-down-{i}"),
            "resubscribed, then the buffer was flushed in order"
        );
    }
    client.publish("survive", "after").await.expect("publish");
    let msg = within(&rt, WAIT, "message after reconnect", sub.next())
        .await
        .expect("open");
    assert_eq!(&msg.payload[..], b"after");
    assert_eq!(client.statistics().connection.reconnects, 1);
}

pub async fn pending_request_fails_when_the_connection_drops(rt: Arc<dyn Runtime>) {
    let mut server = NatsServer::start();
    let client = connect(
        &rt,
        options(&server.url()).request_timeout(Duration::from_secs(30)),
    )
    .await;
    let _silent = client.subscribe("never.answers").await.expect("subscribe");
    client.flush().await.expect("flush");
    let request = client.request("never.answers", "?");
    // Stop the server once it has the request (its only inbound message), so the request
    // is in flight, not buffered, when the connection drops.
    let stop = async {
        wait_until(&rt, "the server to receive the request", || {
            server.monitor("/varz")["in_msgs"].as_u64() >= Some(1)
        })
        .await;
        server.stop();
    };
    let (result, ()) = within(
        &rt,
        WAIT,
        "the request to fail",
        futures::future::join(request, stop),
    )
    .await;
    let err = result.expect_err("no reply can come");
    assert!(
        matches!(err, natbus::RequestError::Disconnected { .. }),
        "{err}"
    );
}

pub async fn connect_to_nothing_fails_clearly(rt: Arc<dyn Runtime>) {
    let mut server = NatsServer::start();
    let url = server.url();
    server.stop();
    let err = natbus::connect_with(rt.clone(), options(&url))
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, natbus::ConnectError::Unreachable(_)), "{err}");
}

/// While the server is away, publishing is held to the reconnect buffer: `try_publish`
/// fails with a clear error once it is full, an async publish waits for room, and every
/// message accepted arrives, in order, after the reconnect.
pub async fn reconnect_buffer_is_bounded_and_publish_waits(rt: Arc<dyn Runtime>) {
    const LIMIT: usize = 64 * 1024;
    let mut server = NatsServer::builder().jetstream(false).start();
    let client = connect(&rt, options(&server.url()).reconnect_buffer_size(LIMIT)).await;
    let mut events = client.events();
    let mut sub = client.subscribe("bounded").await.expect("subscribe");
    client.flush().await.expect("flush");
    server.stop();
    wait_for_event(&rt, &mut events, "disconnect", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    })
    .await;

    let frame = |n: usize| {
        let mut payload = format!("{n}:").into_bytes();
        payload.resize(1000, b'.');
        payload
    };
    let mut accepted = 0;
    loop {
        match client.try_publish("bounded", None, None, frame(accepted)) {
            Ok(()) => accepted += 1,
            Err(CommandError::BufferFull { limit }) => {
                assert_eq!(limit, LIMIT);
                break;
            }
            Err(e) => panic!("unexpected publish error: {e}"),
        }
        assert!(
            accepted * 1000 <= LIMIT,
            "the reconnect buffer is not bounded"
        );
    }
    assert!(
        accepted >= LIMIT / 1100,
        "only {accepted} messages fit in {LIMIT} bytes"
    );

    // The async publish waits for room rather than failing or dropping.
    let mut waiting = Box::pin(client.publish("bounded", frame(accepted)));
    assert!(
        futures::poll!(waiting.as_mut()).is_pending(),
        "a publish into a full reconnect buffer waits"
    );
    server.restart();
    within(&rt, WAIT, "the waiting publish", waiting)
        .await
        .expect("sent after the reconnect");
    for n in 0..=accepted {
        let msg = within(&rt, WAIT, "a buffered message", sub.next())
            .await
            .expect("open");
        let seq = msg.payload.split(|&b| b == b':').next().unwrap_or_default();
        assert_eq!(seq, n.to_string().as_bytes(), "message {n} in order");
    }
}

/// `force_reconnect` flushes, drops the connection, and comes back on a new one with the
/// subscriptions made again.
pub async fn force_reconnect_makes_a_new_connection(rt: Arc<dyn Runtime>) {
    let server = NatsServer::builder().jetstream(false).start();
    let client = connect(&rt, options(&server.url())).await;
    let mut events = client.events();
    let mut sub = client.subscribe("again").await.expect("subscribe");
    client.flush().await.expect("flush");
    let cids = |connz: serde_json::Value| -> Vec<u64> {
        connz["connections"]
            .as_array()
            .map(|all| all.iter().filter_map(|c| c["cid"].as_u64()).collect())
            .unwrap_or_default()
    };
    let before = cids(server.connz());
    assert_eq!(before.len(), 1, "one client connection");

    client.publish("again", "before").await.expect("publish");
    client.force_reconnect().await.expect("forced");
    wait_for_event(
        &rt,
        &mut events,
        "the forced disconnect",
        |e| matches!(e, ClientEvent::Disconnected { reason, .. } if reason.contains("forced")),
    )
    .await;
    wait_for_event(&rt, &mut events, "the reconnect", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    })
    .await;
    let msg = within(&rt, WAIT, "the message published before", sub.next())
        .await
        .expect("open");
    assert_eq!(&msg.payload[..], b"before", "flushed before the drop");
    client.publish("again", "after").await.expect("publish");
    let msg = within(&rt, WAIT, "a message on the new connection", sub.next())
        .await
        .expect("resubscribed");
    assert_eq!(&msg.payload[..], b"after");
    assert_eq!(client.statistics().connection.reconnects, 1);
    // The server may list the old connection a moment longer.
    let started = std::time::Instant::now();
    loop {
        let after = cids(server.connz());
        if after.len() == 1 && after != before {
            break;
        }
        assert!(
            started.elapsed() < WAIT,
            "a new connection replaces the old one: {before:?} -> {after:?}"
        );
        sleep(&rt, Duration::from_millis(20)).await;
    }
}
