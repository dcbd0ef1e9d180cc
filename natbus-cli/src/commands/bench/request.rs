//! The request/reply benchmark: requesters send one request at a time and measure each
//! round trip; responders in a queue group echo the payload back.

use std::time::Instant;

use bytes::Bytes;
use indicatif::ProgressBar;
use natbus_tokio::{Client, RequestError, RequestOptions, Subscriber};
use serde_json::json;

use super::report::{ClientRun, Latencies, Side};
use super::{BenchArgs, announce, close_all, connect_clients, join_all, progress, share};
use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::{connect, output};

/// The queue group of the benchmark's responders, so each request is answered once.
const RESPONDER_QUEUE: &str = "natbus-bench";

/// What one requester measured.
struct Requester {
    run: ClientRun,
    latencies: Vec<std::time::Duration>,
    failed: u64,
}

/// Runs the benchmark and prints the results.
pub async fn run(global: &GlobalArgs, args: &BenchArgs) -> CliResult {
    let mut responder_clients = Vec::with_capacity(args.subscribers);
    let mut responder_tasks = Vec::with_capacity(args.subscribers);
    for _ in 0..args.subscribers {
        let client = connect::connect(global).await?;
        let subscriber = connect::subscribe(&client, &args.subject, Some(RESPONDER_QUEUE)).await?;
        client.flush().await.map_err(CliError::Flush)?;
        responder_tasks.push(tokio::spawn(respond(client.clone(), subscriber)));
        responder_clients.push(client);
    }
    let requesters = connect_clients(global, args.publishers).await?;
    let what = format!("request/reply benchmark on \"{}\"", args.subject);
    announce(global, args, &what, ["request", "requester", "responder"]);
    let bar = progress(global, args.msgs);
    let payload = Bytes::from(vec![b'x'; args.size]);
    let tasks: Vec<_> = requesters
        .iter()
        .enumerate()
        .map(|(i, client)| {
            let count = share(args.msgs, args.publishers, i);
            let options = RequestOptions {
                headers: None,
                timeout: Some(global.timeout),
            };
            let requesting = request(
                client.clone(),
                args.subject.clone(),
                payload.clone(),
                options,
                count,
                bar.clone(),
            );
            tokio::spawn(requesting)
        })
        .collect();
    let results = join_all(tasks).await;
    bar.finish_and_clear();
    close_all(requesters.iter().chain(&responder_clients)).await;
    let answered = join_all(responder_tasks).await?;
    let results = results?;
    let failed: u64 = results.iter().map(|r| r.failed).sum();
    let latencies = Latencies::new(results.iter().flat_map(|r| r.latencies.clone()).collect());
    let side = Side {
        label: "Req",
        clients: results.iter().map(|r| r.run).collect(),
    };
    print(global, args, &side, &latencies, &answered, failed)
}

/// Sends `count` requests one after the other. A timeout counts as a failed request; no
/// responders stops the benchmark, since every other request would fail the same way.
async fn request(
    client: Client,
    subject: String,
    payload: Bytes,
    options: RequestOptions,
    count: u64,
    bar: ProgressBar,
) -> CliResult<Requester> {
    let start = Instant::now();
    // Grows with the requests sent; only the first allocation is capped, so a huge --msgs
    // cannot fail before the first request.
    let mut latencies = Vec::with_capacity(usize::try_from(count.min(1 << 20)).unwrap_or(0));
    let mut failed = 0;
    let mut bytes = 0;
    for _ in 0..count {
        let sent = Instant::now();
        match client
            .request_with(&subject, payload.clone(), options.clone())
            .await
        {
            Ok(reply) => {
                latencies.push(sent.elapsed());
                bytes += reply.payload.len() as u64;
            }
            Err(RequestError::TimedOut { .. }) => failed += 1,
            Err(e) => return Err(e.into()),
        }
        bar.inc(1);
    }
    let run = ClientRun {
        msgs: latencies.len() as u64,
        bytes,
        start,
        end: Instant::now(),
    };
    Ok(Requester {
        run,
        latencies,
        failed,
    })
}

/// Echoes each request until the connection is closed; returns how many it answered.
async fn respond(client: Client, mut subscriber: Subscriber) -> CliResult<u64> {
    let mut answered = 0;
    while let Some(request) = subscriber.next().await {
        if let Some(reply) = &request.reply {
            // A reply failing because the benchmark is closing the connection is expected.
            if client
                .publish(reply.as_str(), request.payload)
                .await
                .is_ok()
            {
                answered += 1;
            }
        }
    }
    Ok(answered)
}

fn print(
    global: &GlobalArgs,
    args: &BenchArgs,
    side: &Side,
    latencies: &Latencies,
    answered: &[u64],
    failed: u64,
) -> CliResult {
    if global.json {
        output::json_pretty(&json!({
            "mode": "request",
            "subject": args.subject,
            "size": args.size,
            "requests": args.msgs,
            "replies": side.msgs(),
            "failed": failed,
            "requesters": side.json(),
            "responders": answered,
            "latency": latencies.json(),
        }))?;
    } else {
        let mut text = side.text();
        text.push_str(&latencies.text());
        for (i, n) in answered.iter().enumerate() {
            text.push_str(&format!(
                "  responder [{}] answered {} requests\n",
                i + 1,
                output::thousands(*n)
            ));
        }
        text.push_str(&format!(
            "summary: {} requests, {} replies, {} timed out, in {}\n",
            args.msgs,
            side.msgs(),
            failed,
            crate::duration::human(side.elapsed())
        ));
        output::write_stdout(text.as_bytes())?;
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(CliError::TimedOut(format!(
            "{failed} of {} requests timed out after {:?}",
            args.msgs, global.timeout
        )))
    }
}
