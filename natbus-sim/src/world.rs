//! Everything one simulated run shares: the clock, the generator, the executor and the
//! network. Nothing here is global, so runs on different threads never meet.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use natbus::BoxFuture;

use crate::clock::Clock;
use crate::executor::Executor;
use crate::net::Network;
use crate::rng::Rng;

pub(crate) struct World {
    pub(crate) clock: Clock,
    rng: Mutex<Rng>,
    pub(crate) executor: Executor,
    net: Mutex<Network>,
    /// The latest notes of what happened, for reading a failed run.
    trace: Mutex<VecDeque<String>>,
}

/// Notes kept for the trace of a failed run.
const TRACE_LINES: usize = 3000;

impl World {
    pub(crate) fn new(seed: u64) -> Arc<World> {
        let mut rng = Rng::new(seed);
        let net = Network::new(&mut rng);
        Arc::new(World {
            clock: Clock::new(),
            rng: Mutex::new(rng),
            executor: Executor::default(),
            net: Mutex::new(net),
            trace: Mutex::default(),
        })
    }

    /// The run's generator. Hold it only for a draw or two: it is the innermost lock.
    pub(crate) fn rng(&self) -> MutexGuard<'_, Rng> {
        self.rng.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn rng_mutex(&self) -> &Mutex<Rng> {
        &self.rng
    }

    pub(crate) fn net(&self) -> MutexGuard<'_, Network> {
        self.net.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes what just happened, stamped with the virtual time, for the trace of a failed
    /// run.
    pub(crate) fn note(&self, what: impl std::fmt::Display) {
        let line = format!("[{:.6}s] {what}", self.clock.elapsed().as_secs_f64());
        let mut trace = self.trace.lock().unwrap_or_else(PoisonError::into_inner);
        if trace.len() == TRACE_LINES {
            trace.pop_front();
        }
        trace.push_back(line);
    }

    pub(crate) fn trace(&self) -> Vec<String> {
        let trace = self.trace.lock().unwrap_or_else(PoisonError::into_inner);
        trace.iter().cloned().collect()
    }

    pub(crate) fn spawn(&self, future: BoxFuture<()>) {
        self.executor.spawn(future);
    }

    /// Breaks the reference cycles of a finished run (tasks hold the world, the world holds
    /// tasks and servers) so that its memory is freed.
    pub(crate) fn shut_down(&self) {
        loop {
            let tasks = self.executor.take_all();
            if tasks.is_empty() {
                break;
            }
            drop(tasks);
        }
        let servers = self.net().take_servers();
        for server in &servers {
            server.shut_down();
        }
        drop(servers);
        drop(self.clock.clear());
        // Tasks dropped above may have spawned or armed timers on their way out.
        drop(self.executor.take_all());
        drop(self.clock.clear());
    }
}
