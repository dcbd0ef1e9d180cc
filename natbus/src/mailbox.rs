//! A bounded queue from the driver to one consumer task, bounded by items and by bytes.
//!
//! The driver never waits on a consumer: when a mailbox is full the item is refused (and
//! the caller counts it as dropped), so one slow subscriber can neither stall the
//! connection nor grow memory without bound.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

#[derive(Debug)]
struct State<T> {
    items: VecDeque<(T, usize)>,
    bytes: usize,
    closed: bool,
    /// Why the producer closed it, when that was an error.
    error: Option<String>,
    waker: Option<Waker>,
}

/// A bounded single-consumer queue.
#[derive(Debug)]
pub(crate) struct Mailbox<T> {
    state: Mutex<State<T>>,
    max_items: usize,
    max_bytes: usize,
}

impl<T> Mailbox<T> {
    pub(crate) fn new(max_items: usize, max_bytes: usize) -> Self {
        Mailbox {
            state: Mutex::new(State {
                items: VecDeque::new(),
                bytes: 0,
                closed: false,
                error: None,
                waker: None,
            }),
            max_items: max_items.max(1),
            max_bytes: max_bytes.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A panic while holding this lock cannot leave the queue inconsistent (every
        // mutation is a single push or pop), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `item` of `size` bytes; gives it back when the mailbox is full or closed.
    pub(crate) fn push(&self, item: T, size: usize) -> Result<(), T> {
        let waker = {
            let mut s = self.lock();
            let over_bytes = !s.items.is_empty() && s.bytes + size > self.max_bytes;
            if s.closed || s.items.len() >= self.max_items || over_bytes {
                return Err(item);
            }
            s.items.push_back((item, size));
            s.bytes += size;
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// No more items will be pushed; the consumer gets what is queued, then the end.
    pub(crate) fn close(&self) {
        let waker = {
            let mut s = self.lock();
            s.closed = true;
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Closes the mailbox because of `error`, which the consumer can read with
    /// [`error`](Self::error).
    pub(crate) fn close_with_error(&self, error: String) {
        self.lock().error = Some(error);
        self.close();
    }

    /// The error the mailbox was closed with, if any.
    pub(crate) fn error(&self) -> Option<String> {
        self.lock().error.clone()
    }

    /// True once closed (items may still be queued).
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Items queued now.
    pub(crate) fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// The next item, `None` once closed and empty, or pending.
    pub(crate) fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut s = self.lock();
        if let Some((item, size)) = s.items.pop_front() {
            s.bytes -= size;
            return Poll::Ready(Some(item));
        }
        if s.closed {
            return Poll::Ready(None);
        }
        s.waker = Some(cx.waker().clone());
        Poll::Pending
    }

    /// The next item if one is queued, without waiting.
    pub(crate) fn try_pop(&self) -> Option<T> {
        let mut s = self.lock();
        let (item, size) = s.items.pop_front()?;
        s.bytes -= size;
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_by_items_and_bytes() {
        let m = Mailbox::new(2, 10);
        assert!(m.push(1, 4).is_ok());
        assert!(m.push(2, 7).is_err(), "4 + 7 bytes is over 10");
        assert!(m.push(3, 6).is_ok());
        assert!(m.push(4, 0).is_err(), "two items is the limit");
        assert_eq!(m.try_pop(), Some(1));
        assert!(m.push(5, 4).is_ok());
        m.close();
        assert!(m.push(6, 0).is_err());
        assert_eq!(
            (m.try_pop(), m.try_pop(), m.try_pop()),
            (Some(3), Some(5), None)
        );
    }

    #[test]
    fn an_oversized_item_still_fits_an_empty_mailbox() {
        let m = Mailbox::new(10, 10);
        assert!(
            m.push("big", 100).is_ok(),
            "otherwise a large message could never be received"
        );
    }
}
