//! Spawning a task and awaiting its result: the executor's tasks return `()`, so the
//! result travels through a shared slot.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::runtime::Sim;

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

/// The result of a spawned task, as a future.
pub(crate) struct Join<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

impl Sim {
    /// Runs `future` as a task of its own and returns a handle to await its output.
    pub(crate) fn spawn_join<T: Send + 'static>(
        &self,
        future: impl Future<Output = T> + Send + 'static,
    ) -> Join<T> {
        let slot = Arc::new(Mutex::new(Slot {
            value: None,
            waker: None,
        }));
        let filled = slot.clone();
        self.spawn(async move {
            let value = future.await;
            let waker = {
                let mut s = filled.lock().unwrap_or_else(PoisonError::into_inner);
                s.value = Some(value);
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        });
        Join { slot }
    }
}

impl<T> Future for Join<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
