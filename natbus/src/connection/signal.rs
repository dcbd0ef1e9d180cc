//! `Signal`: fires once; every waiter, earlier or later, then completes. Handler loops
//! (the bus's subscriptions and `Client::subscribe_with`) use one to be asked to stop and
//! one to say they have ended, without depending on a runtime's channels.

use std::future::poll_fn;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};

#[derive(Debug, Default)]
struct State {
    fired: bool,
    /// One waker per waiting task (deduplicated), so memory stays bounded however often
    /// a task polls.
    waiters: Vec<Waker>,
}

/// A one-shot broadcast flag.
#[derive(Debug, Default)]
pub(crate) struct Signal {
    state: Mutex<State>,
}

impl Signal {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A flag and a waker list: consistent even if a holder panicked.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Fires (again is harmless) and wakes every waiter.
    pub(crate) fn fire(&self) {
        let waiters = {
            let mut s = self.lock();
            s.fired = true;
            std::mem::take(&mut s.waiters)
        };
        for w in waiters {
            w.wake();
        }
    }

    /// True once fired.
    pub(crate) fn is_fired(&self) -> bool {
        self.lock().fired
    }

    /// Completes once fired.
    pub(crate) async fn wait(&self) {
        poll_fn(|cx| {
            let mut s = self.lock();
            if s.fired {
                return Poll::Ready(());
            }
            if !s.waiters.iter().any(|w| w.will_wake(cx.waker())) {
                s.waiters.push(cx.waker().clone());
            }
            Poll::Pending
        })
        .await;
    }
}
