//! Core NATS: publish/subscribe, queue groups, headers, request/reply, limits, auth, drain.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use natbus::{
    ClientEvent, CommandError, HeaderMap, RequestError, RequestManyOptions, RequestOptions, Runtime,
};
use natbus_tests::NatsServer;

use super::transport::Transport;
use super::{WAIT, connect, options, within};

pub async fn pub_sub_delivers_in_order(rt: Arc<dyn Runtime>) {
    pub_sub_delivers_in_order_over(rt, Transport::Tcp).await;
}

pub async fn pub_sub_delivers_in_order_over(rt: Arc<dyn Runtime>, transport: Transport) {
    let server = transport.start(NatsServer::builder());
    let client = connect(&rt, options(&transport.url(&server))).await;
    let mut sub = client.subscribe("orders.*").await.expect("subscribe");
    client.flush().await.expect("flush");
    for i in 0..100 {
        client
            .publish(format!("orders.{}", i % 3), format!("m{i}"))
            .await
            .expect("publish");
    }
    for i in 0..100 {
        let msg = within(&rt, WAIT, "a message", sub.next())
            .await
            .expect("subscription open");
        assert_eq!(msg.subject.as_str(), format!("orders.{}", i % 3));
        assert_eq!(msg.payload, Bytes::from(format!("m{i}")));
    }
    let stats = client.statistics().connection;
    assert_eq!((stats.in_msgs, stats.out_msgs), (100, 100));
}

pub async fn queue_group_splits_the_load(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let mut a = client
        .queue_subscribe("jobs", "workers")
        .await
        .expect("subscribe a");
    let mut b = client
        .queue_subscribe("jobs", "workers")
        .await
        .expect("subscribe b");
    client.flush().await.expect("flush");
    for i in 0..200 {
        client
            .publish("jobs", format!("{i}"))
            .await
            .expect("publish");
    }
    client.flush().await.expect("flush");
    // Each message goes to exactly one member.
    let mut seen = HashSet::new();
    let (mut count_a, mut count_b) = (0, 0);
    while seen.len() < 200 {
        let next = within(
            &rt,
            WAIT,
            "queue messages",
            futures::future::select(a.next(), b.next()),
        )
        .await;
        let (msg, from_a) = match next {
            futures::future::Either::Left((m, _)) => (m, true),
            futures::future::Either::Right((m, _)) => (m, false),
        };
        let msg = msg.expect("open");
        assert!(
            seen.insert(msg.payload.clone()),
            "delivered twice: {:?}",
            msg.payload
        );
        if from_a { count_a += 1 } else { count_b += 1 }
    }
    assert!(
        count_a > 20 && count_b > 20,
        "load split {count_a}/{count_b}"
    );
    assert_eq!(a.pending() + b.pending(), 0, "nothing delivered twice");
}

pub async fn headers_round_trip(rt: Arc<dyn Runtime>) {
    headers_round_trip_over(rt, Transport::Tcp).await;
}

pub async fn headers_round_trip_over(rt: Arc<dyn Runtime>, transport: Transport) {
    let server = transport.start(NatsServer::builder());
    let client = connect(&rt, options(&transport.url(&server))).await;
    let mut sub = client.subscribe("h").await.expect("subscribe");
    client.flush().await.expect("flush");
    let mut headers = HeaderMap::new();
    headers.insert("Trace-Id", "abc-123");
    headers.append("X-Multi", "one");
    headers.append("X-Multi", "two");
    client
        .publish_with_headers("h", headers, "body")
        .await
        .expect("publish");
    let msg = within(&rt, WAIT, "the message", sub.next())
        .await
        .expect("open");
    let h = msg.headers.expect("headers arrive");
    assert_eq!(h.get("Trace-Id"), Some("abc-123"));
    assert_eq!(h.get_all("X-Multi").collect::<Vec<_>>(), vec!["one", "two"]);
    assert_eq!(&msg.payload[..], b"body");
    // Headers with an empty payload too.
    let mut only = HeaderMap::new();
    only.insert("K", "v");
    client
        .publish_with_headers("h", only, Bytes::new())
        .await
        .expect("publish");
    let msg = within(&rt, WAIT, "the message", sub.next())
        .await
        .expect("open");
    assert_eq!(msg.headers.as_ref().and_then(|h| h.get("K")), Some("v"));
    assert!(msg.payload.is_empty());
}

