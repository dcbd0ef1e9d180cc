//! Messages other clients wrote badly: nats-server forwards header blocks and subjects
//! without checking them, so a subscriber must survive whatever a publisher sends. Each
//! bad message is that message's problem (delivered with its headers marked malformed, or
//! dropped and counted), never the connection's.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use natbus::jetstream::{
    AckPolicy, ConsumeOptions, ConsumerConfig, FetchOptions, KeyValueConfig, ObjectStoreConfig,
    ObjectWatchOptions,
};
use natbus::proto::jetstream::object as layout;
use natbus::{ClientEvent, Runtime};
use natbus_tests::NatsServer;

use super::js_support::js_with_stream;
use super::{WAIT, connect, options, within};

/// A plain socket speaking the protocol by hand: nothing checks what it publishes.
struct RawPublisher {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl RawPublisher {
    fn connect(server: &NatsServer) -> RawPublisher {
        let stream = TcpStream::connect(("127.0.0.1", server.port())).expect("server accepts");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("set timeout");
        let writer = stream.try_clone().expect("clone socket");
        let mut raw = RawPublisher {
            reader: BufReader::new(stream),
            writer,
        };
        let info = raw.line();
        assert!(info.starts_with("INFO "), "{info}");
        raw.send(b"CONNECT {\"verbose\":false,\"headers\":true,\"protocol\":1}\r\n");
        raw.sync();
        raw
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read a line");
        line
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write");
    }

    /// Waits until the server processed everything sent before (a PING/PONG round trip;
    /// an INFO the server sends meanwhile is skipped).
    fn sync(&mut self) {
        self.send(b"PING\r\n");
        let mut line = self.line();
        while line.starts_with("INFO ") {
            line = self.line();
        }
        assert_eq!(line, "PONG\r\n", "the server accepted what was sent");
    }

    /// `HPUB subject <header block> payload`, with the sizes computed.
    fn hpub(&mut self, subject: &[u8], headers: &[u8], payload: &[u8]) {
        let mut frame = b"HPUB ".to_vec();
        frame.extend_from_slice(subject);
        frame.extend_from_slice(
            format!(" {} {}\r\n", headers.len(), headers.len() + payload.len()).as_bytes(),
        );
        frame.extend_from_slice(headers);
        frame.extend_from_slice(payload);
        frame.extend_from_slice(b"\r\n");
        self.send(&frame);
    }

