//! The workloads a run executes against the simulated server, and the client setup they
//! share: options drawn from the seed, an event tally per client, a memory monitor, and
//! the waits used while settling after the faults.

pub(crate) mod core;
mod core_checks;
pub(crate) mod jetstream;
mod js_consumers;
pub(crate) mod service;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use natbus::{Client, ClientEvent, ConnectOptions, PublishLoss};

use crate::check::Checks;
use crate::runtime::Sim;
use crate::server::Server;

/// Largest payload a workload publishes.
pub(crate) const MAX_PAYLOAD: usize = 12 * 1024;

/// The limits a client was configured with, which the checks hold it to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) write_buffer: usize,
    pub(crate) reconnect_buffer: usize,
    pub(crate) sub_messages: usize,
    pub(crate) request_timeout: Duration,
    pub(crate) drain_timeout: Duration,
}

/// Lifecycle events a client reported, counted by a listener task.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct EventTally {
    pub(crate) connected: u64,
    pub(crate) disconnected: u64,
    pub(crate) reconnected: u64,
    pub(crate) slow_consumer: u64,
    pub(crate) closed: u64,
    /// Summed over the `Disconnected` events.
    pub(crate) possibly_lost: PublishLoss,
}

/// A connected client of the run.
#[derive(Clone)]
pub(crate) struct SimClient {
    pub(crate) name: &'static str,
    pub(crate) client: Client,
    pub(crate) limits: Limits,
    events: Arc<Mutex<EventTally>>,
}