pub async fn request_reply_muxes_a_thousand_requests(rt: Arc<dyn Runtime>) {
    request_reply_muxes_a_thousand_requests_over(rt, Transport::Tcp).await;
}

pub async fn request_reply_muxes_a_thousand_requests_over(
    rt: Arc<dyn Runtime>,
    transport: Transport,
) {
    let server = transport.start(NatsServer::builder());
    let client = connect(&rt, options(&transport.url(&server))).await;
    let mut service = client.subscribe("math.double").await.expect("subscribe");
    let responder = client.clone();
    let (done_tx, done_rx) = futures::channel::oneshot::channel::<()>();
    rt.spawn(Box::pin(async move {
        while let Some(msg) = service.next().await {
            let n: u64 = std::str::from_utf8(&msg.payload)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            if let Some(reply) = msg.reply {
                let _ = responder.publish(reply.as_str(), (n * 2).to_string()).await;
            }
        }
        let _ = done_tx.send(());
    }));
    client.flush().await.expect("flush");
    let requests = (0..1000u64).map(|i| {
        let client = client.clone();
        async move { (i, client.request("math.double", i.to_string()).await) }
    });
    let replies = within(
        &rt,
        Duration::from_secs(30),
        "1000 replies",
        futures::future::join_all(requests),
    )
    .await;
    for (i, reply) in replies {
        let msg = reply.unwrap_or_else(|e| panic!("request {i} failed: {e}"));
        assert_eq!(
            msg.payload,
            Bytes::from((i * 2).to_string()),
            "reply to request {i}"
        );
    }
    drop(done_rx);
}

pub async fn no_responders_fails_fast(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let started = std::time::Instant::now();
    let err = client
        .request("nobody.home", "?")
        .await
        .expect_err("no one listens");
    assert!(matches!(err, RequestError::NoResponders { .. }), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "answered by the server, not by the timeout"
    );
}

pub async fn request_times_out(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    // A subscriber that never answers.
    let _silent = client.subscribe("slow.service").await.expect("subscribe");
    client.flush().await.expect("flush");
    let opts = RequestOptions {
        timeout: Some(Duration::from_millis(200)),
        ..Default::default()
    };
    let err = client
        .request_with("slow.service", "?", opts)
        .await
        .expect_err("times out");
    assert!(matches!(err, RequestError::TimedOut { .. }), "{err}");
}

/// The requester hears nothing at all after its request (the silent subscriber is another
/// client), so only the request's own deadline can end the wait. It used to end only when
/// the driver next woke for something else (the ping interval: minutes), because a request
/// written from the caller's task did not make the driver re-arm its sleep.
pub async fn request_times_out_on_an_otherwise_idle_connection(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let silent = connect(&rt, options(&server.url())).await;
    let _sub = silent.subscribe("quiet.service").await.expect("subscribe");
    silent.flush().await.expect("flush");
    let client = connect(&rt, options(&server.url())).await;
    client.flush().await.expect("flush");
    let opts = RequestOptions {
        timeout: Some(Duration::from_millis(200)),
        ..Default::default()
    };
    let err = within(
        &rt,
        Duration::from_millis(1500),
        "the request's 200 ms timeout",
        client.request_with("quiet.service", "?", opts),
    )
    .await
    .expect_err("times out");
    assert!(matches!(err, RequestError::TimedOut { .. }), "{err}");
}