    /// `PUB subject payload`.
    fn publish(&mut self, subject: &[u8], payload: &[u8]) {
        let mut frame = b"PUB ".to_vec();
        frame.extend_from_slice(subject);
        frame.extend_from_slice(format!(" {}\r\n", payload.len()).as_bytes());
        frame.extend_from_slice(payload);
        frame.extend_from_slice(b"\r\n");
        self.send(&frame);
    }
}

/// Header blocks nats-server forwards as they are, one per way to be malformed.
const BAD_HEADERS: [&[u8]; 6] = [
    b"NATS/1.0\r\nTrace: a\rb\r\n\r\n",
    b"NATS/1.0\r\nTrace: a\nb\r\n\r\n",
    b"NATS/1.0\r\nNoColon\r\n\r\n",
    b"NATS/1.0\r\n: empty name\r\n\r\n",
    b"NATS/1.0\r\nTrace: \xff\xfe\r\n\r\n",
    b"not a header block\r\n\r\n",
];

pub async fn malformed_messages_do_not_cost_the_connection(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let mut events = client.events();
    let mut sub = client.subscribe("raw.>").await.expect("subscribe");
    client.flush().await.expect("flush");

    let mut raw = RawPublisher::connect(&server);
    for (i, block) in BAD_HEADERS.iter().enumerate() {
        raw.hpub(b"raw.headers", block, format!("bad-{i}").as_bytes());
    }
    raw.publish(b"raw.\xff\xfe", b"bad subject");
    for i in 0..20 {
        raw.publish(b"raw.good", format!("good-{i}").as_bytes());
    }
    raw.sync();

    for (i, block) in BAD_HEADERS.iter().enumerate() {
        let msg = within(&rt, WAIT, "a message with malformed headers", sub.next())
            .await
            .expect("the subscription stays open");
        assert_eq!(msg.payload, format!("bad-{i}"));
        assert_eq!(msg.headers, None);
        let malformed = msg.malformed_headers.as_ref().expect("marked malformed");
        assert_eq!(&malformed.raw[..], *block, "the block is kept as received");
    }
    for i in 0..20 {
        let msg = within(
            &rt,
            WAIT,
            "the good messages behind the bad ones",
            sub.next(),
        )
        .await
        .expect("the subscription stays open");
        assert_eq!(
            msg.payload,
            format!("good-{i}"),
            "the bad subject was dropped"
        );
    }
    client.flush().await.expect("still connected");
    while let Some(Some(event)) = events.next().now_or_never() {
        assert!(
            !matches!(event, ClientEvent::Disconnected { .. }),
            "the connection was dropped: {event:?}"
        );
    }
    let stats = client.statistics().connection;
    assert_eq!(stats.reconnects, 0);
    assert_eq!(stats.in_malformed_headers, BAD_HEADERS.len() as u64);
    assert_eq!(stats.dropped_undeliverable, 1, "the bad subject is counted");
}

pub async fn a_stored_malformed_message_can_be_consumed_and_acked(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let js = js_with_stream(&rt, &server, "RAW", "raw.js.>").await;
    let mut raw = RawPublisher::connect(&server);
    raw.hpub(b"raw.js.bad", b"NATS/1.0\r\nTrace: a\rb\r\n\r\n", b"bad");
    raw.publish(b"raw.js.good", b"good");
    raw.sync();

    let pull = js
        .get_or_create_pull_consumer("RAW", ConsumerConfig::durable("f").ack(AckPolicy::Explicit))
        .await
        .expect("consumer");
    let batch = pull
        .fetch(FetchOptions::new(2).expires(Duration::from_secs(2)))
        .await
        .expect("fetch");
    let payloads: Vec<&[u8]> = batch.iter().map(|m| m.payload()).collect();
    assert_eq!(
        payloads,
        [&b"bad"[..], b"good"],
        "the bad message does not hide the good one"
    );
    assert!(batch[0].message.has_malformed_headers());
    assert_eq!(
        batch[0].metadata().expect("an ack subject").stream_sequence,
        1
    );
    batch[0].term().await.expect("term the bad message");
    batch[1].ack().await.expect("ack the good one");

    let consumer = js
        .get_or_create_pull_consumer("RAW", ConsumerConfig::durable("m").ack(AckPolicy::Explicit))
        .await
        .expect("consumer");
    let mut messages = consumer
        .messages(ConsumeOptions::default())
        .await
        .expect("messages");
    let first = within(&rt, WAIT, "the stored bad message", messages.next())
        .await
        .expect("open")
        .expect("a message");
    assert_eq!(first.payload(), b"bad");
    assert!(first.message.has_malformed_headers());
    first.ack().await.expect("ack the bad message");
    let second = within(&rt, WAIT, "the good message after it", messages.next())
        .await
        .expect("open")
        .expect("a message");
    assert_eq!(second.payload(), b"good");
    second.ack().await.expect("ack");
}

/// An object description that is not JSON (another client wrote it) hides nothing: the
/// listing and the watch skip it and show the rest.
pub async fn an_unreadable_object_description_hides_no_other_object(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let js = client.jetstream();
    let obs = js
        .create_object_store(ObjectStoreConfig::new("files"))
        .await
        .expect("object store");
    obs.put_bytes("a", "first").await.expect("put");
    let bad = layout::meta_subject("files", "broken").expect("valid name");
    js.publish(bad, "{ not json").await.expect("stored");
    obs.put_bytes("b", "second").await.expect("put");

    let mut listed: Vec<String> = within(&rt, WAIT, "list", obs.list())
        .await
        .expect("one bad description does not fail the listing")
        .into_iter()
        .map(|i| i.name)
        .collect();
    listed.sort();
    assert_eq!(listed, ["a", "b"]);

    let mut watch = obs
        .watch_with(ObjectWatchOptions::default().include_history())
        .await
        .expect("watch");
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match within(&rt, WAIT, "the next object", watch.next()).await {
            Some(Ok(info)) => seen.push(info.name),
            other => panic!("the watch must skip the bad description: {other:?}"),
        }
    }
    seen.sort();
    assert_eq!(seen, ["a", "b"]);
}

/// A key-value message with malformed headers (another client wrote it into the bucket's
/// stream) is a key like any other for keys, history and watch.
pub async fn a_malformed_key_value_message_hides_no_other_key(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let js = client.jetstream();
    let kv = js
        .create_key_value(KeyValueConfig::new("cfg"))
        .await
        .expect("bucket");
    kv.put("a", "1").await.expect("put");
    let mut raw = RawPublisher::connect(&server);
    raw.hpub(
        b"$KV.cfg.b",
        b"NATS/1.0\r\nKV-Operation: PUT\rX\r\n\r\n",
        b"2",
    );
    raw.sync();
    kv.put("c", "3").await.expect("put");

    let mut keys = within(&rt, WAIT, "keys", kv.keys()).await.expect("keys");
    keys.sort();
    assert_eq!(keys, ["a", "b", "c"]);
    let history = kv.history("b").await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(&history[0].value[..], b"2");
    let mut watch = kv.watch_all().await.expect("watch");
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let entry = within(&rt, WAIT, "the next entry", watch.next())
            .await
            .expect("open")
            .expect("an entry");
        seen.push(entry.key);
    }
    assert_eq!(seen, ["a", "b", "c"]);
}
