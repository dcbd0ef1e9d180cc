//! The integration suite over tokio.

#[path = "suite/mod.rs"]
mod suite;

fn block_on(fut: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(fut);
}

fn rt() -> std::sync::Arc<dyn natbus::Runtime> {
    natbus_tokio::runtime()
}

/// The slow suite tests run here (see `suite/list.rs`).
macro_rules! run_slow_suite {
    ($($t:tt)*) => { run_suite!($($t)*); };
}

include!("suite/list.rs");

/// A runtime that shuts down takes its connections with it, even while `Client` handles
/// live on: the driver's socket and the direct writer's duplicate descriptor both close.
#[test]
fn dropping_the_runtime_closes_the_connection() {
    use std::time::{Duration, Instant};

    let server = natbus_tests::NatsServer::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let client = runtime
        .block_on(natbus_tokio::connect(&server.url()))
        .expect("connect");
    runtime
        .block_on(client.request("nobody.home", "x"))
        .expect_err("no responders");
    assert_eq!(server.connz()["num_connections"], 1);
    drop(runtime);
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.connz()["num_connections"] != 0 {
        assert!(
            Instant::now() < deadline,
            "the server still sees the connection of a dropped runtime"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(client);
}
