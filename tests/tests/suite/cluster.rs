//! Clusters, failover, discovery, lame duck and faults (stalled server, connection limit).

use std::sync::Arc;
use std::time::{Duration, Instant};

use natbus::proto::server_error::ServerErrorKind;
use natbus::{Client, ClientEvent, CommandError, ConnectError, HeaderMap, RequestOptions, Runtime};
use natbus_tests::{NatsCluster, NatsServer};
use serde_json::{Value, json};

use super::transport::Transport;
use super::{WAIT, connect, options, sleep, wait_for_event, within};

/// The index of the cluster node the client is connected to (servers are named `n1`…).
pub(super) fn connected_node(client: &Client) -> usize {
    let name = client.server_info().expect("connected").server_name;
    let n: usize = name
        .trim_start_matches('n')
        .parse()
        .unwrap_or_else(|_| panic!("unexpected server name {name}"));
    n - 1
}

/// A cluster without JetStream, for tests of core failover: it forms once its routes are
/// up, without waiting for a JetStream meta leader election (which a 2-node cluster of an
/// older server can take more than 20 s to settle).
fn core_cluster(n: usize) -> NatsCluster {
    NatsCluster::start_with(n, |b| b.jetstream(false))
}

/// A JetStream API call over core request/reply, retried (for up to a minute: elections on
/// a loaded 2-core machine are slow) while the cluster elects leaders.
async fn js_api(rt: &Arc<dyn Runtime>, client: &Client, subject: &str, body: Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let opts = RequestOptions {
            timeout: Some(Duration::from_secs(2)),
            ..RequestOptions::default()
        };
        let last = match client.request_with(subject, body.to_string(), opts).await {
            Ok(msg) => {
                let v: Value = serde_json::from_slice(&msg.payload).expect("JSON from JetStream");
                if v.get("error").is_none() {
                    return v;
                }
                v.to_string()
            }
            Err(e) => e.to_string(),
        };
        assert!(
            Instant::now() < deadline,
            "{subject} kept failing; the last answer: {last}"
        );
        sleep(rt, Duration::from_millis(100)).await;
    }
}

/// Publishes with a message id (so a retry after a lost PubAck is deduplicated) until a
/// PubAck arrives; returns its sequence.
async fn publish_acked(rt: &Arc<dyn Runtime>, client: &Client, i: u32) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Msg-Id", format!("order-{i}"));
        let opts = RequestOptions {
            headers: Some(headers),
            timeout: Some(Duration::from_secs(2)),
        };
        if let Ok(msg) = client
            .request_with(format!("orders.{i}"), format!("order {i}"), opts)
            .await
        {
            let ack: Value = serde_json::from_slice(&msg.payload).unwrap_or(Value::Null);
            if let Some(seq) = ack["seq"].as_u64() {
                return seq;
            }
        }
        assert!(
            Instant::now() < deadline,
            "order {i} was never acknowledged"
        );
        sleep(rt, Duration::from_millis(100)).await;
    }
}

