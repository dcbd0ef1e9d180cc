//! The publish/subscribe benchmark: every subscriber should get every published message.

use std::time::Instant;

use bytes::Bytes;
use indicatif::ProgressBar;
use natbus_tokio::{Client, Subscriber};
use serde_json::json;

use super::report::{ClientRun, Side};
use super::{BenchArgs, announce, close_all, connect_clients, join_all, progress, share};
use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::{connect, output};

/// Subscribers buffer up to this many messages before dropping (a slow consumer).
const SUBSCRIBER_BUFFER: usize = 1 << 20;
/// …and up to this many bytes.
const SUBSCRIBER_BUFFER_BYTES: usize = 512 << 20;

/// Runs the benchmark and prints the results.
pub async fn run(global: &GlobalArgs, args: &BenchArgs) -> CliResult {
    let mut sub_clients = Vec::with_capacity(args.subscribers);
    let mut subscribers = Vec::with_capacity(args.subscribers);
    let options =
        connect::options(global)?.subscription_capacity(SUBSCRIBER_BUFFER, SUBSCRIBER_BUFFER_BYTES);
    for _ in 0..args.subscribers {
        let client = connect::connect_with(global, options.clone()).await?;
        let subscriber = connect::subscribe(&client, &args.subject, None).await?;
        client.flush().await.map_err(CliError::Flush)?;
        sub_clients.push(client);
        subscribers.push(subscriber);
    }
    let pub_clients = connect_clients(global, args.publishers).await?;
    let what = format!("pub/sub benchmark on \"{}\"", args.subject);
    announce(global, args, &what, ["msg", "publisher", "subscriber"]);
    let per_sub = args.msgs;
    let total = args.msgs * u64::from(args.publishers > 0) + per_sub * args.subscribers as u64;
    let bar = progress(global, total);
    let sub_tasks: Vec<_> = subscribers
        .into_iter()
        .map(|s| tokio::spawn(receive(s, per_sub, global.timeout, bar.clone())))
        .collect();
    let payload = Bytes::from(vec![b'x'; args.size]);
    let pub_tasks: Vec<_> = pub_clients
        .iter()
        .enumerate()
        .map(|(i, client)| {
            let count = share(args.msgs, args.publishers, i);
            let publishing = publish(
                client.clone(),
                args.subject.clone(),
                payload.clone(),
                count,
                bar.clone(),
            );
            tokio::spawn(publishing)
        })
        .collect();
    let published = join_all(pub_tasks).await;
    let received = join_all(sub_tasks).await;
    bar.finish_and_clear();
    close_all(pub_clients.iter().chain(&sub_clients)).await;
    let pubs = Side {
        label: "Pub",
        clients: published?,
    };
    let subs = Side {
        label: "Sub",
        clients: received?,
    };
    print(global, args, &pubs, &subs)
}

/// Publishes `count` messages, then flushes so the time includes the server taking them.
async fn publish(
    client: Client,
    subject: String,
    payload: Bytes,
    count: u64,
    bar: ProgressBar,
) -> CliResult<ClientRun> {
    let start = Instant::now();
    for _ in 0..count {
        client
            .publish(&subject, payload.clone())
            .await
            .map_err(|source| CliError::Publish {
                subject: subject.clone(),
                source,
            })?;
        bar.inc(1);
    }
    client.flush().await.map_err(CliError::Flush)?;
    Ok(ClientRun {
        msgs: count,
        bytes: count * payload.len() as u64,
        start,
        end: Instant::now(),
    })
}

/// Receives until `expected` messages, or until nothing arrives for `stall` (messages
/// lost or dropped as a slow consumer): the shortfall shows in the summary.
async fn receive(
    mut subscriber: Subscriber,
    expected: u64,
    stall: std::time::Duration,
    bar: ProgressBar,
) -> CliResult<ClientRun> {
    let mut run = ClientRun::starting_now();
    while run.msgs < expected {
        let Ok(Some(msg)) = tokio::time::timeout(stall, subscriber.next()).await else {
            break;
        };
        run.record(msg.payload.len());
        bar.inc(1);
    }
    Ok(run)
}

fn print(global: &GlobalArgs, args: &BenchArgs, pubs: &Side, subs: &Side) -> CliResult {
    let expected = args.msgs * args.subscribers as u64;
    let complete = subs.msgs() == expected;
    if global.json {
        output::json_pretty(&json!({
            "mode": "pubsub",
            "subject": args.subject,
            "size": args.size,
            "published": pubs.msgs(),
            "received": subs.msgs(),
            "expected_received": expected,
            "publishers": pubs.json(),
            "subscribers": subs.json(),
        }))?;
    } else {
        let mut text = Side::text_of(&[pubs, subs]);
        let elapsed = pubs.elapsed().max(subs.elapsed());
        text.push_str(&format!(
            "summary: published {} msgs, received {} msgs ({} x {}) in {}\n",
            pubs.msgs(),
            subs.msgs(),
            output::count(args.subscribers as u64, "subscriber"),
            args.msgs,
            crate::duration::human(elapsed)
        ));
        output::write_stdout(text.as_bytes())?;
    }
    if complete {
        Ok(())
    } else {
        Err(CliError::TimedOut(format!(
            "subscribers received {} of {expected} messages (nothing more arrived for {:?})",
            subs.msgs(),
            global.timeout
        )))
    }
}
