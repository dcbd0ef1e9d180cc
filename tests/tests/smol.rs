//! The integration suite over smol.

#[path = "suite/mod.rs"]
mod suite;

fn block_on(fut: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>) {
    smol::block_on(fut);
}

fn rt() -> std::sync::Arc<dyn natbus::Runtime> {
    natbus_smol::runtime()
}

include!("suite/list.rs");
