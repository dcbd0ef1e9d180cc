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

include!("suite/list.rs");
