//! Child-process measurements: peak RSS and heap allocations per message.
//!
//! Each runs in its own process (`bench --scenario NAME --client C --url U`) so one
//! measurement's peak memory cannot hide in another's, and prints one JSON line.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use futures::StreamExt;
use serde_json::{Value, json};
use stats_alloc::Region;

use crate::args::Sizes;
use crate::bench_client::BenchClient;
use crate::clients::{Kind, Runtimes, async_nats_connect, natbus_connect};
use crate::process::{Child, ECHO_SUBJECT, RESPONDER};
use crate::raw::RawConn;
use crate::{BoxError, GLOBAL};

/// Payload of the streamed messages.
const STREAM_PAYLOAD: usize = 1024;
/// Payload of the allocation measurements.
const ALLOC_PAYLOAD: usize = 128;
/// Messages the raw publisher may run ahead of the subscriber.
const WINDOW: usize = 4096;

/// The peak resident set size of this process so far, in KiB (`VmHWM`).
pub fn peak_rss_kib() -> Result<u64, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or("no VmHWM in /proc/self/status (Linux only)")?;
    let kib = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim();
    Ok(kib.parse()?)
}

/// Runs child scenario `name` for `kind` and returns its JSON result.
pub fn child(name: &str, kind: Kind, url: &str, sizes: Sizes) -> Result<Value, BoxError> {
    let rts = Runtimes::new()?;
    let base = peak_rss_kib()?;
    match name {
        "mem_subs" => {
            let n = sizes.subscriptions;
            let allocs = rts.run(kind, sizes.timeout, hold_subscriptions(kind, url, n))?;
            Ok(json!({"base_kib": base, "peak_kib": peak_rss_kib()?, "allocs_per_op": allocs}))
        }
        "mem_requests" => {
            let n = sizes.in_flight;
            let allocs = rts.run(kind, sizes.timeout, async {
                let _responder = Child::start("responder", RESPONDER, url, None).await?;
                match kind {
                    Kind::AsyncNats => requests_at_once::<async_nats::Client>(kind, url, n).await,
                    _ => requests_at_once::<natbus::Client>(kind, url, n).await,
                }
            })?;
            Ok(json!({"base_kib": base, "peak_kib": peak_rss_kib()?, "allocs_per_op": allocs}))
        }
        "mem_stream" => {
            let n = sizes.stream_bytes / STREAM_PAYLOAD;
            rts.run(
                kind,
                sizes.timeout,
                receive_raw(kind, url, n, STREAM_PAYLOAD),
            )?;
            Ok(json!({"base_kib": base, "peak_kib": peak_rss_kib()?, "messages": n}))
        }
        "alloc" => {
            let n = sizes.alloc_msgs;
            let payload = Bytes::from(vec![b'x'; ALLOC_PAYLOAD]);
            let rt = kind.natbus_runtime();
            let publish = rts.run(kind, sizes.timeout, async {
                match &rt {
                    Some(rt) => natbus_publish_allocs(rt, url, n, payload).await,
                    None => async_nats_publish_allocs(url, n, payload).await,
                }
            })?;
            let receive = rts.run(
                kind,
                sizes.timeout,
                receive_raw(kind, url, n, ALLOC_PAYLOAD),
            )?;
            let js_consume = rts.run(
                kind,
                sizes.timeout,
                crate::memory_js::js_consume_allocs(kind, url, sizes.js_msgs),
            )?;
            Ok(json!({
                "publish_allocs_per_msg": publish,
                "receive_allocs_per_msg": receive,
                "js_consume_allocs_per_msg": js_consume,
            }))
        }
        other => Err(format!("unknown child scenario {other:?}").into()),
    }
}

/// Holds `n` subscriptions at once; returns heap allocations per subscription (the
/// subject's `String` included, the same for both clients).
async fn hold_subscriptions(kind: Kind, url: &str, n: usize) -> Result<f64, BoxError> {
    let allocs = match kind.natbus_runtime() {
        Some(rt) => {
            let client = natbus_connect(&rt, url, 0).await?;
            let mut subs = Vec::with_capacity(n);
            let region = Region::new(GLOBAL);
            for i in 0..n {
                subs.push(client.subscribe(format!("bench.mem.{i}")).await?);
            }
            client.flush().await?;
            let allocs = region.change().allocations;
            client.close().await;
            allocs
        }
        None => {
            let client = async_nats_connect(url, 0).await?;
            let mut subs = Vec::with_capacity(n);
            let region = Region::new(GLOBAL);
            for i in 0..n {
                subs.push(client.subscribe(format!("bench.mem.{i}")).await?);
            }
            client.flush().await?;
            let allocs = region.change().allocations;
            client.drain().await?;
            allocs
        }
    };
    Ok(allocs as f64 / n as f64)
}

