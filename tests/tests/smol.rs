//! The integration suite over smol.

#[path = "suite/mod.rs"]
mod suite;

fn block_on(fut: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>) {
    smol::block_on(fut);
}

fn rt() -> std::sync::Arc<dyn natbus::Runtime> {
    natbus_smol::runtime()
}

/// The slow suite tests run on tokio only (see `suite/list.rs`).
macro_rules! run_slow_suite {
    ($($t:tt)*) => { run_suite_ignored!("slow: runs on tokio", $($t)*); };
}

include!("suite/list.rs");
