//! Services under faults: two instances of one service (a queue group, a bounded number
//! of workers each, handlers that are slow, refuse or panic on request), a caller, and a
//! monitor asking `$SRV.PING` and `$SRV.STATS`, on one server the fault injector attacks.
//!
//! Checked: every answer belongs to its own call and is right (a refusal carries its own
//! code, a panic is answered as 500 and the service keeps serving); no instance runs more
//! handlers at once than its workers; every call, discovery request and stop ends by its
//! deadline; after the faults both instances answer STATS over the network with the
//! counts they keep, and those counts cover every answer the caller got; once stopped,
//! nothing answers any more.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use natbus::service::{CallError, Handler, Service, ServiceError, StatsResponse};
use natbus::{RequestError, RequestOptions};
use serde::{Deserialize, Serialize};

use super::core::lock;
use super::core_checks::check_events;
use super::{SimClient, URL, connect, drain_checked, recover, start_server};
use crate::check::Checks;
use crate::faults;
use crate::runtime::Sim;

const SERVICE: &str = "calc";
const ACTION: &str = "v1.calc.double";
/// A handler asked to refuse answers with this code.
const REFUSED: u16 = 409;

/// A call: double `n`, after `delay_ms`, unless told to refuse or panic.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Call {
    token: u64,
    n: i64,
    delay_ms: u64,
    refuse: bool,
    panic: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Answer {
    token: u64,
    doubled: i64,
}

/// Answers the caller got, by kind.
#[derive(Default)]
struct Answered {
    results: u64,
    service_errors: u64,
}

pub(crate) async fn run(sim: Sim, checks: Checks) {
    let server = start_server(&sim, (64 * 1024, 4 * 1024 * 1024));
    let url = URL;
    let (Some(a), Some(b), Some(c)) = (
        connect(&sim, &checks, "SV1", url, 16).await,
        connect(&sim, &checks, "SV2", url, 16).await,
        connect(&sim, &checks, "SC", url, 16).await,
    ) else {
        return;
    };
    let workers = sim.range(1, 6) as usize;
    let (Some(sv1), Some(sv2)) = (
        start(&sim, &checks, &a, workers).await,
        start(&sim, &checks, &b, workers).await,
    ) else {
        return;
    };
    let answered = Arc::new(Mutex::new(Answered::default()));
    let (until, faults) = faults::start(&sim, &server, Duration::from_secs(12), &checks);
    let calls = sim.spawn_join(call(
        sim.clone(),
        checks.clone(),
        c.clone(),
        until,
        answered.clone(),
    ));
    let monitor = sim.spawn_join(monitor(sim.clone(), checks.clone(), c.clone(), until));
    faults.await;
    calls.await;
    monitor.await;

    if !recover(&sim, &checks, &[&a, &b, &c]).await {
        return;
    }
    let handled = check_stats(&sim, &checks, &c, &[&sv1, &sv2]).await;
    let answered = {
        let a = lock(&answered);
        a.results + a.service_errors
    };
    if handled < answered {
        checks.fail(
            sim.elapsed(),
            format!(
                "the instances count {handled} requests, but the caller got {answered} answers"
            ),
        );
    }
    for (client, service) in [(&a, &sv1), (&b, &sv2)] {
        let start = sim.elapsed();
        let _ = service.stop().await;
        let what = format!("client {}: service stop", client.name);
        checks.deadline(&what, start, client.limits.drain_timeout, sim.elapsed());
    }
    after_stop(&sim, &checks, &c).await;
    for client in [&a, &b, &c] {
        check_events(&sim, &checks, client);
    }
    for client in [&a, &b, &c] {
        drain_checked(&sim, &checks, client).await;
    }
    checks.count("service: requests handled", handled);
    checks.count("service: answers received", answered);
}

/// Starts an instance on `client` whose handler counts how many run at once.
async fn start(sim: &Sim, checks: &Checks, client: &SimClient, workers: usize) -> Option<Service> {
    let running = Arc::new(AtomicUsize::new(0));
    let (hsim, hchecks, name) = (sim.clone(), checks.clone(), client.name);
    let handler = Handler::typed(move |call: Call| {
        let (sim, checks, running) = (hsim.clone(), hchecks.clone(), running.clone());
        async move {
            let now = running.fetch_add(1, Ordering::Relaxed) + 1;
            if now > workers {
                checks.fail(
                    sim.elapsed(),
                    format!("{name} runs {now} handlers at once with {workers} workers"),
                );
            }
            sim.sleep(Duration::from_millis(call.delay_ms)).await;
            running.fetch_sub(1, Ordering::Relaxed);
            if call.panic {
                // Caught by the service: answered as a 500, the service keeps serving.
                std::panic::panic_any(DeliberatePanic);
            }
            if call.refuse {
                return Err(ServiceError::new(REFUSED, "refused as asked"));
            }
            Ok(Answer {
                token: call.token,
                doubled: call.n * 2,
            })
        }
    });
    let started = client
        .client
        .service_builder()
        .name(SERVICE)
        .version("1.0.0")
        .workers(workers)
        .stop_timeout(client.limits.drain_timeout)
        .add_action("double", handler)
        .start()
        .await;
    match started {
        Ok(service) => Some(service),
        Err(e) => {
            checks.fail(
                sim.elapsed(),
                format!(
                    "{}: the service did not start before any fault: {e}",
                    client.name
                ),
            );
            None
        }
    }
}

