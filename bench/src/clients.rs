//! The clients compared, and running a measurement on the runtime each one needs.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::BoxError;

/// One client under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// natbus driven by tokio's multi-thread runtime.
    NatbusTokio,
    /// natbus driven by smol (driver on smol's global executor).
    NatbusSmol,
    /// async-nats (tokio only).
    AsyncNats,
}

impl Kind {
    /// Every client, in table order.
    pub const ALL: [Kind; 3] = [Kind::NatbusTokio, Kind::NatbusSmol, Kind::AsyncNats];

    /// The column name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NatbusTokio => "natbus-tokio",
            Kind::NatbusSmol => "natbus-smol",
            Kind::AsyncNats => "async-nats",
        }
    }

    /// The client named `name`.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The natbus runtime for a natbus client; `None` for async-nats.
    pub fn natbus_runtime(self) -> Option<Arc<dyn natbus::Runtime>> {
        match self {
            Kind::NatbusTokio => Some(natbus_tokio::runtime()),
            Kind::NatbusSmol => Some(natbus_smol::runtime()),
            Kind::AsyncNats => None,
        }
    }
}

/// The runtimes a run needs, created once.
pub struct Runtimes {
    tokio: tokio::runtime::Runtime,
}

impl Runtimes {
    /// A tokio multi-thread runtime with one worker per core (its default).
    pub fn new() -> Result<Runtimes, BoxError> {
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        Ok(Runtimes { tokio })
    }

    /// Runs `work` to completion on `kind`'s runtime, failing after `limit`.
    pub fn run<T, F>(&self, kind: Kind, limit: Duration, work: F) -> Result<T, BoxError>
    where
        F: Future<Output = Result<T, BoxError>>,
    {
        let timed_out = move || -> BoxError { format!("timed out after {limit:?}").into() };
        match kind {
            Kind::NatbusTokio | Kind::AsyncNats => self.tokio.block_on(async {
                tokio::time::timeout(limit, work)
                    .await
                    .unwrap_or_else(|_| Err(timed_out()))
            }),
            Kind::NatbusSmol => smol::block_on(smol::future::or(work, async move {
                smol::Timer::after(limit).await;
                Err(timed_out())
            })),
        }
    }
}

/// natbus connect options used by every scenario: a large subscription buffer so the
/// throughput scenarios measure speed, not drops, and a long flush/request timeout.
pub fn natbus_options(url: &str, capacity: usize) -> natbus::ConnectOptions {
    natbus::ConnectOptions::new()
        .server(url)
        .subscription_capacity(capacity.max(65_536), 1 << 30)
        .request_timeout(Duration::from_secs(30))
}

/// Connects natbus on `rt`.
pub async fn natbus_connect(
    rt: &Arc<dyn natbus::Runtime>,
    url: &str,
    capacity: usize,
) -> Result<natbus::Client, BoxError> {
    Ok(natbus::connect_with(rt.clone(), natbus_options(url, capacity)).await?)
}

/// Connects async-nats with the same buffer and timeout choices.
pub async fn async_nats_connect(
    url: &str,
    capacity: usize,
) -> Result<async_nats::Client, BoxError> {
    Ok(async_nats::ConnectOptions::new()
        .subscription_capacity(capacity.max(65_536))
        .request_timeout(Some(Duration::from_secs(30)))
        .connect(url)
        .await?)
}

/// Runs `work` as a task spawned on `kind`'s runtime (a worker, not the thread that blocks
/// on the measurement) and waits for its result.
pub async fn spawned<T: Send + 'static>(
    kind: Kind,
    work: impl Future<Output = Result<T, BoxError>> + Send + 'static,
) -> Result<T, BoxError> {
    let (tx, rx) = futures::channel::oneshot::channel();
    spawn(kind, async move {
        let _ = tx.send(work.await);
    });
    rx.await
        .map_err(|_| -> BoxError { "the spawned task was dropped".into() })?
}

/// Spawns `task` on `kind`'s runtime (natbus's `Runtime::spawn`, or tokio for async-nats).
pub fn spawn(kind: Kind, task: impl Future<Output = ()> + Send + 'static) {
    match kind.natbus_runtime() {
        Some(rt) => rt.spawn(Box::pin(task)),
        None => drop(tokio::spawn(task)),
    }
}
