//! natbus over smol: the [`Runtime`] implementation and a re-export of the whole API.
//!
//! Sockets and timers come from `async-io`, the reactor smol and async-std share, so this
//! adapter also runs under async-std: pass its spawner to [`SmolRuntime::with_spawner`], or
//! keep the default, which runs the connection driver on smol's global executor.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = natbus_smol::connect("nats://127.0.0.1:4222").await?;
//! client.publish("greetings", "hello").await?;
//! client.drain().await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

use natbus::proto::time::Instant;
use std::io;
use std::sync::Arc;

pub use natbus::*;

/// A function that runs a future in the background.
pub type Spawner = Arc<dyn Fn(BoxFuture<()>) + Send + Sync>;

/// Runs natbus with smol's sockets and timers.
#[derive(Clone, Default)]
pub struct SmolRuntime {
    spawner: Option<Spawner>,
}

impl std::fmt::Debug for SmolRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmolRuntime")
            .field("custom_spawner", &self.spawner.is_some())
            .finish()
    }
}

impl SmolRuntime {
    /// Spawns the connection driver with `spawner` (e.g. `async_std::task::spawn`).
    pub fn with_spawner(spawner: impl Fn(BoxFuture<()>) + Send + Sync + 'static) -> Self {
        SmolRuntime {
            spawner: Some(Arc::new(spawner)),
        }
    }
}

impl Runtime for SmolRuntime {
    fn connect(&self, host: &str, port: u16) -> BoxFuture<io::Result<Dialed>> {
        let host = host.to_owned();
        Box::pin(async move {
            let stream = smol::net::TcpStream::connect((host.as_str(), port)).await?;
            stream.set_nodelay(true)?;
            // A duplicate descriptor (non-blocking, like the original) lets a request be
            // written from the task that makes it; see `natbus::DirectWrite`.
            let direct = Arc::<smol::Async<std::net::TcpStream>>::from(stream.clone())
                .get_ref()
                .try_clone()?;
            Ok(Dialed::new(Box::new(stream)).with_direct_writer(Box::new(direct)))
        })
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<()> {
        let timer = smol::Timer::at(deadline);
        Box::pin(async move {
            timer.await;
        })
    }

    fn spawn(&self, future: BoxFuture<()>) {
        match &self.spawner {
            Some(spawn) => spawn(future),
            None => smol::spawn(future).detach(),
        }
    }
}

/// The smol runtime as a shareable [`Runtime`].
pub fn runtime() -> Arc<dyn Runtime> {
    Arc::new(SmolRuntime::default())
}

/// Connects to `url` (one or more comma-separated URLs) with default options.
///
/// # Errors
/// [`ConnectError`] when no server accepts the connection.
pub async fn connect(url: &str) -> Result<Client, ConnectError> {
    connect_with(ConnectOptions::new().server(url)).await
}

/// Connects with `options` on a specific runtime (e.g. [`SmolRuntime::with_spawner`] for
/// async-std).
///
/// # Errors
/// [`ConnectError`] when no server accepts the connection.
pub async fn connect_with_runtime(
    runtime: Arc<dyn Runtime>,
    options: ConnectOptions,
) -> Result<Client, ConnectError> {
    natbus::connect_with(runtime, options).await
}

/// Connects with `options`, driving the connection on smol's global executor.
///
/// # Errors
/// [`ConnectError`] when no server accepts the connection.
pub async fn connect_with(options: ConnectOptions) -> Result<Client, ConnectError> {
    natbus::connect_with(runtime(), options).await
}