pub async fn cluster_failover_loses_no_jetstream_message(rt: Arc<dyn Runtime>) {
    let mut cluster = NatsCluster::start(3);
    let client = connect(&rt, options(&cluster.urls())).await;
    let mut events = client.events();
    let config = json!({"name": "ORDERS", "subjects": ["orders.>"], "num_replicas": 3});
    js_api(&rt, &client, "$JS.API.STREAM.CREATE.ORDERS", config).await;

    const TOTAL: u32 = 60;
    for i in 0..TOTAL {
        if i == TOTAL / 2 {
            let node = connected_node(&client);
            cluster.server_mut(node).stop();
            wait_for_event(&rt, &mut events, "disconnect", |e| {
                matches!(e, ClientEvent::Disconnected { .. })
            })
            .await;
        }
        publish_acked(&rt, &client, i).await;
    }
    let reconnected = wait_for_event(&rt, &mut events, "reconnect", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    // The reconnect already happened while publishing; the event is buffered.
    reconnected.await;

    let info = js_api(&rt, &client, "$JS.API.STREAM.INFO.ORDERS", json!({})).await;
    assert_eq!(
        info["state"]["messages"].as_u64(),
        Some(u64::from(TOTAL)),
        "{info}"
    );
    assert_eq!(
        info["state"]["last_seq"].as_u64(),
        Some(u64::from(TOTAL)),
        "{info}"
    );
    client.close().await;
}

pub async fn discovered_servers_are_used_for_failover(rt: Arc<dyn Runtime>) {
    let mut cluster = core_cluster(2);
    let first = cluster.servers()[0].url();
    let client = connect(&rt, options(&first)).await;
    let mut events = client.events();
    let mut sub = client.subscribe("roaming").await.expect("subscribe");
    client.flush().await.expect("flush");
    assert_eq!(connected_node(&client), 0);

    cluster.server_mut(0).stop();
    wait_for_event(
        &rt,
        &mut events,
        "reconnect to the discovered server",
        |e| matches!(e, ClientEvent::Reconnected { .. }),
    )
    .await;
    assert_eq!(connected_node(&client), 1);
    client
        .publish("roaming", "still here")
        .await
        .expect("publish");
    let msg = within(&rt, WAIT, "message after failover", sub.next())
        .await
        .expect("resubscribed");
    assert_eq!(&msg.payload[..], b"still here");
    client.close().await;

    // Told to ignore discovered servers, the client has nowhere to go and gives up.
    let mut cluster = core_cluster(2);
    let opts = options(&cluster.servers()[0].url())
        .ignore_discovered_servers(true)
        .max_reconnects(Some(3));
    let client = connect(&rt, opts).await;
    let mut events = client.events();
    cluster.server_mut(0).stop();
    let closed = wait_for_event(&rt, &mut events, "close after max reconnects", |e| {
        matches!(
            e,
            ClientEvent::Closed { .. } | ClientEvent::Reconnected { .. }
        )
    })
    .await;
    assert!(matches!(closed, ClientEvent::Closed { .. }), "{closed:?}");
}

pub async fn lame_duck_moves_the_client_before_shutdown(rt: Arc<dyn Runtime>) {
    lame_duck_moves_the_client_before_shutdown_over(rt, Transport::Tcp).await;
}

/// The client is given only the first server: it learns the second from INFO (over a
/// WebSocket, the server lists its cluster's WebSocket listeners).
pub async fn lame_duck_moves_the_client_before_shutdown_over(
    rt: Arc<dyn Runtime>,
    transport: Transport,
) {
    let mut cluster = NatsCluster::start_with(2, |b| transport.configure(b.jetstream(false)));
    let client = connect(&rt, options(&transport.url(&cluster.servers()[0]))).await;
    let mut events = client.events();
    let mut sub = client.subscribe("ldm").await.expect("subscribe");
    client.flush().await.expect("flush");

    cluster.server_mut(0).lame_duck();
    wait_for_event(&rt, &mut events, "lame duck event", |e| {
        matches!(e, ClientEvent::LameDuck)
    })
    .await;
    wait_for_event(&rt, &mut events, "move to the other server", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    })
    .await;
    assert_eq!(connected_node(&client), 1);
    assert!(
        cluster.server_mut(0).is_running(),
        "the client moved during the grace period, before the server shut down"
    );
    client.publish("ldm", "moved").await.expect("publish");
    let msg = within(&rt, WAIT, "message after moving", sub.next())
        .await
        .expect("resubscribed");
    assert_eq!(&msg.payload[..], b"moved");
}

/// SIGSTOP leaves the socket open but silent: a half-open connection whose writes stall.
pub async fn stalled_server_is_detected_and_writes_stay_bounded(rt: Arc<dyn Runtime>) {
    let server = NatsServer::builder().jetstream(false).start();
    let opts = options(&server.url())
        .ping_interval(Duration::from_millis(200))
        .max_pings_out(2)
        .write_buffer_size(256 * 1024)
        .reconnect_buffer_size(256 * 1024)
        .connect_timeout(Duration::from_secs(1));
    let client = connect(&rt, opts).await;
    let mut events = client.events();
    let resume = server.pause();

    let payload = vec![b'x'; 32 * 1024];
    let started = Instant::now();
    let mut full = false;
    while started.elapsed() < WAIT {
        match client.try_publish("stall", None, None, payload.clone()) {
            Ok(()) => sleep(&rt, Duration::from_millis(1)).await,
            Err(CommandError::BufferFull { limit }) => {
                assert_eq!(limit, 256 * 1024);
                full = true;
                break;
            }
            Err(e) => panic!("unexpected publish error: {e}"),
        }
    }
    assert!(
        full,
        "the outbound buffer must be bounded while writes stall"
    );
    let lost = wait_for_event(&rt, &mut events, "stale detection", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    })
    .await;
    assert!(format!("{lost:?}").contains("stale"), "{lost:?}");

    drop(resume);
    wait_for_event(
        &rt,
        &mut events,
        "reconnect after the server resumes",
        |e| matches!(e, ClientEvent::Reconnected { .. }),
    )
    .await;
    within(&rt, WAIT, "flush", client.flush())
        .await
        .expect("the connection works again");
}

pub async fn max_connections_exceeded_is_a_clear_connect_error(rt: Arc<dyn Runtime>) {
    let server = NatsServer::builder()
        .jetstream(false)
        .config("max_connections: 1")
        .start();
    let first = connect(&rt, options(&server.url())).await;
    let err = natbus::connect_with(rt.clone(), options(&server.url()))
        .await
        .expect_err("the server allows one connection");
    assert!(
        matches!(&err, ConnectError::Refused(e) if e.kind == ServerErrorKind::MaxConnectionsExceeded),
        "{err:?}"
    );
    first.flush().await.expect("the first client is unaffected");
}
