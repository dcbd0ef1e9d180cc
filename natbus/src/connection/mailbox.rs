//! A bounded queue from the driver to one consumer task, bounded by items and by bytes.
//!
//! The driver never waits on a consumer: when a mailbox is full the item is refused (and
//! the caller counts it as dropped), so one slow subscriber can neither stall the
//! connection nor grow memory without bound.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// The consumer's side: a batch taken from the shared queue in one swap, handed out
/// without touching the lock the producer uses.
#[derive(Debug)]
struct Batch<T> {
    items: VecDeque<(T, usize)>,
}

/// A bounded single-consumer queue.
///
/// The consumer takes everything queued in one swap (one lock of the shared queue per
/// batch instead of per item). Items in its batch still count against the limits, through
/// two atomics the consumer decrements as it hands items out, so the bound covers both
/// queues (a producer may see a just-freed slot a moment late, never the reverse).
#[derive(Debug)]
pub(crate) struct Mailbox<T> {
    state: Mutex<State<T>>,
    /// Only the consumer locks this, so it is never contended.
    batch: Mutex<Batch<T>>,
    /// Items and bytes in the consumer's batch; raised under the state lock, lowered by pops.
    held_items: AtomicUsize,
    held_bytes: AtomicUsize,
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
            batch: Mutex::new(Batch {
                items: VecDeque::new(),
            }),
            held_items: AtomicUsize::new(0),
            held_bytes: AtomicUsize::new(0),
            max_items: max_items.max(1),
            max_bytes: max_bytes.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A panic while holding this lock cannot leave the queue inconsistent (every
        // mutation is a single push or swap), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_batch(&self) -> MutexGuard<'_, Batch<T>> {
        self.batch.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `item` of `size` bytes; gives it back when the mailbox is full or closed.
    pub(crate) fn push(&self, item: T, size: usize) -> Result<(), T> {
        let waker = {
            let mut s = self.lock();
            let items = s.items.len() + self.held_items.load(Ordering::Acquire);
            let bytes = s.bytes + self.held_bytes.load(Ordering::Acquire);
            let over_bytes = items > 0 && bytes + size > self.max_bytes;
            if s.closed || items >= self.max_items || over_bytes {
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

    /// Opens a batch of pushes under one lock, with at most one wake-up when it is dropped
    /// (the driver delivers a whole read's messages for a subscriber at once). Each item is
    /// still checked against the limits on its own, exactly as [`push`](Self::push) does.
    pub(crate) fn batch(&self) -> PushBatch<'_, T> {
        let state = self.lock();
        PushBatch {
            // Loaded once: the consumer only lowers these, so a stale value is conservative.
            held_items: self.held_items.load(Ordering::Acquire),
            held_bytes: self.held_bytes.load(Ordering::Acquire),
            mailbox: self,
            state: Some(state),
            pushed: false,
        }
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
        let s = self.lock();
        s.items.len() + self.held_items.load(Ordering::Acquire)
    }

    /// The next item, `None` once closed and empty, or pending.
    pub(crate) fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut batch = self.lock_batch();
        if let Some(item) = self.pop(&mut batch) {
            return Poll::Ready(Some(item));
        }
        let mut s = self.lock();
        if s.closed {
            return Poll::Ready(None);
        }
        s.waker = Some(cx.waker().clone());
        Poll::Pending
    }

    /// The next item if one is queued, without waiting.
    pub(crate) fn try_pop(&self) -> Option<T> {
        let mut batch = self.lock_batch();
        self.pop(&mut batch)
    }

    /// Hands out the batch's next item, refilling the batch from the shared queue first
    /// when it is empty.
    fn pop(&self, batch: &mut Batch<T>) -> Option<T> {
        if batch.items.is_empty() {
            let mut s = self.lock();
            if s.items.is_empty() {
                return None;
            }
            std::mem::swap(&mut s.items, &mut batch.items);
            self.held_items
                .fetch_add(batch.items.len(), Ordering::AcqRel);
            self.held_bytes
                .fetch_add(std::mem::take(&mut s.bytes), Ordering::AcqRel);
        }
        let (item, size) = batch.items.pop_front()?;
        self.held_items.fetch_sub(1, Ordering::AcqRel);
        self.held_bytes.fetch_sub(size, Ordering::AcqRel);
        Some(item)
    }
}

/// Pushes into a [`Mailbox`] under one lock; wakes the consumer when dropped, if
/// anything was queued.
pub(crate) struct PushBatch<'a, T> {
    mailbox: &'a Mailbox<T>,
    state: Option<MutexGuard<'a, State<T>>>,
    held_items: usize,
    held_bytes: usize,
    pushed: bool,
}

impl<T> PushBatch<'_, T> {
    /// Queues `item` of `size` bytes; false (and the item dropped) when it does not fit.
    pub(crate) fn push(&mut self, item: T, size: usize) -> bool {
        let Some(s) = self.state.as_mut() else {
            return false;
        };
        let items = s.items.len() + self.held_items;
        let bytes = s.bytes + self.held_bytes;
        let over_bytes = items > 0 && bytes + size > self.mailbox.max_bytes;
        if s.closed || items >= self.mailbox.max_items || over_bytes {
            return false;
        }
        s.items.push_back((item, size));
        s.bytes += size;
        self.pushed = true;
        true
    }
}

