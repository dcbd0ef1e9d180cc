//! What every task of one service instance shares, and its lifecycle bookkeeping.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use natbus_proto::service::{ServiceConfig, ServiceStats};
use tracing::Instrument;

use super::error::StartError;
use super::sync::{Latch, Semaphore};
use crate::client::Client;

/// Lifecycle bookkeeping: which subscriptions the service owns and how many reader tasks
/// still run. When the last reader ends (after `stop`, or when the connection closes) and
/// the last handler returns, the service is stopped.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) readers: usize,
    pub(crate) sids: Vec<u64>,
    /// `stop` was called, or every reader ended: no endpoint may be added.
    pub(crate) closing: bool,
}

/// What every task of one service instance shares.
pub(crate) struct Shared {
    pub(crate) client: Client,
    pub(crate) config: ServiceConfig,
    pub(crate) id: String,
    pub(crate) stats: Mutex<ServiceStats>,
    pub(crate) workers: Arc<Semaphore>,
    pub(crate) span: tracing::Span,
    pub(crate) state: Mutex<State>,
    pub(crate) stopped: Latch,
    pub(crate) stop_timeout: Duration,
}

impl Shared {
    pub(crate) fn stats(&self) -> MutexGuard<'_, ServiceStats> {
        // Stats updates are single calls into ServiceStats that cannot be left half done.
        self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        // Counter and list updates only: consistent even after a panic elsewhere.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Called by each reader task as it ends; the last one waits for running handlers and
    /// marks the service stopped.
    pub(crate) async fn reader_done(&self) {
        let last = {
            let mut state = self.state();
            state.readers = state.readers.saturating_sub(1);
            if state.readers == 0 {
                state.closing = true;
            }
            state.readers == 0
        };
        if last {
            self.workers.idle().await;
            self.stopped.fire();
            tracing::info!(parent: &self.span, "service stopped");
        }
    }

    /// Registers a new reader on subscription `sid`, unless the service is closing.
    pub(crate) fn add_reader(&self, sid: u64) -> Result<(), StartError> {
        let mut state = self.state();
        if state.closing {
            return Err(StartError::Stopped);
        }
        state.readers += 1;
        state.sids.push(sid);
        Ok(())
    }

    pub(crate) fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        let future = future.instrument(self.span.clone());
        self.client.runtime().spawn(Box::pin(future));
    }
}
