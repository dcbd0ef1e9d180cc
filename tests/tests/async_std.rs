//! The integration suite over async-std, with natbus-smol's runtime using async-std's spawner.

#[path = "suite/mod.rs"]
mod suite;

fn block_on(fut: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>) {
    async_std::task::block_on(fut);
}

fn rt() -> std::sync::Arc<dyn natbus::Runtime> {
    std::sync::Arc::new(natbus_smol::SmolRuntime::with_spawner(|f| {
        async_std::task::spawn(f);
    }))
}

/// The slow suite tests run on tokio only (see `suite/list.rs`).
macro_rules! run_slow_suite {
    ($($t:tt)*) => { run_suite_ignored!("slow: runs on tokio", $($t)*); };
}

include!("suite/list.rs");
