//! A handler that keeps failing must not loop forever: deliveries are bounded by
//! `max_deliver`, failed deliveries are nak'd with the backoff delay, and the last failure
//! dead-letters the message once (callback, dead-letter subject) and terminates it, so the
//! consumer moves on. Every decision is logged at warn level.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::channel::mpsc::{UnboundedSender, unbounded};
use natbus::Runtime;
use natbus::bus::{
    BusError, DEAD_LETTER_CONSUMER_HEADER, DEAD_LETTER_DELIVERIES_HEADER, DEAD_LETTER_ERROR_HEADER,
    DEAD_LETTER_SEQUENCE_HEADER, DEAD_LETTER_STREAM_HEADER, DEAD_LETTER_SUBJECT_HEADER, DeadLetter,
    HandlerError, PullOptions, PushOptions,
};
use natbus::envelope::{BusMessage, ReceivedMessage};
use natbus::jetstream::{ConsumerConfig, FetchOptions, StreamConfig};
use natbus::{HeaderMap, Message};
use natbus_tests::NatsServer;

use super::bus::{Seen, config, quiet, start_bus, take, wait_settled};
use super::logs::{capture, wait_for_line};
use super::{WAIT, within};

const ERROR: &str = "cannot parse order";

/// A handler that reports each delivery and fails (push: `Err`, pull: a panic), except
/// for payload `good`.
fn failing(
    via: &'static str,
    tx: &UnboundedSender<Seen>,
) -> impl Fn(ReceivedMessage) -> futures::future::BoxFuture<'static, Result<(), HandlerError>>
+ Send
+ Sync
+ 'static {
    let tx = tx.clone();
    move |msg: ReceivedMessage| {
        let tx = tx.clone();
        Box::pin(async move {
            let seen = Seen::of(via, &msg);
            let _ = tx.unbounded_send(seen.clone());
            match (&seen.payload[..], via) {
                (b"good", _) => Ok(()),
                (_, "pull") => panic!("{ERROR}"),
                _ => Err(ERROR.into()),
            }
        })
    }
}

fn record(
    tx: UnboundedSender<DeadLetter>,
) -> impl Fn(DeadLetter) -> futures::future::Ready<()> + Send + Sync + 'static {
    move |letter| {
        let _ = tx.unbounded_send(letter);
        futures::future::ready(())
    }
}

fn header<'a>(msg: &'a Message, name: &str) -> Option<&'a str> {
    msg.headers.as_ref().and_then(|h: &HeaderMap| h.get(name))
}

