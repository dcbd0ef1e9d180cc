//! The blocking API (`natbus-blocking`) against a real nats-server: no async runtime in
//! sight, plain threads only.
//!
//! Tests that count the process's `natbus-blocking` threads take [`exclusive`]; every
//! other test holds [`shared`] while it has clients, so the count is theirs alone.

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant};

use natbus_blocking::jetstream::{
    ConsumeOptions, ConsumerConfig, FetchOptions, JetStreamError, KeyValueConfig, StreamConfig,
};
use natbus_blocking::{
    Client, CommandError, ConnectError, ConnectOptions, RequestError, RequestOptions, Subscriber,
};
use natbus_tests::NatsServer;

static THREADS: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    THREADS.read().unwrap_or_else(PoisonError::into_inner)
}

/// Excludes the other tests, and waits until the background threads of those that ran
/// before have ended (a thread ends shortly after its last handle is dropped).
fn exclusive() -> RwLockWriteGuard<'static, ()> {
    let guard = THREADS.write().unwrap_or_else(PoisonError::into_inner);
    wait_until("earlier tests' background threads have ended", || {
        background_threads() == 0
    });
    guard
}

/// How long a test waits for something that should happen at once.
const WAIT: Duration = Duration::from_secs(10);

fn connect(server: &NatsServer) -> Client {
    natbus_blocking::connect(&server.url()).expect("connect")
}

/// Waits (up to [`WAIT`]) until `condition` holds.
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// The threads of this process named like natbus-blocking's background threads.
fn background_threads() -> usize {
    let tasks = std::fs::read_dir("/proc/self/task").expect("Linux's /proc");
    tasks
        .flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm"))
                .is_ok_and(|name| name.trim_end() == natbus_blocking::THREAD_NAME)
        })
        .count()
}

/// A loopback port nothing listens on: bound, then released.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Runs `f` on a thread of its own and returns its result, failing the test (instead of
/// hanging it) if `f` does not return within [`WAIT`].
fn within_wait<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(WAIT)
        .unwrap_or_else(|_| panic!("{what} did not return within {WAIT:?}"))
}

fn text(payload: &[u8]) -> &str {
    std::str::from_utf8(payload).expect("UTF-8 payload")
}

#[test]
fn handles_can_be_shared_between_threads() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    fn sendable<T: Send + 'static>() {}
    shareable::<Client>();
    shareable::<natbus_blocking::jetstream::JetStream>();
    shareable::<natbus_blocking::jetstream::PullConsumer>();
    shareable::<natbus_blocking::jetstream::Store>();
    sendable::<Subscriber>();
    sendable::<natbus_blocking::jetstream::JsMessage>();
    sendable::<natbus_blocking::jetstream::Messages>();
}

#[test]
fn subscriber_iterates_with_timeouts_and_ends_on_unsubscribe() {
    let _g = shared();
    let server = NatsServer::start();
    let client = connect(&server);
    let mut sub = client.subscribe("greet.*").expect("subscribe");
    assert_eq!(sub.try_next(), None, "nothing published yet");
    let quiet = sub
        .next_timeout(Duration::from_millis(50))
        .expect_err("nothing was published");
    assert_eq!(quiet.timeout(), Duration::from_millis(50));

    for who in ["a", "b", "c"] {
        client
            .publish(format!("greet.{who}"), who)
            .expect("publish");
    }
    let first = sub.next().expect("a message");
    assert_eq!(
        (first.subject.as_str(), &first.payload[..]),
        ("greet.a", &b"a"[..])
    );
    let second = sub.next_timeout(WAIT).expect("in time").expect("not ended");
    assert_eq!(&second.payload[..], b"b");
    client.flush().expect("flush");
    // After a flush the third message is buffered: no waiting needed.
    wait_until("the third message is buffered", || sub.pending() == 1);
    assert_eq!(sub.try_next().map(|m| m.payload), Some("c".into()));

    sub.unsubscribe();
    assert_eq!(sub.next_timeout(WAIT), Ok(None), "ended, not timed out");
    assert_eq!(sub.next(), None);
}

#[test]
fn a_subscriber_is_read_on_another_thread() {
    let _g = shared();
    let server = NatsServer::start();
    let client = connect(&server);
    let mut sub = client.subscribe("work").expect("subscribe");
    sub.unsubscribe_after(100);
    client.flush().expect("the subscription is in place");
    let reader = thread::spawn(move || sub.map(|m| m.payload).collect::<Vec<_>>());
    for i in 0..100 {
        client.publish("work", i.to_string()).expect("publish");
    }
    let got = reader.join().expect("the reader thread");
    let expected: Vec<_> = (0..100).map(|i| i.to_string()).collect();
    let got: Vec<_> = got.iter().map(|p| text(p).to_owned()).collect();
    assert_eq!(got, expected, "all 100, in order, then the iterator ended");
}