impl SimClient {
    pub(crate) fn events(&self) -> EventTally {
        *lock(&self.events)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Options for client `name`, drawn from the run's generator: small buffers and short
/// timers, so that a few seconds of virtual time reach every limit. Subscriptions hold at
/// least `min_sub_messages` (of up to 1 KiB).
fn draw_options(
    sim: &Sim,
    name: &str,
    url: &str,
    min_sub_messages: usize,
) -> (ConnectOptions, Limits) {
    let ms = |lo, hi| Duration::from_millis(sim.range(lo, hi));
    let limits = Limits {
        write_buffer: sim.range(256, 256 * 1024) as usize,
        reconnect_buffer: sim.range(256, 64 * 1024) as usize,
        sub_messages: (sim.range(4, 1024) as usize).max(min_sub_messages),
        request_timeout: ms(50, 2_000),
        drain_timeout: ms(100, 5_000),
    };
    // Room for `min_sub_messages` of up to 1 KiB each.
    let sub_bytes = (sim.range(1024, 1024 * 1024) as usize).max(min_sub_messages * 1024);
    let options = ConnectOptions::new()
        .server(url)
        .name(name)
        .seed(sim.range(0, u64::MAX - 1))
        .ping_interval(ms(100, 5_000))
        .max_pings_out(2)
        .connect_timeout(ms(50, 2_000))
        .request_timeout(limits.request_timeout)
        .drain_timeout(limits.drain_timeout)
        .reconnect_delay(ms(1, 100), ms(100, 2_000), ms(0, 100))
        .max_reconnects(None)
        .write_buffer_size(limits.write_buffer)
        .reconnect_buffer_size(limits.reconnect_buffer)
        .subscription_capacity(limits.sub_messages, sub_bytes);
    (options, limits)
}

/// The address every workload's server listens on.
pub(crate) const URL: &str = "nats://sim-s1:4222";

/// Starts the workload's server `s1` at [`URL`], cutting a client that falls more than
/// `max_pending` (drawn from the range) bytes behind.
pub(crate) fn start_server(sim: &Sim, max_pending: (usize, usize)) -> Server {
    let max_pending = sim.range(max_pending.0 as u64, max_pending.1 as u64) as usize;
    let server = Server::new(sim.world.clone(), "s1", max_pending);
    sim.world
        .net()
        .add_server("sim-s1:4222".to_owned(), server.clone());
    server
}

/// Connects client `name` to `url` (subscriptions holding at least `min_sub_messages`),
/// with a listener counting its events and a monitor holding its outbound buffer to its
/// limits.
pub(crate) async fn connect(
    sim: &Sim,
    checks: &Checks,
    name: &'static str,
    url: &str,
    min_sub_messages: usize,
) -> Option<SimClient> {
    let (options, limits) = draw_options(sim, name, url, min_sub_messages);
    // Before any fault; but a short connect timeout on a slow link can still pass, and
    // the first connect is not retried by the client: try a few times.
    let mut attempts = 0;
    let client = loop {
        attempts += 1;
        match natbus::connect_with(sim.runtime(), options.clone()).await {
            Ok(client) => break client,
            Err(e) if attempts < 10 => {
                sim.world
                    .note(format_args!("client {name}: first connect failed: {e}"));
            }
            Err(e) => {
                checks.fail(
                    sim.elapsed(),
                    format!("client {name}: first connect failed {attempts} times: {e}"),
                );
                return None;
            }
        }
    };
    sim.world
        .note(format_args!("client {name}: connected with {limits:?}"));
    let events = Arc::new(Mutex::new(EventTally::default()));
    let c = SimClient {
        name,
        client,
        limits,
        events,
    };
    sim.spawn(listen(
        sim.clone(),
        name,
        c.client.events(),
        c.events.clone(),
    ));
    sim.spawn(watch_memory(sim.clone(), checks.clone(), c.clone()));
    Some(c)
}

async fn listen(
    sim: Sim,
    name: &'static str,
    mut stream: natbus::EventStream,
    tally: Arc<Mutex<EventTally>>,
) {
    while let Some(event) = stream.next().await {
        sim.world.note(format_args!("client {name}: {event:?}"));
        let mut t = lock(&tally);
        match event {
            ClientEvent::Connected { .. } => t.connected += 1,
            ClientEvent::Disconnected { possibly_lost, .. } => {
                t.disconnected += 1;
                t.possibly_lost += possibly_lost;
            }
            ClientEvent::Reconnected { .. } => t.reconnected += 1,
            ClientEvent::SlowConsumer { .. } => t.slow_consumer += 1,
            ClientEvent::Closed { .. } => t.closed += 1,
            _ => {}
        }
    }
}

/// Samples the client's outbound buffer every few milliseconds until it closes.
async fn watch_memory(sim: Sim, checks: Checks, c: SimClient) {
    let bound = c.limits.write_buffer.max(c.limits.reconnect_buffer) + MAX_PAYLOAD + 1024;
    // This clone keeps the connection open until the workload closes it (drain), which
    // the run always does; the monitor stops then.
    let client = c.client.clone();
    drop(c);
    while !client.is_closed() {
        let buffered = client.statistics().buffered_bytes;
        if buffered > bound {
            checks.fail(
                sim.elapsed(),
                format!("outbound buffer holds {buffered} bytes, over its bound of {bound}"),
            );
            return;
        }
        sim.sleep(Duration::from_millis(sim.range(1, 50))).await;
    }
}

/// Waits until `c` is connected; false after `limit` of virtual time.
async fn wait_connected(sim: &Sim, c: &SimClient, limit: Duration) -> bool {
    let end = sim.elapsed() + limit;
    while sim.elapsed() < end {
        if c.client.is_connected() {
            return true;
        }
        sim.sleep(Duration::from_millis(10)).await;
    }
    c.client.is_connected()
}

/// After the faults: every client reconnects and gets a flush through, each within a
/// minute. False (with the failure recorded) when one does not.
pub(crate) async fn recover(sim: &Sim, checks: &Checks, clients: &[&SimClient]) -> bool {
    for c in clients {
        if !wait_connected(sim, c, Duration::from_secs(60)).await {
            let what = format!(
                "client {} did not reconnect within 60 s after the faults ended",
                c.name
            );
            checks.fail(sim.elapsed(), what);
            return false;
        }
        if !flush_until_ok(sim, checks, c).await {
            let what = format!(
                "client {}: no flush succeeded after the faults ended",
                c.name
            );
            checks.fail(sim.elapsed(), what);
            return false;
        }
    }
    true
}

/// Flushes until the server confirms (every attempt held to its deadline); false when
/// none succeeded within a minute (a slow link with a short request timeout needs many).
pub(crate) async fn flush_until_ok(sim: &Sim, checks: &Checks, c: &SimClient) -> bool {
    let end = sim.elapsed() + Duration::from_secs(60);
    while sim.elapsed() < end {
        if flush_checked(sim, checks, c).await {
            return true;
        }
        sim.sleep(Duration::from_millis(50)).await;
    }
    false
}

/// One flush, held to its deadline; true when it succeeded.
pub(crate) async fn flush_checked(sim: &Sim, checks: &Checks, c: &SimClient) -> bool {
    let start = sim.elapsed();
    let result = c.client.flush().await;
    sim.world
        .note(format_args!("client {}: flush: {result:?}", c.name));
    let what = format!("client {}: flush", c.name);
    checks.deadline(&what, start, c.limits.request_timeout, sim.elapsed());
    result.is_ok()
}

/// Drains the client, held to its drain deadline.
pub(crate) async fn drain_checked(sim: &Sim, checks: &Checks, c: &SimClient) {
    let start = sim.elapsed();
    let _ = c.client.drain().await;
    let what = format!("client {}: drain", c.name);
    checks.deadline(&what, start, c.limits.drain_timeout, sim.elapsed());
}
