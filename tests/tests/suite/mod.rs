//! The integration suite, written once and run by `tokio.rs`, `smol.rs` and `async_std.rs`
//! against a real nats-server each. Every test body takes the runtime under test.

#![allow(dead_code)]

pub mod auth;
pub mod bus;
pub mod bus_lifecycle;
pub mod cluster;
pub mod core;
pub mod envelope;
pub mod interop_py;
pub mod jetstream;
pub mod jetstream_consumers;
pub mod js_support;
pub mod kv;
pub mod object_changes;
pub mod object_links;
pub mod object_store;
pub mod python;
pub mod reconnect;
pub mod service;
pub mod service_discovery;
pub mod service_py;
pub mod service_stop;
pub mod tls;

use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// Sleeps on the runtime under test.
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
