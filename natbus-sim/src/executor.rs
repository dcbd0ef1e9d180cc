//! The seeded single-threaded executor: every task of the run (the client's connection
//! drivers, the application's tasks, the server model's connections, the fault injector)
//! lives here, and the next task to poll is drawn at random from those that are ready.
//!
//! Which ready task runs first is exactly the freedom a real multi-thread runtime has, so
//! drawing it from the seed explores interleavings that a real runtime would only hit by
//! chance, and replays them exactly. The ready set is ordered by task id, so the order in
//! which wakers fire (a hash map's iteration order, say) cannot leak into the schedule.

use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use natbus::BoxFuture;

use crate::rng::Rng;

/// Ids of the tasks that were woken and not polled since.
type ReadySet = Arc<Mutex<BTreeSet<usize>>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking task is caught and reported by `step`; the executor's own state is
    // changed only in single statements, so a poisoned lock is still consistent.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Default)]
pub(crate) struct Executor {
    /// Futures by task id; `None` while a task is being polled and once it finished.
    tasks: Mutex<Vec<Option<BoxFuture<()>>>>,
    wakers: Mutex<Vec<Waker>>,
    ready: ReadySet,
    /// Panics caught while polling tasks, with the task's id.
    panics: Mutex<Vec<String>>,
}

struct TaskWaker {
    id: usize,
    ready: ReadySet,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        lock(&self.ready).insert(self.id);
    }
}

/// What one step did.
pub(crate) enum Step {
    /// Polled the task with this id.
    Polled(usize),
    /// No task was ready.
    Idle,
}

impl Executor {
    pub(crate) fn spawn(&self, future: BoxFuture<()>) {
        let id = {
            let mut tasks = lock(&self.tasks);
            tasks.push(Some(future));
            tasks.len() - 1
        };
        let waker = Waker::from(Arc::new(TaskWaker {
            id,
            ready: self.ready.clone(),
        }));
        lock(&self.wakers).push(waker);
        lock(&self.ready).insert(id);
    }

    /// Polls one ready task, chosen by `rng`.
    pub(crate) fn step(&self, rng: &Mutex<Rng>) -> Step {
        let id = {
            let mut ready = lock(&self.ready);
            if ready.is_empty() {
                return Step::Idle;
            }
            let n = lock(rng).below(ready.len() as u64) as usize;
            let Some(&id) = ready.iter().nth(n) else {
                return Step::Idle;
            };
            ready.remove(&id);
            id
        };
        let Some(mut future) = lock(&self.tasks).get_mut(id).and_then(Option::take) else {
            return Step::Polled(id);
        };
        let Some(waker) = lock(&self.wakers).get(id).cloned() else {
            return Step::Polled(id);
        };
        let mut cx = Context::from_waker(&waker);
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx))) {
            Ok(Poll::Pending) => {
                if let Some(slot) = lock(&self.tasks).get_mut(id) {
                    *slot = Some(future);
                }
            }
            Ok(Poll::Ready(())) => drop(future),
            Err(panic) => {
                let message = panic_message(panic.as_ref());
                lock(&self.panics).push(format!("task {id} panicked: {message}"));
                drop(future);
            }
        }
        Step::Polled(id)
    }

    pub(crate) fn panics(&self) -> Vec<String> {
        lock(&self.panics).clone()
    }

    /// Takes every unfinished task out, to be dropped by the caller outside any lock
    /// (dropping a task runs its destructors, which may wake or spawn).
    pub(crate) fn take_all(&self) -> Vec<BoxFuture<()>> {
        lock(&self.ready).clear();
        lock(&self.wakers).clear();
        lock(&self.tasks).drain(..).flatten().collect()
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}