impl<T> Drop for PushBatch<'_, T> {
    fn drop(&mut self) {
        let waker = match self.state.take() {
            Some(mut s) if self.pushed => s.waker.take(),
            _ => None,
        };
        // The lock is released above, before waking.
        if let Some(w) = waker {
            w.wake();
        }
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
    fn items_in_the_consumers_batch_still_count() {
        let m = Mailbox::new(3, 100);
        for i in 0..3 {
            assert!(m.push(i, 1).is_ok());
        }
        assert_eq!(m.try_pop(), Some(0), "the batch now holds 1 and 2");
        assert_eq!(m.len(), 2);
        assert!(m.push(3, 1).is_ok(), "one slot was freed by the pop");
        assert!(m.push(4, 1).is_err(), "1, 2 (batch) and 3 (queue) fill it");
        assert_eq!(
            (m.try_pop(), m.try_pop(), m.try_pop()),
            (Some(1), Some(2), Some(3))
        );
        assert_eq!(m.len(), 0);
        assert!(m.push(5, 100).is_ok(), "all bytes were released");
    }

    #[test]
    fn a_batch_is_checked_item_by_item_like_single_pushes() {
        let batched = Mailbox::new(3, 10);
        let single = Mailbox::new(3, 10);
        let items = [(1, 4), (2, 7), (3, 5), (4, 0), (5, 0)];
        let verdicts: Vec<bool> = {
            let mut batch = batched.batch();
            items.iter().map(|&(i, size)| batch.push(i, size)).collect()
        };
        let expected: Vec<bool> = items
            .into_iter()
            .map(|(i, size)| single.push(i, size).is_ok())
            .collect();
        assert_eq!(verdicts, expected);
        assert_eq!(verdicts, [true, false, true, true, false]);
        let drain = |m: &Mailbox<i32>| std::iter::from_fn(|| m.try_pop()).collect::<Vec<_>>();
        assert_eq!(drain(&batched), vec![1, 3, 4]);
        assert_eq!(drain(&single), vec![1, 3, 4]);
    }

    #[test]
    fn a_batch_wakes_the_waiting_consumer_once_it_has_items() {
        let m = Mailbox::new(10, 100);
        let woken = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let waker = counting_waker(woken.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(m.poll_pop(&mut cx).is_pending());
        drop(m.batch());
        assert_eq!(
            woken.load(Ordering::SeqCst),
            0,
            "nothing queued, nothing to wake"
        );
        {
            let mut batch = m.batch();
            assert!(batch.push(1, 1) && batch.push(2, 1));
            assert_eq!(
                woken.load(Ordering::SeqCst),
                0,
                "not while the lock is held"
            );
        }
        assert_eq!(woken.load(Ordering::SeqCst), 1, "once for the whole batch");
        assert_eq!(m.poll_pop(&mut cx), Poll::Ready(Some(1)));
    }

    fn counting_waker(count: std::sync::Arc<std::sync::atomic::AtomicUsize>) -> Waker {
        struct Count(std::sync::Arc<std::sync::atomic::AtomicUsize>);
        impl std::task::Wake for Count {
            fn wake(self: std::sync::Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        Waker::from(std::sync::Arc::new(Count(count)))
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