/// Starts `n` requests at once to the separate-process responder and waits for every
/// reply; returns heap allocations per request.
async fn requests_at_once<C: BenchClient>(
    kind: Kind,
    url: &str,
    n: usize,
) -> Result<f64, BoxError> {
    let client = C::connect(kind, url, 0).await?;
    let payload = Bytes::from(vec![b'x'; ALLOC_PAYLOAD]);
    // One request first: the reply subscription and buffers exist before counting.
    client.request(ECHO_SUBJECT, payload.clone()).await?;
    let region = Region::new(GLOBAL);
    let replies =
        futures::future::join_all((0..n).map(|_| client.request(ECHO_SUBJECT, payload.clone())))
            .await;
    let allocs = region.change().allocations;
    for reply in replies {
        reply?;
    }
    client.close().await;
    Ok(allocs as f64 / n as f64)
}

/// Publishes 1 000 messages to warm up, then `$n` more and a flush while counting heap
/// allocations; evaluates to the count. A macro because the two clients share no trait
/// with `publish` and `flush`.
macro_rules! publish_and_count {
    ($client:ident, $n:expr, $payload:expr) => {{
        for _ in 0..1000 {
            $client.publish("bench.alloc.pub", $payload.clone()).await?;
        }
        $client.flush().await?;
        let region = Region::new(GLOBAL);
        for _ in 0..$n {
            $client.publish("bench.alloc.pub", $payload.clone()).await?;
        }
        $client.flush().await?;
        region.change().allocations
    }};
}

async fn natbus_publish_allocs(
    rt: &Arc<dyn natbus::Runtime>,
    url: &str,
    n: usize,
    payload: Bytes,
) -> Result<f64, BoxError> {
    let client = natbus_connect(rt, url, 0).await?;
    let allocs = publish_and_count!(client, n, payload);
    client.close().await;
    Ok(allocs as f64 / n as f64)
}

async fn async_nats_publish_allocs(url: &str, n: usize, payload: Bytes) -> Result<f64, BoxError> {
    let client = async_nats_connect(url, 0).await?;
    let allocs = publish_and_count!(client, n, payload);
    client.drain().await?;
    Ok(allocs as f64 / n as f64)
}

/// Receives `n` messages published by a paced raw publisher thread; returns heap
/// allocations per received message (the publisher encodes before counting starts and
/// does not allocate while sending).
async fn receive_raw(kind: Kind, url: &str, n: usize, payload: usize) -> Result<f64, BoxError> {
    const SUBJECT: &str = "bench.raw.stream";
    let received = Arc::new(AtomicUsize::new(0));
    let mut raw = RawConn::connect(url)?;
    let (start_tx, start_rx) = std::sync::mpsc::sync_channel::<()>(1);
    let publisher = {
        let received = received.clone();
        std::thread::spawn(move || -> std::io::Result<()> {
            if start_rx.recv().is_ok() {
                raw.publish(SUBJECT, payload, n, Some((&received, WINDOW)))?;
            }
            Ok(())
        })
    };
    let allocs = match kind.natbus_runtime() {
        Some(rt) => {
            let client = natbus_connect(&rt, url, 0).await?;
            let mut sub = client.subscribe(SUBJECT).await?;
            client.flush().await?;
            let region = Region::new(GLOBAL);
            start_tx.send(())?;
            for _ in 0..n {
                sub.next().await.ok_or("subscription ended")?;
                received.fetch_add(1, Ordering::AcqRel);
            }
            let allocs = region.change().allocations;
            client.close().await;
            allocs
        }
        None => {
            let client = async_nats_connect(url, 0).await?;
            let mut sub = client.subscribe(SUBJECT).await?;
            client.flush().await?;
            let region = Region::new(GLOBAL);
            start_tx.send(())?;
            for _ in 0..n {
                sub.next().await.ok_or("subscription ended")?;
                received.fetch_add(1, Ordering::AcqRel);
            }
            let allocs = region.change().allocations;
            client.drain().await?;
            allocs
        }
    };
    publisher
        .join()
        .map_err(|_| "the raw publisher panicked")??;
    Ok(allocs as f64 / n as f64)
}
