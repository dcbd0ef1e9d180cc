//! Handler-style subscriptions (nats-client-py's `broker.subscribe(subject, handler)`): an
//! async closure per message, optionally with the payload decoded from JSON; a handler
//! error or panic does not end the subscription; drain handles what was sent, stop does
//! not wait for the buffer; queue groups share the messages.

use std::sync::Arc;

use futures::StreamExt;
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures::channel::oneshot::Receiver;
use futures::future::Shared;
use natbus::{HandlerError, Message, Runtime, json_handler};
use natbus_tests::NatsServer;
use serde::Deserialize;

use super::logs::{capture, wait_for_line};
use super::{WAIT, connect, latch, options, within};

async fn next(rt: &Arc<dyn Runtime>, rx: &mut UnboundedReceiver<String>) -> String {
    within(rt, WAIT, "the handler", rx.next())
        .await
        .expect("handler alive")
}

#[derive(Deserialize)]
struct Login {
    user: String,
}

pub async fn handler_subscription_survives_errors_and_panics(rt: Arc<dyn Runtime>) {
    capture();
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let (tx, mut rx) = unbounded();
    let seen = tx.clone();
    let sub = client
        .subscribe_with("hs.audit.raw", move |msg: Message| {
            let seen = seen.clone();
            async move {
                let text = String::from_utf8_lossy(&msg.payload).into_owned();
                let _ = seen.unbounded_send(text.clone());
                match text.as_str() {
                    "fail" => Err("cannot handle this one".into()),
                    "panic" => panic!("a handler bug"),
                    _ => Ok(()),
                }
            }
        })
        .await
        .expect("subscribe");
    assert_eq!(sub.subject(), "hs.audit.raw");
    let logins = tx.clone();
    let typed = client
        .subscribe_with(
            "hs.audit.user_login",
            json_handler(move |login: Login, msg: Message| {
                let logins = logins.clone();
                async move {
                    let _ = logins.unbounded_send(format!("{} via {}", login.user, msg.subject));
                    Ok::<_, HandlerError>(())
                }
            }),
        )
        .await
        .expect("subscribe");
    client.flush().await.expect("flush");
    for payload in ["fail", "panic", "after"] {
        client
            .publish("hs.audit.raw", payload)
            .await
            .expect("publish");
    }
    for want in ["fail", "panic", "after"] {
        assert_eq!(
            next(&rt, &mut rx).await,
            want,
            "one handler call each, in order"
        );
    }
    client
        .publish("hs.audit.user_login", "not json")
        .await
        .expect("publish");
    client
        .publish("hs.audit.user_login", r#"{"user":"ada"}"#)
        .await
        .expect("publish");
    assert_eq!(next(&rt, &mut rx).await, "ada via hs.audit.user_login");
    wait_for_line(&rt, &["WARN", "hs.audit.raw", "cannot handle this one"]).await;
    wait_for_line(&rt, &["WARN", "hs.audit.raw", "panicked"]).await;
    wait_for_line(
        &rt,
        &["WARN", "hs.audit.user_login", "is not JSON of", "Login"],
    )
    .await;
    assert!(!sub.is_stopped() && !typed.is_stopped());
    sub.drain().await.expect("drain");
    typed.drain().await.expect("drain");
    assert!(sub.is_stopped() && typed.is_stopped());
}

/// A handler that reports `started:<payload>`, waits for the latch, then reports the payload.
fn gated(
    tx: &UnboundedSender<String>,
    gate: &Shared<Receiver<()>>,
) -> impl Fn(Message) -> futures::future::BoxFuture<'static, Result<(), HandlerError>>
+ Send
+ Sync
+ 'static {
    let (tx, gate) = (tx.clone(), gate.clone());
    move |msg: Message| {
        let (tx, gate) = (tx.clone(), gate.clone());
        Box::pin(async move {
            let text = String::from_utf8_lossy(&msg.payload).into_owned();
            let _ = tx.unbounded_send(format!("started:{text}"));
            let _ = gate.await;
            let _ = tx.unbounded_send(text);
            Ok(())
        })
    }
}