pub async fn bus_poison_message_is_dead_lettered_once(rt: Arc<dyn Runtime>) {
    capture();
    let server = NatsServer::start();
    let bus = start_bus(&rt, config(&server, "POISON", "poison.>")).await;
    let js = bus.jetstream().clone();
    js.create_stream(StreamConfig::new("DLQ").subjects(["dead.>"]))
        .await
        .expect("the dead-letter stream");
    // Pull's dead letters go to a subject no stream captures: plain NATS, for listeners.
    let mut lost = bus
        .client()
        .subscribe("lost.pull")
        .await
        .expect("subscribe");
    let (tx, mut rx) = unbounded();
    let (dead_tx, mut dead_rx) = unbounded();
    let backoff = [Duration::from_millis(50), Duration::from_millis(100)];
    bus.push_subscribe(
        PushOptions::new("poison.>")
            .durable("p_push")
            .max_deliver(3)
            .backoff(backoff)
            .dead_letter("dead.push")
            .on_dead_letter(record(dead_tx)),
        failing("push", &tx),
    )
    .await
    .expect("push subscribe");
    bus.pull_subscribe(
        PullOptions::new("poison.>")
            .durable("p_pull")
            .max_deliver(3)
            .backoff(backoff)
            .dead_letter("lost.pull"),
        failing("pull", &tx),
    )
    .await
    .expect("pull subscribe");
    let poison = BusMessage::json("poison.order", &serde_json::json!({"id": 1}))
        .expect("JSON")
        .sender("orders-svc")
        .correlation_id("order-1")
        .header("Nats-Msg-Id", "order-1");
    bus.publish(poison).await.expect("publish");

    // Three deliveries each, then nothing more: bounded.
    let seen = take(&rt, &mut rx, 6).await;
    let deliveries: Vec<(&str, u64)> = seen.iter().map(|s| (s.via, s.delivered)).collect();
    assert_eq!(
        deliveries,
        [
            ("pull", 1),
            ("pull", 2),
            ("pull", 3),
            ("push", 1),
            ("push", 2),
            ("push", 3)
        ]
    );
    quiet(&rt, &mut rx, Duration::from_millis(500)).await;

    // The callback got the push consumer's dead letter, once.
    let letter = within(&rt, WAIT, "the dead-letter callback", dead_rx.next())
        .await
        .expect("callback ran");
    assert_eq!(
        (
            letter.error.as_str(),
            letter.stream.as_str(),
            letter.consumer.as_str()
        ),
        (ERROR, "POISON", "p_push")
    );
    assert_eq!((letter.stream_sequence, letter.deliveries), (1, 3));

    // The dead-letter stream holds it once, with the original headers and what went wrong.
    let mut reader = ConsumerConfig::durable("dlq-reader");
    reader.filter_subject = Some("dead.push".to_owned());
    let dlq = js
        .get_or_create_pull_consumer("DLQ", reader)
        .await
        .expect("reader");
    let stored = dlq
        .fetch(FetchOptions::new(5).no_wait())
        .await
        .expect("fetch");
    assert_eq!(stored.len(), 1, "dead-lettered once");
    let stored = &stored[0].message;
    assert_eq!(&stored.payload[..], br#"{"id":1}"#);
    for (name, value) in [
        ("content-type", "application/json"),
        ("X-Sender", "orders-svc"),
        ("X-Correlation-Id", "order-1"),
        (DEAD_LETTER_ERROR_HEADER, ERROR),
        (DEAD_LETTER_STREAM_HEADER, "POISON"),
        (DEAD_LETTER_SEQUENCE_HEADER, "1"),
        (DEAD_LETTER_SUBJECT_HEADER, "poison.order"),
        (DEAD_LETTER_CONSUMER_HEADER, "p_push"),
        (DEAD_LETTER_DELIVERIES_HEADER, "3"),
    ] {
        assert_eq!(header(stored, name), Some(value), "{name}");
    }
    assert_eq!(
        header(stored, "Nats-Msg-Id"),
        None,
        "JetStream's own headers are dropped"
    );
    // The pull consumer's (its handler panicked) went out as plain NATS.
    let plain = within(&rt, WAIT, "the plain dead letter", lost.next())
        .await
        .expect("open");
    assert_eq!(header(&plain, DEAD_LETTER_CONSUMER_HEADER), Some("p_pull"));
    let error = header(&plain, DEAD_LETTER_ERROR_HEADER).expect("error");
    assert!(error.contains("panicked"), "{error}");

    // Both consumers moved on: nothing pending, the ack floor past the poison message, and
    // the next message is handled.
    for consumer in ["p_push", "p_pull"] {
        wait_settled(&rt, &js, "POISON", consumer, 1).await;
    }
    bus.publish(BusMessage::bytes("poison.next", "good", "text/plain"))
        .await
        .expect("publish");
    let next = take(&rt, &mut rx, 2).await;
    assert!(
        next.iter().all(|s| s.stream_seq == 2 && s.delivered == 1),
        "{next:?}"
    );
    for consumer in ["p_push", "p_pull"] {
        wait_settled(&rt, &js, "POISON", consumer, 2).await;
    }

    // The decisions are in the log, at warn level.
    let nak = wait_for_line(
        &rt,
        &[
            "WARN",
            "subject=poison.order",
            "stream_seq=1",
            "delivered=1",
            ERROR,
            "nak'd",
        ],
    )
    .await;
    assert!(nak.contains("retry_in=Some(50ms)"), "{nak}");
    wait_for_line(
        &rt,
        &[
            "WARN",
            "subject=poison.order",
            "delivered=2",
            "retry_in=Some(100ms)",
        ],
    )
    .await;
    wait_for_line(
        &rt,
        &[
            "WARN",
            "subject=poison.order",
            "delivered=3",
            "dead-lettered",
        ],
    )
    .await;
    bus.drain().await.expect("drain");
}

pub async fn bus_redelivery_options_are_checked(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let bus = start_bus(&rt, config(&server, "CHECKED", "checked.>")).await;
    let (tx, _rx) = unbounded();
    let err = bus
        .push_subscribe(
            PushOptions::new("checked.>").max_deliver(0),
            failing("push", &tx),
        )
        .await
        .expect_err("no unlimited");
    assert!(matches!(err, BusError::InvalidOption(_)), "{err:?}");
    let err = bus
        .pull_subscribe(
            PullOptions::new("checked.>").dead_letter("checked.dead"),
            failing("pull", &tx),
        )
        .await
        .expect_err("a dead letter the subscription would get again");
    assert!(matches!(err, BusError::InvalidOption(_)), "{err:?}");
    let names = bus
        .jetstream()
        .consumer_names("CHECKED")
        .await
        .expect("names");
    assert!(
        names.is_empty(),
        "nothing created on refused options: {names:?}"
    );
    // The defaults: five deliveries, set on the consumer the bus creates.
    let sub = bus
        .push_subscribe(
            PushOptions::new("checked.>").durable("d"),
            failing("push", &tx),
        )
        .await
        .expect("subscribe");
    let info = bus
        .jetstream()
        .consumer_info("CHECKED", sub.consumer())
        .await
        .expect("info");
    assert_eq!(info.config.max_deliver, Some(5));
    bus.drain().await.expect("drain");
}
