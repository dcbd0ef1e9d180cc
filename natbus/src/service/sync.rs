//! The two small synchronisation tools a service needs, written here so that the service
//! stays runtime-agnostic: a semaphore bounding running handlers (the seed's `workers`) and
//! a latch that fires once when the service has stopped.
//!
//! Both wake every waiter on a change. The waiters are few (one reader per endpoint, plus
//! whoever awaits `stop`/`stopped`), so waking all is cheap and avoids the lost-wakeup bugs
//! of handing a permit to a future that was cancelled. Wakers are deduplicated, so a future
//! polled many times registers once and memory stays bounded.

use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

#[derive(Debug, Default)]
struct Waiters(Vec<Waker>);

impl Waiters {
    fn register(&mut self, cx: &Context<'_>) {
        if !self.0.iter().any(|w| w.will_wake(cx.waker())) {
            self.0.push(cx.waker().clone());
        }
    }

    fn take(&mut self) -> Vec<Waker> {
        std::mem::take(&mut self.0)
    }
}

fn wake_all(wakers: Vec<Waker>) {
    for w in wakers {
        w.wake();
    }
}

#[derive(Debug)]
struct SemState {
    available: usize,
    waiters: Waiters,
}

/// Bounds how many handlers run at once.
#[derive(Debug)]
pub(crate) struct Semaphore {
    state: Mutex<SemState>,
    total: usize,
}

/// One running handler's slot; dropping it frees the slot (also on panic or cancel).
#[derive(Debug)]
pub(crate) struct Permit {
    semaphore: Arc<Semaphore>,
}

impl Semaphore {
    /// A semaphore with `total` permits (at least one).
    pub(crate) fn new(total: usize) -> Arc<Self> {
        let total = total.max(1);
        Arc::new(Semaphore {
            state: Mutex::new(SemState {
                available: total,
                waiters: Waiters::default(),
            }),
            total,
        })
    }

    fn lock(&self) -> MutexGuard<'_, SemState> {
        // Each critical section is a counter update and a waker push, which cannot be
        // left half done, so a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a free slot.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Permit {
        poll_fn(|cx| {
            let mut s = self.lock();
            if s.available > 0 {
                s.available -= 1;
                return Poll::Ready(());
            }
            s.waiters.register(cx);
            Poll::Pending
        })
        .await;
        Permit {
            semaphore: self.clone(),
        }
    }

    /// Waits until no handler runs.
    pub(crate) async fn idle(&self) {
        poll_fn(|cx| {
            let mut s = self.lock();
            if s.available == self.total {
                return Poll::Ready(());
            }
            s.waiters.register(cx);
            Poll::Pending
        })
        .await;
    }

    /// Handlers running now.
    pub(crate) fn in_use(&self) -> usize {
        self.total - self.lock().available
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let wakers = {
            let mut s = self.semaphore.lock();
            s.available += 1;
            s.waiters.take()
        };
        wake_all(wakers);
    }
}

#[derive(Debug, Default)]
struct LatchState {
    fired: bool,
    waiters: Waiters,
}

/// Fires once; every waiter, earlier or later, then completes.
#[derive(Debug, Default)]
pub(crate) struct Latch {
    state: Mutex<LatchState>,
}

impl Latch {
    fn lock(&self) -> MutexGuard<'_, LatchState> {
        // A flag and a waker list: consistent even after a panic elsewhere.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Fires the latch (again is harmless).
    pub(crate) fn fire(&self) {
        let wakers = {
            let mut s = self.lock();
            s.fired = true;
            s.waiters.take()
        };
        wake_all(wakers);
    }

    /// True once fired.
    pub(crate) fn is_fired(&self) -> bool {
        self.lock().fired
    }

    /// Completes once fired.
    pub(crate) fn poll_wait(&self, cx: &Context<'_>) -> Poll<()> {
        let mut s = self.lock();
        if s.fired {
            return Poll::Ready(());
        }
        s.waiters.register(cx);
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Wake, Waker};

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    thread_local! {
        // One waker per test thread, so re-polls look like the same task.
        static WAKER: Waker = Waker::from(Arc::new(Noop));
    }

    fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        WAKER.with(|w| f.poll(&mut Context::from_waker(w)))
    }

    #[test]
    fn semaphore_bounds_and_releases() {
        let s = Semaphore::new(2);
        let a = pin!(s.acquire());
        let Poll::Ready(pa) = poll_once(a) else {
            panic!("first permit is free")
        };
        let b = pin!(s.acquire());
        let Poll::Ready(_pb) = poll_once(b) else {
            panic!("second permit is free")
        };
        assert_eq!(s.in_use(), 2);
        let mut c = pin!(s.acquire());
        assert!(poll_once(c.as_mut()).is_pending(), "third waits");
        assert!(poll_once(pin!(s.idle())).is_pending());
        drop(pa);
        let Poll::Ready(_pc) = poll_once(c.as_mut()) else {
            panic!("a released slot is taken")
        };
        assert_eq!(s.in_use(), 2);
        assert_eq!(s.lock().waiters.0.len(), 0, "release took the wakers");
    }

    #[test]
    fn idle_when_all_permits_return() {
        let s = Semaphore::new(1);
        let Poll::Ready(p) = poll_once(pin!(s.acquire())) else {
            panic!("free")
        };
        let mut idle = pin!(s.idle());
        assert!(poll_once(idle.as_mut()).is_pending());
        assert!(poll_once(idle.as_mut()).is_pending());
        assert_eq!(s.lock().waiters.0.len(), 1, "re-polls register once");
        drop(p);
        assert!(poll_once(idle).is_ready());
    }

    #[test]
    fn latch_fires_for_everyone() {
        let l = Latch::default();
        let waker = Waker::from(Arc::new(Noop));
        let cx = Context::from_waker(&waker);
        assert!(l.poll_wait(&cx).is_pending());
        assert!(!l.is_fired());
        l.fire();
        assert!(l.poll_wait(&cx).is_ready());
        assert!(l.is_fired());
    }
}
