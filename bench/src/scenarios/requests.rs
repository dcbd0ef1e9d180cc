//! The request measurement every `req_*` scenario shares: sequential latencies, then 64
//! requests in flight, whatever client makes them and wherever the responder runs.

use std::future::Future;
use std::time::Instant;

use futures::StreamExt;

use crate::cpu::Span;
use crate::stats::percentiles_us;
use crate::{BoxError, Metrics};

/// Requests in flight in the throughput part.
pub const IN_FLIGHT: usize = 64;

/// Makes `sequential` requests one at a time (p50/p90/p99), then `concurrent` with
/// [`IN_FLIGHT`] in flight (rate, client and server CPU per request). `request` makes one
/// request and waits for its reply.
pub async fn measure<F, Fut>(
    sequential: usize,
    concurrent: usize,
    request: F,
) -> Result<Metrics, BoxError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), BoxError>>,
{
    let mut latencies = Vec::with_capacity(sequential);
    for _ in 0..sequential {
        let t = Instant::now();
        request().await?;
        latencies.push(t.elapsed());
    }
    let span = Span::start();
    let mut replies = futures::stream::iter(0..concurrent)
        .map(|_| request())
        .buffer_unordered(IN_FLIGHT);
    while let Some(reply) = replies.next().await {
        reply?;
    }
    let rate = span.per_second(concurrent);
    let cpu = span.cpu_ns_per(concurrent);
    let server_cpu = span.server_cpu_ns_per(concurrent);
    let [p50, p90, p99] = percentiles_us(&mut latencies, [0.50, 0.90, 0.99]);
    Ok(vec![
        ("p50 µs", p50),
        ("p90 µs", p90),
        ("p99 µs", p99),
        ("64 in flight req/s", rate),
        ("64 in flight client CPU ns/req", cpu),
        ("64 in flight server CPU ns/req", server_cpu),
    ])
}