/// Publishes `0..n` on `subject` and returns once a plain subscriber on the same connection
/// has them all, so they are in the handler subscription's buffer too.
async fn publish_and_buffer(
    rt: &Arc<dyn Runtime>,
    client: &natbus::Client,
    subject: &str,
    n: usize,
) {
    let mut probe = client.subscribe(subject).await.expect("probe");
    client.flush().await.expect("flush");
    for i in 0..n {
        client
            .publish(subject, i.to_string())
            .await
            .expect("publish");
    }
    for _ in 0..n {
        within(rt, WAIT, "the probe", probe.next())
            .await
            .expect("open");
    }
}

fn drained(rx: &mut UnboundedReceiver<String>) -> Vec<String> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

pub async fn handler_subscription_drain_handles_what_was_sent_and_stop_does_not(
    rt: Arc<dyn Runtime>,
) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let (open, gate) = latch();
    let (tx, mut rx) = unbounded();
    let sub = client
        .subscribe_with("hs.drain", gated(&tx, &gate))
        .await
        .expect("subscribe");
    publish_and_buffer(&rt, &client, "hs.drain", 5).await;
    assert_eq!(next(&rt, &mut rx).await, "started:0");
    // The first handler waits on the latch: the drain waits for it and the four buffered.
    let draining = sub.drain();
    futures::pin_mut!(draining);
    assert!(
        futures::poll!(draining.as_mut()).is_pending(),
        "a handler is running"
    );
    let _ = open.send(());
    within(&rt, WAIT, "the drain", draining)
        .await
        .expect("drained in time");
    assert!(sub.is_stopped());
    let handled: Vec<String> = drained(&mut rx)
        .into_iter()
        .filter(|s| !s.starts_with("started:"))
        .collect();
    assert_eq!(
        handled,
        ["0", "1", "2", "3", "4"],
        "every message sent before the drain"
    );

    // stop: the running handler finishes; the buffered messages are not handled.
    let (open, gate) = latch();
    let stop_me = client
        .subscribe_with("hs.stop", gated(&tx, &gate))
        .await
        .expect("subscribe");
    publish_and_buffer(&rt, &client, "hs.stop", 5).await;
    assert_eq!(next(&rt, &mut rx).await, "started:0");
    let stopping = stop_me.stop();
    futures::pin_mut!(stopping);
    assert!(
        futures::poll!(stopping.as_mut()).is_pending(),
        "the handler is running"
    );
    let _ = open.send(());
    within(&rt, WAIT, "the stop", stopping)
        .await
        .expect("stopped in time");
    within(&rt, WAIT, "stopped()", stop_me.stopped()).await;
    assert_eq!(drained(&mut rx), ["0"], "only the running handler finished");
}

pub async fn handler_subscription_queue_groups_share_and_close_ends_them(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let (tx, mut rx) = unbounded();
    let mut subs = Vec::new();
    for member in ["a", "b"] {
        let tx = tx.clone();
        subs.push(
            client
                .queue_subscribe_with("hs.work", "workers", move |_msg: Message| {
                    let _ = tx.unbounded_send(member.to_owned());
                    async { Ok::<_, HandlerError>(()) }
                })
                .await
                .expect("subscribe"),
        );
    }
    client.flush().await.expect("flush");
    for i in 0..40 {
        client
            .publish("hs.work", i.to_string())
            .await
            .expect("publish");
    }
    let mut members = Vec::new();
    for _ in 0..40 {
        members.push(next(&rt, &mut rx).await);
    }
    let a = members.iter().filter(|m| *m == "a").count();
    assert!(a > 0 && a < 40, "both members got messages: a={a}");
    // Closing the connection ends every handler subscription.
    client.close().await;
    for sub in &subs {
        within(&rt, WAIT, "stopped() after close", sub.stopped()).await;
    }
}
