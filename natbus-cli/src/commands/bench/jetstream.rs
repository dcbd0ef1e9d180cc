//! The JetStream benchmark: publishers store messages with `publish_async` (a bounded
//! window of acks in flight), and subscribers drain the stream through one shared durable
//! pull consumer, each on its own connection.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use indicatif::ProgressBar;
use natbus_tokio::jetstream::{FetchOptions, JetStream, JetStreamError, PublishOptions};
use serde_json::json;

use super::js_stream::{clean_up, ensure_stream, prepare_consumer};
use super::report::{ClientRun, Side};
use super::{BenchArgs, announce, close_all, connect_clients, join_all, progress, share};
use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, consumer_error, failed};
use crate::output;

/// The durable consumer the subscribers share.
pub(super) const CONSUMER: &str = "natbus-bench";
/// Most messages one pull asks for.
const PULL_BATCH: usize = 500;

/// What the publishers and subscribers did, and what happened to the stream.
struct Outcome {
    pubs: Side,
    acked: u64,
    subs: Side,
    expected: u64,
    created: bool,
    removed: bool,
}

/// Runs the benchmark and prints the results.
pub async fn run(global: &GlobalArgs, args: &BenchArgs) -> CliResult {
    let name = args.stream.as_deref().unwrap_or(super::DEFAULT_STREAM);
    let (admin, js) = jetstream::connect(global).await?;
    let (created, stored) = ensure_stream(&js, name, args).await?;
    if args.subscribers > 0 {
        prepare_consumer(&js, name, args).await?;
    }
    // With publishers, subscribers get what they publish; alone, they drain what is stored.
    let expected = if args.publishers > 0 {
        args.msgs
    } else {
        args.msgs.min(stored)
    };
    let pub_clients = connect_clients(global, args.publishers).await?;
    let sub_clients = connect_clients(global, args.subscribers).await?;
    let what = format!(
        "JetStream benchmark on stream \"{name}\" subject \"{}\"",
        args.subject
    );
    announce(global, args, &what, ["msg", "publisher", "subscriber"]);
    let bar = progress(
        global,
        args.msgs * u64::from(args.publishers > 0) + expected,
    );
    let received = Arc::new(AtomicU64::new(0));
    let sub_tasks: Vec<_> = sub_clients
        .iter()
        .map(|client| {
            let js = client.jetstream().with_timeout(global.timeout);
            let draining = drain(
                js,
                name.to_owned(),
                expected,
                received.clone(),
                global.timeout,
                bar.clone(),
            );
            tokio::spawn(draining)
        })
        .collect();
    let payload = Bytes::from(vec![b'x'; args.size]);
    let pub_tasks: Vec<_> = pub_clients
        .iter()
        .enumerate()
        .map(|(i, client)| {
            let js = client
                .jetstream()
                .with_timeout(global.timeout)
                .with_max_pending_acks(args.window);
            let count = share(args.msgs, args.publishers, i);
            let publishing = publish(
                js,
                args.subject.clone(),
                payload.clone(),
                count,
                args.window,
                bar.clone(),
            );
            tokio::spawn(publishing)
        })
        .collect();
    let published = join_all(pub_tasks).await;
    let drained = join_all(sub_tasks).await;
    bar.finish_and_clear();
    close_all(pub_clients.iter().chain(&sub_clients)).await;
    let removed = clean_up(&js, name, args, created).await;
    admin.close().await;
    let published = published?;
    let outcome = Outcome {
        acked: published.iter().map(|(_, acked)| acked).sum(),
        pubs: Side {
            label: "Pub",
            clients: published.iter().map(|(run, _)| *run).collect(),
        },
        subs: Side {
            label: "Sub",
            clients: drained?,
        },
        expected,
        created,
        removed: removed?,
    };
    print(global, args, name, &outcome)
}

