//! The other side elsewhere, as real services run: `req_tasks` (requester and responder as
//! separate spawned tasks), `req_proc` (the shared responder in another process) and
//! `pub_sub_proc` (the subscriber in another process). Written once for both clients.

use bytes::Bytes;

use super::requests::measure;
use crate::bench_client::BenchClient;
use crate::clients::{Kind, spawn, spawned};
use crate::cpu::Span;
use crate::process::{Child, ECHO_SUBJECT, PUB_SUB_SUBJECT, RESPONDER};
use crate::{BoxError, Metrics};

/// The subject of the in-process echo task.
const TASK_SUBJECT: &str = "bench.echo.task";

/// `req_tasks`: an echo responder task and a requester task, each spawned on the runtime,
/// each with its own connection.
pub async fn req_tasks<C: BenchClient>(
    kind: Kind,
    url: &str,
    (sequential, concurrent): (usize, usize),
    payload: Bytes,
) -> Result<Metrics, BoxError> {
    let responder = C::connect(kind, url, 0).await?;
    spawn(kind, responder.echo(TASK_SUBJECT).await?);
    let client = C::connect(kind, url, 0).await?;
    let work = requests(
        client.clone(),
        TASK_SUBJECT,
        sequential,
        concurrent,
        payload,
    );
    let metrics = spawned(kind, work).await;
    client.close().await;
    responder.close().await;
    metrics
}

/// `req_proc`: a spawned requester task; the responder is [`RESPONDER`] in another process.
pub async fn req_proc<C: BenchClient>(
    kind: Kind,
    url: &str,
    (sequential, concurrent): (usize, usize),
    payload: Bytes,
) -> Result<Metrics, BoxError> {
    let _responder = Child::start("responder", RESPONDER, url, None).await?;
    let client = C::connect(kind, url, 0).await?;
    let work = requests(
        client.clone(),
        ECHO_SUBJECT,
        sequential,
        concurrent,
        payload,
    );
    let metrics = spawned(kind, work).await;
    client.close().await;
    metrics
}

async fn requests<C: BenchClient>(
    client: C,
    subject: &'static str,
    sequential: usize,
    concurrent: usize,
    payload: Bytes,
) -> Result<Metrics, BoxError> {
    let (c, p) = (&client, &payload);
    measure(sequential, concurrent, move || {
        c.request(subject, p.clone())
    })
    .await
}

/// `pub_sub_proc`: publish `n` messages here while a subscriber of the same client and
/// runtime receives them in another process; done when it says it has all. Client CPU is
/// both processes'.
pub async fn pub_sub_proc<C: BenchClient>(
    kind: Kind,
    url: &str,
    n: usize,
    payload: Bytes,
) -> Result<Metrics, BoxError> {
    let mut subscriber = Child::start("subscriber", kind, url, Some(n)).await?;
    let client = C::connect(kind, url, 0).await?;
    let span = Span::start();
    for _ in 0..n {
        client.publish(PUB_SUB_SUBJECT, payload.clone()).await?;
    }
    client.flush().await?;
    let done = subscriber.line().await?;
    let mut metrics = span.metrics(n);
    let value: serde_json::Value = serde_json::from_str(&done)?;
    let child_cpu = value["cpu_ns"]
        .as_f64()
        .ok_or("the subscriber sent no cpu_ns")?;
    for (name, v) in &mut metrics {
        if *name == "client CPU ns/msg" {
            *v += child_cpu / n as f64;
        }
    }
    client.close().await;
    Ok(metrics)
}