/// Answers requests on `subject` on its own thread until the subscription ends, echoing
/// the payload with `prefix` in front.
fn responder(client: &Client, subject: &str, prefix: &'static str) -> thread::JoinHandle<usize> {
    let sub = client.subscribe(subject).expect("subscribe");
    client.flush().expect("the responder is in place");
    let client = client.clone();
    thread::spawn(move || {
        let mut answered = 0;
        for req in sub {
            let reply = req.reply.expect("a request has a reply subject");
            let body = format!("{prefix}{}", text(&req.payload));
            client.publish(reply.as_str(), body).expect("reply");
            answered += 1;
        }
        answered
    })
}

#[test]
fn requests_from_many_threads_get_their_own_replies() {
    let _g = shared();
    let server = NatsServer::start();
    let client = connect(&server);
    let responder_thread = responder(&client, "echo", "re: ");
    let reply = client.request("echo", "ping").expect("request");
    assert_eq!(text(&reply.payload), "re: ping");

    let threads: Vec<_> = (0..8)
        .map(|t| {
            let client = client.clone();
            thread::spawn(move || {
                for i in 0..25 {
                    let body = format!("{t}/{i}");
                    let reply = client.request("echo", body.clone()).expect("request");
                    assert_eq!(text(&reply.payload), format!("re: {body}"));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a requesting thread");
    }
    client.drain().expect("drain");
    assert_eq!(responder_thread.join().expect("the responder"), 1 + 8 * 25);
}

#[test]
fn request_errors_are_natbus_errors() {
    let _g = shared();
    let server = NatsServer::start();
    let client = connect(&server);
    let err = client
        .request("nobody.home", "x")
        .expect_err("no responders");
    assert!(matches!(err, RequestError::NoResponders { .. }), "{err:?}");

    // Subscribed, but never answers: the request's own timeout bounds the wait.
    let _silent = client.subscribe("silent").expect("subscribe");
    client.flush().expect("flush");
    let timeout = Duration::from_millis(100);
    let options = RequestOptions {
        timeout: Some(timeout),
        ..RequestOptions::default()
    };
    let err = client
        .request_with("silent", "x", options)
        .expect_err("no reply");
    assert_eq!(
        err,
        RequestError::TimedOut {
            subject: "silent".to_owned(),
            timeout
        }
    );
}

#[test]
fn drain_delivers_what_was_sent_then_ends_subscribers_and_closes() {
    let _g = shared();
    let server = NatsServer::start();
    let client = connect(&server);
    let mut sub = client.subscribe("drain.me").expect("subscribe");
    for i in 0..10 {
        client.publish("drain.me", i.to_string()).expect("publish");
    }
    client.flush().expect("flush");
    client.drain().expect("drain");
    assert!(client.is_closed());
    assert_eq!(
        sub.by_ref().count(),
        10,
        "every message sent before the drain"
    );
    assert_eq!(sub.next_timeout(Duration::ZERO), Ok(None));
    assert!(client.publish("drain.me", "late").is_err(), "closed");
    assert!(client.flush().is_err(), "closed");
}

#[test]
fn jetstream_publish_fetch_and_ack() {
    let _g = shared();
    let server = NatsServer::start();
    let client = connect(&server);
    let js = client.jetstream();
    let stream = js
        .ensure_stream(StreamConfig::new("ORDERS").subjects(["orders.>"]))
        .expect("stream");
    assert_eq!(stream.name(), "ORDERS");
    for i in 1..=3u64 {
        let ack = js
            .publish("orders.new", format!("order {i}"))
            .expect("publish");
        assert_eq!((ack.stream.as_str(), ack.seq), ("ORDERS", i));
    }
    let err = js.publish("nowhere", "x").expect_err("no stream");
    assert!(
        matches!(err, JetStreamError::NoStreamForSubject { .. }),
        "{err:?}"
    );

    let consumer = js
        .get_or_create_pull_consumer("ORDERS", ConsumerConfig::durable("worker"))
        .expect("consumer");
    let batch = consumer
        .fetch(FetchOptions::new(10).expires(Duration::from_millis(500)))
        .expect("fetch");
    let payloads: Vec<_> = batch.iter().map(|m| text(m.payload()).to_owned()).collect();
    assert_eq!(payloads, ["order 1", "order 2", "order 3"]);
    for msg in &batch[..2] {
        assert_eq!(msg.subject(), "orders.new");
        msg.ack().expect("ack");
    }
    batch[2].double_ack().expect("confirmed ack");
    client.flush().expect("the acks reached the server");
    let info = consumer.info().expect("consumer info");
    assert_eq!((info.num_ack_pending, info.ack_floor.stream_seq), (0, 3));

    // Continuous consume, as an iterator.
    js.publish("orders.new", "order 4").expect("publish");
    let mut messages = consumer
        .messages(ConsumeOptions::default())
        .expect("consume");
    let msg = messages
        .next_timeout(WAIT)
        .expect("in time")
        .expect("not ended")
        .expect("a message");
    assert_eq!(msg.metadata().expect("metadata").stream_sequence, 4);
    msg.double_ack().expect("ack");
}

#[test]
fn key_value_put_get_and_compare_and_set() {
    let _g = shared();
    let server = NatsServer::start();
    let client = connect(&server);
    let kv = client
        .jetstream()
        .create_key_value(KeyValueConfig::new("settings"))
        .expect("bucket");
    assert_eq!(kv.get("colour").expect("get"), None);
    let r1 = kv.put("colour", "blue").expect("put");
    assert_eq!(
        kv.get("colour").expect("get").as_deref(),
        Some(&b"blue"[..])
    );
    let r2 = kv
        .update("colour", "green", r1)
        .expect("update at the latest revision");
    let stale = kv.update("colour", "red", r1).expect_err("stale revision");
    assert!(
        stale
            .api_error()
            .is_some_and(|e| e.is_wrong_last_sequence()),
        "{stale:?}"
    );
    let entry = kv.entry("colour").expect("entry").expect("present");
    assert_eq!((entry.revision, &entry.value[..]), (r2, &b"green"[..]));
    assert_eq!(kv.keys().expect("keys"), ["colour"]);

    let reopened = client.jetstream().key_value("settings").expect("open");
    let mut watch = reopened.watch(">").expect("watch");
    let current = watch
        .next_timeout(WAIT)
        .expect("in time")
        .expect("not ended");
    assert_eq!(&current.expect("an entry").value[..], b"green");
    kv.put("size", "L").expect("put");
    let change = watch.next().expect("not ended").expect("an entry");
    assert_eq!(
        (change.key.as_str(), &change.value[..]),
        ("size", &b"L"[..])
    );
}

#[test]
fn a_failed_connect_is_a_connect_error_and_leaves_no_thread() {
    let _g = exclusive();
    let port = closed_port();
    let options = ConnectOptions::new()
        .server(&format!("nats://127.0.0.1:{port}"))
        .connect_timeout(Duration::from_secs(2));
    let err = natbus_blocking::connect_with(options).expect_err("nothing listens");
    assert!(matches!(err, ConnectError::Unreachable(_)), "{err:?}");
    let err = natbus_blocking::connect("not a url ::").expect_err("a bad URL");
    assert!(matches!(err, ConnectError::InvalidUrl(_)), "{err:?}");
    wait_until("the background threads have ended", || {
        background_threads() == 0
    });
}

#[test]
fn dropping_the_last_handle_closes_the_connection_and_ends_its_thread() {
    let _g = exclusive();
    let server = NatsServer::start();
    let client = connect(&server);
    assert_eq!(background_threads(), 1, "one thread per connection");
    let clone = client.clone();
    let sub = client.subscribe("kept").expect("subscribe");
    client.flush().expect("flush");
    assert_eq!(server.connz()["num_connections"], 1);

    drop(client);
    drop(clone);
    // The subscriber still holds the connection.
    let alive = thread::spawn(move || {
        let mut sub = sub;
        sub.next_timeout(Duration::from_millis(50)).is_err()
    });
    assert!(
        alive.join().expect("the reading thread"),
        "the subscription still waits"
    );
    wait_until("the server sees the connection close", || {
        server.connz()["num_connections"] == 0
    });
    wait_until("the background thread has ended", || {
        background_threads() == 0
    });
}

#[test]
fn publish_waits_for_room_at_most_the_request_timeout() {
    let _g = shared();
    // Never connected (nothing listens; `retry_on_initial_connect` returns at once), so
    // publishes queue in a reconnect buffer of 64 bytes that nothing empties.
    let timeout = Duration::from_millis(100);
    let options = ConnectOptions::new()
        .server(&format!("nats://127.0.0.1:{}", closed_port()))
        .retry_on_initial_connect(true)
        .reconnect_buffer_size(64)
        .request_timeout(timeout);
    let client = natbus_blocking::connect_with(options).expect("connect returns at once");
    assert!(!client.is_connected());
    let mut queued = 0;
    while client.try_publish("fill", None, None, "x").is_ok() {
        queued += 1;
        assert!(
            queued < 64,
            "a 64-byte buffer takes fewer than 64 publishes"
        );
    }
    assert!(queued > 0, "the buffer took some publishes");
    let started = Instant::now();
    let err = within_wait("a publish into a full buffer", move || {
        client.publish("fill", "x").expect_err("still no room")
    });
    assert_eq!(err, CommandError::BufferFull { limit: 64 });
    assert!(started.elapsed() >= timeout, "it waited for room first");
}

#[test]
fn jetstream_publish_and_fetch_from_several_threads() {
    let _g = shared();
    let server = NatsServer::start();
    let client = connect(&server);
    let js = client.jetstream();
    js.ensure_stream(StreamConfig::new("JOBS").subjects(["jobs.>"]))
        .expect("stream");
    let consumer = js
        .get_or_create_pull_consumer("JOBS", ConsumerConfig::durable("workers"))
        .expect("consumer");
    const PUBLISHERS: u64 = 4;
    const EACH: u64 = 25;
    const TOTAL: u64 = PUBLISHERS * EACH;

    let publishers: Vec<_> = (0..PUBLISHERS)
        .map(|p| {
            let js = js.clone();
            thread::spawn(move || {
                for i in 0..EACH {
                    let ack = js
                        .publish(format!("jobs.{p}"), i.to_string())
                        .expect("publish");
                    assert_eq!(ack.stream, "JOBS");
                }
            })
        })
        .collect();
    // Two workers share the durable: each message goes to one of them.
    let taken = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (consumer, taken) = (consumer.clone(), taken.clone());
            thread::spawn(move || {
                let deadline = Instant::now() + WAIT;
                let mut sequences = Vec::new();
                while taken.load(std::sync::atomic::Ordering::SeqCst) < TOTAL {
                    assert!(
                        Instant::now() < deadline,
                        "the workers did not get every job"
                    );
                    let options = FetchOptions::new(10).expires(Duration::from_millis(200));
                    for msg in consumer.fetch(options).expect("fetch") {
                        sequences.push(msg.metadata().expect("metadata").stream_sequence);
                        // Confirmed, so the consumer's state below is final.
                        msg.double_ack().expect("ack");
                        taken.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
                sequences
            })
        })
        .collect();
    for p in publishers {
        p.join().expect("a publishing thread");
    }
    let mut sequences: Vec<u64> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("a worker thread"))
        .collect();
    sequences.sort_unstable();
    assert_eq!(sequences, (1..=TOTAL).collect::<Vec<_>>(), "each job once");
    let info = consumer.info().expect("consumer info");
    assert_eq!(
        (info.num_ack_pending, info.ack_floor.stream_seq),
        (0, TOTAL)
    );
}

#[test]
fn key_value_compare_and_set_from_several_threads() {
    let _g = shared();
    let server = NatsServer::start();
    let client = connect(&server);
    let kv = client
        .jetstream()
        .create_key_value(KeyValueConfig::new("counters"))
        .expect("bucket");
    kv.put("hits", "0").expect("put");
    const THREADS: u64 = 4;
    const EACH: u64 = 10;
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let kv = kv.clone();
            thread::spawn(move || {
                let mut conflicts = 0;
                for _ in 0..EACH {
                    // Read, add one, write back if nobody wrote in between; else again.
                    loop {
                        let entry = kv.entry("hits").expect("entry").expect("present");
                        let n: u64 = text(&entry.value).parse().expect("a number");
                        match kv.update("hits", (n + 1).to_string(), entry.revision) {
                            Ok(_) => break,
                            Err(e) if e.api_error().is_some_and(|a| a.is_wrong_last_sequence()) => {
                                conflicts += 1;
                                assert!(conflicts < 1000, "endless conflicts");
                            }
                            Err(e) => panic!("update: {e}"),
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("an incrementing thread");
    }
    let hits = kv.get("hits").expect("get").expect("present");
    assert_eq!(
        text(&hits),
        (THREADS * EACH).to_string(),
        "no increment lost"
    );
}

#[test]
fn jetstream_iterators_hold_the_connection_until_dropped() {
    let _g = exclusive();
    let server = NatsServer::start();
    let client = connect(&server);
    let js = client.jetstream();
    js.ensure_stream(StreamConfig::new("EVENTS").subjects(["events.>"]))
        .expect("stream");
    let consumer = js
        .get_or_create_pull_consumer("EVENTS", ConsumerConfig::durable("reader"))
        .expect("consumer");
    let mut messages = consumer
        .messages(ConsumeOptions::default())
        .expect("consume");
    let kv = js
        .create_key_value(KeyValueConfig::new("state"))
        .expect("bucket");
    let mut watch = kv.watch(">").expect("watch");
    drop((client, js, consumer, kv));

    // Both iterators still work on their own.
    let quiet = watch.next_timeout(Duration::from_millis(50));
    assert!(
        quiet.is_err(),
        "an empty bucket: nothing to watch yet, {quiet:?}"
    );
    assert!(messages.next_timeout(Duration::from_millis(50)).is_err());
    assert_eq!(background_threads(), 1);
    assert_eq!(server.connz()["num_connections"], 1);

    drop(watch);
    drop(messages);
    wait_until("the server sees the connection close", || {
        server.connz()["num_connections"] == 0
    });
    wait_until("the background thread has ended", || {
        background_threads() == 0
    });
}