/// The payload of a handler's deliberate panic (the test harness keeps it quiet).
pub(crate) struct DeliberatePanic;

/// Calls until `until`: each answer must be this call's, and right.
async fn call(
    sim: Sim,
    checks: Checks,
    c: SimClient,
    until: Duration,
    answered: Arc<Mutex<Answered>>,
) {
    let mut token = 0;
    while sim.elapsed() < until {
        token += 1;
        let request = Call {
            token,
            n: sim.range(0, 1_000_000) as i64,
            delay_ms: if sim.percent(20) {
                sim.range(0, 400)
            } else {
                0
            },
            refuse: sim.percent(10),
            panic: sim.percent(3),
        };
        let timeout = Duration::from_millis(sim.range(50, 1_000));
        let options = RequestOptions {
            timeout: Some(timeout),
            ..RequestOptions::default()
        };
        let start = sim.elapsed();
        let result: Result<Answer, CallError> = c.client.call_with(ACTION, &request, options).await;
        checks.deadline(&format!("call {token}"), start, timeout, sim.elapsed());
        let expected_code = if request.panic {
            Some(500)
        } else if request.refuse {
            Some(REFUSED)
        } else {
            None
        };
        match (result, expected_code) {
            (Ok(answer), None) if answer.token == token && answer.doubled == request.n * 2 => {
                lock(&answered).results += 1;
            }
            (Ok(answer), _) => {
                checks.fail(
                    sim.elapsed(),
                    format!("call {token} ({request:?}) was answered {answer:?}"),
                );
            }
            (Err(CallError::Service(e)), Some(code)) if e.code == code => {
                lock(&answered).service_errors += 1
            }
            (Err(CallError::Service(e)), _) => {
                checks.fail(
                    sim.elapsed(),
                    format!("call {token} ({request:?}) got the service error {e}"),
                );
            }
            (Err(CallError::Request(_)), _) => {
                checks.count("service: calls without an answer", 1);
                sim.sleep(Duration::from_millis(sim.range(1, 50))).await;
            }
            (Err(e), _) => checks.fail(sim.elapsed(), format!("call {token}: {e}")),
        }
    }
}

/// Asks `$SRV.PING` and `$SRV.STATS` now and then, each held to its deadline.
async fn monitor(sim: Sim, checks: Checks, c: SimClient, until: Duration) {
    while sim.elapsed() < until {
        sim.sleep(Duration::from_millis(sim.range(50, 500))).await;
        let subject = if sim.percent(50) {
            "$SRV.PING.calc"
        } else {
            "$SRV.STATS.calc"
        };
        let start = sim.elapsed();
        let _ = c.client.request(subject, "").await;
        checks.deadline(subject, start, c.limits.request_timeout, sim.elapsed());
    }
}

/// Each instance answers STATS over the network with the counts it keeps (requests still
/// arriving after the faults may be counted meanwhile: the answer lies between the counts
/// kept before the request and after the reply); returns the requests handled in all.
async fn check_stats(sim: &Sim, checks: &Checks, c: &SimClient, services: &[&Service]) -> u64 {
    let count = |s: &StatsResponse| -> (u64, u64) {
        s.endpoints.iter().fold((0, 0), |(r, e), ep| {
            (r + ep.num_requests, e + ep.num_errors)
        })
    };
    let mut handled = 0;
    for service in services {
        let subject = format!("$SRV.STATS.{SERVICE}.{}", service.id());
        let mut answer = None;
        for _ in 0..20 {
            let before = count(&service.stats());
            if let Ok(reply) = c.client.request(&subject, "").await {
                let remote = serde_json::from_slice::<StatsResponse>(&reply.payload).ok();
                answer = Some((before, remote.as_ref().map(count), count(&service.stats())));
                break;
            }
        }
        match answer {
            Some((before, Some(remote), after))
                if (before.0..=after.0).contains(&remote.0)
                    && (before.1..=after.1).contains(&remote.1) => {}
            other => {
                let what = format!(
                    "instance {} answered STATS with (kept before, answered, kept after) {other:?}",
                    service.id()
                );
                checks.fail(sim.elapsed(), what);
            }
        }
        handled += count(&service.stats()).0;
    }
    handled
}

/// Once both instances stopped, nothing answers the action any more.
async fn after_stop(sim: &Sim, checks: &Checks, c: &SimClient) {
    let request = Call {
        token: 0,
        n: 1,
        delay_ms: 0,
        refuse: false,
        panic: false,
    };
    let result: Result<Answer, CallError> = c.client.call(ACTION, &request).await;
    if !matches!(
        result,
        Err(CallError::Request(RequestError::NoResponders { .. }))
    ) {
        checks.fail(
            sim.elapsed(),
            format!("after both instances stopped a call got {result:?}"),
        );
    }
}
