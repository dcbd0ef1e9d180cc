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

include!("suite/list.rs");
