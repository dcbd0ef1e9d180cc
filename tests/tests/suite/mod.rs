//! The integration suite, written once and run by `tokio.rs`, `smol.rs` and `async_std.rs`
//! against a real nats-server each. Every test body takes the runtime under test.
//!
//! A suite function runs only when `list.rs` names it; one left out of the list would be
//! dead code, and `deny(dead_code)` makes that a build error rather than a test that
//! silently never runs. (Helpers nobody calls fail the build the same way.)

#![deny(dead_code)]

pub mod auth;
pub mod bus;
pub mod bus_lifecycle;
pub mod bus_redelivery;
pub mod bus_stream;
pub mod cluster;
pub mod cluster_elections;
pub mod cluster_faults;
pub mod context;
pub mod core;
pub mod driver_panic;
pub mod durations;
pub mod envelope;
pub mod envelope_py;
pub mod handler_subscribe;
pub mod interop_py;
pub mod jetstream;
pub mod jetstream_consumers;
pub mod js_batch;
pub mod js_consumer_control;
pub mod js_counter;
pub mod js_direct_batch;
pub mod js_metadata;
pub mod js_priority;
pub mod js_publish_retry;
pub mod js_schedule;
pub mod js_server_version;
pub mod js_support;
pub mod kv;
pub mod kv_ttl;
pub mod logs;
pub mod malformed;
pub mod misbehaving_server;
pub mod object_changes;
pub mod object_links;
pub mod object_store;
pub mod publish_loss;
pub mod python;
pub mod reconnect;
pub mod service;
pub mod service_discovery;
pub mod service_port;
pub mod service_py;
pub mod service_stop;
pub mod tls;
pub mod transport;
pub mod websocket;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::channel::oneshot::{Receiver, Sender};
use futures::future::Shared;
use natbus::{Client, ConnectOptions, Runtime};

/// Generates one `#[test]` per suite function, run with `$block_on` on `$runtime`.
#[macro_export]
macro_rules! run_suite {
    ($block_on:expr, $runtime:expr; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let block_on = $block_on;
                block_on(Box::pin(suite::$module::$name($runtime)));
            }
        )*
    };
}

/// As [`run_suite!`], but every test is `#[ignore]`d with `$reason`: how the runtimes that
/// skip the slow tests list them (`cargo test --test smol -- --ignored` still runs them).
#[macro_export]
macro_rules! run_suite_ignored {
    ($reason:literal, $block_on:expr, $runtime:expr; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[test]
            #[ignore = $reason]
            fn $name() {
                let block_on = $block_on;
                block_on(Box::pin(suite::$module::$name($runtime)));
            }
        )*
    };
}

/// Options every test starts from: short timeouts so failures are quick, a fixed seed.
pub fn options(url: &str) -> ConnectOptions {
    ConnectOptions::new()
        .server(url)
        .request_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5))
        .reconnect_delay(
            Duration::from_millis(20),
            Duration::from_millis(200),
            Duration::from_millis(20),
        )
        .max_reconnects(None)
}

/// Connects with `options` on `rt`, panicking with the reason on failure.
pub async fn connect(rt: &Arc<dyn Runtime>, options: ConnectOptions) -> Client {
    natbus::connect_with(rt.clone(), options)
        .await
        .expect("connect to the test server")
}

/// Sleeps on the runtime under test: for pacing a retry loop, never to wait for something
/// to happen (use [`wait_until`] or an event for that).
pub async fn sleep(rt: &Arc<dyn Runtime>, d: Duration) {
    rt.sleep_until(Instant::now() + d).await;
}

/// Waits for `fut` at most `d`, panicking with `what` when it takes longer.
pub async fn within<F: std::future::Future>(
    rt: &Arc<dyn Runtime>,
    d: Duration,
    what: &str,
    fut: F,
) -> F::Output {
    let timeout = rt.sleep_until(Instant::now() + d);
    futures::pin_mut!(fut);
    match futures::future::select(fut, timeout).await {
        futures::future::Either::Left((v, _)) => v,
        futures::future::Either::Right(_) => panic!("timed out after {d:?} waiting for {what}"),
    }
}

/// The default deadline for anything a test waits for.
pub const WAIT: Duration = Duration::from_secs(10);

/// Polls `done` every 10 ms until it holds, panicking with `what` after [`WAIT`]: for
/// conditions only visible by looking (a counter, the server's monitoring endpoints).
pub async fn wait_until(rt: &Arc<dyn Runtime>, what: &str, mut done: impl FnMut() -> bool) {
    within(rt, WAIT, what, async {
        while !done() {
            sleep(rt, Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// A latch for handlers that must not finish before the test says so: each handler awaits
/// a clone of the second half, which resolves once the first half is sent to or dropped.
pub fn latch() -> (Sender<()>, Shared<Receiver<()>>) {
    let (open, wait) = futures::channel::oneshot::channel();
    (open, wait.shared())
}

/// Waits (at most [`WAIT`]) for the first client event matching `want`, returning it;
/// `what` names it in the panic when it does not come.
pub async fn wait_for_event(
    rt: &Arc<dyn Runtime>,
    events: &mut natbus::EventStream,
    what: &str,
    want: impl Fn(&natbus::ClientEvent) -> bool,
) -> natbus::ClientEvent {
    within(rt, WAIT, what, async {
        loop {
            match events.next().await {
                Some(e) if want(&e) => return e,
                Some(_) => continue,
                None => panic!("event stream ended while waiting for {what}"),
            }
        }
    })
    .await
}