pub async fn unsubscribe_after_n_messages(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let mut sub = client.subscribe("limited").await.expect("subscribe");
    sub.unsubscribe_after(3);
    client.flush().await.expect("flush");
    for i in 0..10 {
        client
            .publish("limited", format!("{i}"))
            .await
            .expect("publish");
    }
    let got: Vec<_> = within(
        &rt,
        WAIT,
        "the stream to end",
        sub.by_ref().collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(got.len(), 3, "exactly three, then the stream ends");
}

pub async fn drain_delivers_buffered_messages(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let mut sub = client.subscribe("work").await.expect("subscribe");
    // The server must have the SUB before the other connection publishes.
    client.flush().await.expect("flush the SUB");
    let publisher = connect(&rt, options(&server.url())).await;
    for i in 0..500 {
        publisher
            .publish("work", format!("{i}"))
            .await
            .expect("publish");
    }
    publisher.flush().await.expect("flush");
    // Nothing read yet: everything sits in the subscription buffer or on the wire.
    within(&rt, WAIT, "drain", client.drain())
        .await
        .expect("drain completes");
    assert!(client.is_closed());
    let got: Vec<_> = within(
        &rt,
        WAIT,
        "buffered messages",
        sub.by_ref().collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(
        got.len(),
        500,
        "every message sent before the drain is delivered"
    );
    assert!(matches!(
        client.publish("work", "late").await,
        Err(CommandError::Closed)
    ));
}

pub async fn user_password_auth(rt: Arc<dyn Runtime>) {
    user_password_auth_over(rt, Transport::Tcp).await;
}

pub async fn user_password_auth_over(rt: Arc<dyn Runtime>, transport: Transport) {
    let server = transport.start(NatsServer::builder().user_password("alice", "s3cret"));
    let url = transport.url(&server);
    let good = connect(&rt, options(&url).user_password("alice", "s3cret")).await;
    good.flush().await.expect("authenticated connection works");
    let in_url = connect(&rt, options(&transport.url_with_credentials(&server))).await;
    in_url.flush().await.expect("credentials in the URL work");
    let bad = natbus::connect_with(rt.clone(), options(&url).user_password("alice", "wrong")).await;
    let err = bad.expect_err("wrong password is rejected");
    assert!(matches!(err, natbus::ConnectError::Auth(_)), "{err}");
}

pub async fn max_payload_is_enforced_locally(rt: Arc<dyn Runtime>) {
    let server = NatsServer::builder().config("max_payload: 1024").start();
    let client = connect(&rt, options(&server.url())).await;
    let err = client
        .publish("big", vec![0u8; 1025])
        .await
        .expect_err("too large");
    assert_eq!(
        err,
        CommandError::PayloadTooLarge {
            size: 1025,
            max: 1024
        }
    );
    client
        .publish("big", vec![0u8; 1024])
        .await
        .expect("exactly max_payload is accepted");
    client.flush().await.expect("the connection is still fine");
}

pub async fn invalid_subjects_are_rejected(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    for bad in ["", "a..b", "a b", ".a", "a.", "a.*", "a.>"] {
        let err = client.publish(bad, "x").await.expect_err(bad);
        assert!(
            matches!(err, CommandError::InvalidSubject(_)),
            "{bad:?}: {err}"
        );
    }
    assert!(matches!(
        client.subscribe("a.>.b").await,
        Err(CommandError::InvalidSubject(_))
    ));
    assert!(matches!(
        client.queue_subscribe("a", "bad queue").await,
        Err(CommandError::InvalidSubject(_))
    ));
    client
        .flush()
        .await
        .expect("nothing invalid reached the server");
}

pub async fn slow_consumer_drops_are_counted_and_reported(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(
        &rt,
        options(&server.url()).subscription_capacity(10, 1024 * 1024),
    )
    .await;
    let mut events = client.events();
    let mut sub = client.subscribe("flood").await.expect("subscribe");
    client.flush().await.expect("flush");
    for i in 0..100 {
        client
            .publish("flood", format!("{i}"))
            .await
            .expect("publish");
    }
    client.flush().await.expect("flush");
    let event = within(&rt, WAIT, "a slow consumer event", async {
        loop {
            match events.next().await {
                Some(ClientEvent::SlowConsumer { subject, .. }) => break subject,
                Some(_) => continue,
                None => panic!("event stream ended"),
            }
        }
    })
    .await;
    assert_eq!(event, "flood");
    assert_eq!(sub.pending(), 10, "the buffer holds its capacity, no more");
    assert_eq!(client.statistics().slow_consumer_drops, 90);
    // The kept messages are the oldest ones, in order.
    let first = within(&rt, WAIT, "a message", sub.next())
        .await
        .expect("open");
    assert_eq!(&first.payload[..], b"0");
}

/// Requests written straight from the caller's task (the direct path) and publishes queued
/// for the driver, some large enough to need several writes, reach the server in the order
/// they were made.
pub async fn direct_writes_keep_the_order_of_queued_bytes(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let observer = connect(&rt, options(&server.url())).await;
    let mut seen = observer.subscribe("ord.>").await.expect("subscribe");
    let mut service = observer.subscribe("ord.req").await.expect("subscribe");
    let responder = observer.clone();
    rt.spawn(Box::pin(async move {
        while let Some(msg) = service.next().await {
            if let Some(reply) = msg.reply {
                let _ = responder.publish(reply.as_str(), "ok").await;
            }
        }
    }));
    observer.flush().await.expect("flush");
    let client = connect(&rt, options(&server.url())).await;
    let mut seq = 0u64;
    for round in 0..60u64 {
        // Every fourth request is large: more than one socket write can take at once.
        let mut request = format!("{seq}:").into_bytes();
        if round % 4 == 0 {
            request.resize(1000 * 1000, b'.');
        }
        let reply = within(&rt, WAIT, "a reply", client.request("ord.req", request))
            .await
            .expect("request");
        assert_eq!(reply.payload, Bytes::from_static(b"ok"));
        seq += 1;
        for i in 0..round % 5 {
            let mut payload = format!("{seq}:").into_bytes();
            if (round + i) % 9 == 0 {
                payload.resize(1000 * 1000, b'.');
            }
            client.publish("ord.pub", payload).await.expect("publish");
            seq += 1;
        }
    }
    for expected in 0..seq {
        let msg = within(&rt, WAIT, "an observed message", seen.next())
            .await
            .expect("subscription open");
        let got = msg.payload.split(|&b| b == b':').next().unwrap_or_default();
        assert_eq!(
            got,
            expected.to_string().as_bytes(),
            "message {expected} on {} arrived out of order",
            msg.subject
        );
    }
    assert!(
        client.statistics().direct_writes > 0,
        "the requests never took the direct path"
    );
}

/// One request, every responder's reply: ended by a count, a quiet period or the timeout;
/// no responders is the one item when nothing listens.
pub async fn request_many_gathers_every_responder(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    for name in ["a", "b", "c"] {
        let mut requests = client.subscribe("census").await.expect("subscribe");
        let responder = client.clone();
        rt.spawn(Box::pin(async move {
            while let Some(msg) = requests.next().await {
                if let Some(reply) = msg.reply {
                    let _ = responder.publish(reply.as_str(), name).await;
                }
            }
        }));
    }
    client.flush().await.expect("flush");

    // Up to a count.
    let options = RequestManyOptions::default().max_replies(2);
    let mut replies = client
        .request_many("census", "", options)
        .await
        .expect("sent");
    let mut got = Vec::new();
    while let Some(reply) = within(&rt, WAIT, "a reply", replies.next()).await {
        got.push(reply.expect("a reply").payload);
    }
    assert_eq!(got.len(), 2, "{got:?}");

    // Until a quiet period (long enough for a loaded machine): all three, well before the
    // 30 s timeout.
    let options = RequestManyOptions::default()
        .timeout(Duration::from_secs(30))
        .stall(Duration::from_secs(1));
    let mut replies = client
        .request_many("census", "", options)
        .await
        .expect("sent");
    let mut names = Vec::new();
    while let Some(reply) = within(&rt, WAIT, "replies or the quiet end", replies.next()).await {
        names.push(reply.expect("a reply").payload);
    }
    names.sort();
    assert_eq!(names, ["a", "b", "c"]);

    // Nothing listens: one NoResponders item, then the end.
    let mut replies = client
        .request_many("nobody.home", "", RequestManyOptions::default())
        .await
        .expect("sent");
    let first = within(&rt, WAIT, "the no-responders item", replies.next()).await;
    assert!(
        matches!(first, Some(Err(RequestError::NoResponders { .. }))),
        "{first:?}"
    );
    assert!(replies.next().await.is_none());

    // Someone listens but never answers: the timeout ends an empty stream.
    let _silent = client.subscribe("silent").await.expect("subscribe");
    client.flush().await.expect("flush");
    let options = RequestManyOptions::default().timeout(Duration::from_millis(200));
    let mut replies = client
        .request_many("silent", "", options)
        .await
        .expect("sent");
    assert!(
        within(&rt, WAIT, "the timeout", replies.next())
            .await
            .is_none(),
        "no reply, no item"
    );
}