/// Publishes `count` messages keeping at most `window` acks outstanding; returns the run
/// and how many were acknowledged.
async fn publish(
    js: JetStream,
    subject: String,
    payload: Bytes,
    count: u64,
    window: usize,
    bar: ProgressBar,
) -> CliResult<(ClientRun, u64)> {
    let options = PublishOptions::default();
    let start = Instant::now();
    let mut pending = VecDeque::with_capacity(window);
    let mut acked = 0u64;
    for _ in 0..count {
        let ack = js
            .publish_async(&subject, None, &options, payload.clone())
            .await
            .map_err(failed(&format!("publish to '{subject}'")))?;
        pending.push_back(ack);
        if pending.len() >= window {
            if let Some(oldest) = pending.pop_front() {
                oldest
                    .await
                    .map_err(failed(&format!("store on '{subject}'")))?;
                acked += 1;
                bar.inc(1);
            }
        }
    }
    while let Some(ack) = pending.pop_front() {
        ack.await
            .map_err(failed(&format!("store on '{subject}'")))?;
        acked += 1;
        bar.inc(1);
    }
    let run = ClientRun {
        msgs: acked,
        bytes: acked * payload.len() as u64,
        start,
        end: Instant::now(),
    };
    Ok((run, acked))
}

/// Pulls and acknowledges until all subscribers together got `expected` messages, or
/// nothing arrived for `stall`.
async fn drain(
    js: JetStream,
    stream: String,
    expected: u64,
    received: Arc<AtomicU64>,
    stall: Duration,
    bar: ProgressBar,
) -> CliResult<ClientRun> {
    let consumer = js
        .pull_consumer(&stream, CONSUMER)
        .await
        .map_err(consumer_error(&stream, CONSUMER, "open"))?;
    let mut run = ClientRun::starting_now();
    let mut idle_since = Instant::now();
    while received.load(Ordering::Relaxed) < expected && idle_since.elapsed() < stall {
        let options = FetchOptions::new(PULL_BATCH)
            .expires(Duration::from_secs(1).min(stall))
            .no_wait();
        let batch = match consumer.fetch(options).await {
            Ok(batch) => batch,
            Err(JetStreamError::Timeout { .. }) => Vec::new(),
            Err(e) => return Err(consumer_error(&stream, CONSUMER, "pull from")(e)),
        };
        if batch.is_empty() {
            continue;
        }
        idle_since = Instant::now();
        for msg in &batch {
            msg.ack()
                .await
                .map_err(consumer_error(&stream, CONSUMER, "acknowledge on"))?;
            run.record(msg.payload().len());
        }
        received.fetch_add(batch.len() as u64, Ordering::Relaxed);
        bar.inc(batch.len() as u64);
    }
    Ok(run)
}

fn print(global: &GlobalArgs, args: &BenchArgs, stream: &str, o: &Outcome) -> CliResult {
    let expected_received = o.expected * u64::from(args.subscribers > 0);
    if global.json {
        output::json_pretty(&json!({
            "mode": "jetstream",
            "stream": stream,
            "subject": args.subject,
            "size": args.size,
            "published": args.msgs * u64::from(args.publishers > 0),
            "acked": o.acked,
            "received": o.subs.msgs(),
            "expected_received": expected_received,
            "stream_created": o.created,
            "stream_removed": o.removed,
            "publishers": o.pubs.json(),
            "subscribers": o.subs.json(),
        }))?;
    } else {
        let mut text = Side::text_of(&[&o.pubs, &o.subs]);
        let elapsed = o.pubs.elapsed().max(o.subs.elapsed());
        let fate = match (o.created, o.removed) {
            (true, true) => "created and removed",
            (true, false) => "created and kept",
            _ => "existing",
        };
        text.push_str(&format!(
            "summary: published {} msgs ({} acked), received {} msgs on stream \"{stream}\" \
             ({fate}) in {}\n",
            args.msgs * u64::from(args.publishers > 0),
            o.acked,
            o.subs.msgs(),
            crate::duration::human(elapsed)
        ));
        output::write_stdout(text.as_bytes())?;
    }
    if o.subs.msgs() < expected_received {
        return Err(CliError::TimedOut(format!(
            "subscribers received {} of {expected_received} messages (nothing more arrived for \
             {:?})",
            o.subs.msgs(),
            global.timeout
        )));
    }
    Ok(())
}
