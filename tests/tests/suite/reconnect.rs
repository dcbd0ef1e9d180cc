//! Connection lifecycle against a server that goes away and comes back.

use std::sync::Arc;
use std::time::Duration;

use natbus::{ClientEvent, Runtime};
use natbus_tests::NatsServer;

use super::{WAIT, connect, options, within};

async fn wait_for(events: &mut natbus::EventStream, want: fn(&ClientEvent) -> bool) {
    loop {
        match events.next().await {
            Some(e) if want(&e) => return,
            Some(_) => continue,
            None => panic!("event stream ended"),
        }
    }
}

pub async fn reconnects_resubscribes_and_sends_buffered(rt: Arc<dyn Runtime>) {
    let mut server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let mut events = client.events();
    let mut sub = client.subscribe("survive").await.expect("subscribe");
    client.publish("survive", "before").await.expect("publish");
    let msg = within(&rt, WAIT, "first message", sub.next())
        .await
        .expect("open");
    assert_eq!(&msg.payload[..], b"before");

    server.stop();
    within(
        &rt,
        WAIT,
        "disconnect",
        wait_for(&mut events, |e| {
            matches!(e, ClientEvent::Disconnected { .. })
        }),
    )
    .await;
    // Published while the server is down: kept in the reconnect buffer.
    for i in 0..10 {
        client
            .publish("survive", format!("while-down-{i}"))
            .await
            .expect("buffered");
    }
    server.restart();
    within(
        &rt,
        WAIT,
        "reconnect",
        wait_for(&mut events, |e| {
            matches!(e, ClientEvent::Reconnected { .. })
        }),
    )
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
    let stop = async {
        super::sleep(&rt, Duration::from_millis(100)).await;
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
