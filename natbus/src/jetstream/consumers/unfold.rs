//! Turns an owned state plus an async "next item" step into a [`futures_core::Stream`].
//!
//! The [consumer wait loop](super::wait_loop) is written as a plain
//! `async fn step(state) -> (state, item)`; the step future owns the state while it runs
//! and hands it back with the item, so the stream survives being polled across many
//! wakeups without self-references.
//!
//! A step is a boxed future, and a consumer's step creates a timer: fine for waiting, too
//! dear per message when messages are already buffered. So a stream may also have a
//! synchronous `ready` hook, tried before a step starts, that hands out a buffered
//! message without either; it declines (returns `None`) whenever the step has anything
//! else to do first.

use std::task::{Context, Poll};

use crate::BoxFuture;

/// One step: the state back, and the next item (`None` ends the stream).
pub(crate) type Step<S, T> = BoxFuture<(S, Option<T>)>;

/// A stream driven by `step`.
pub(crate) struct Unfold<S, T> {
    state: Option<S>,
    running: Option<Step<S, T>>,
    step: fn(S) -> Step<S, T>,
    ready: fn(&mut S) -> Option<T>,
}

impl<S, T> Unfold<S, T> {
    pub(crate) fn new(state: S, step: fn(S) -> Step<S, T>) -> Self {
        Self {
            state: Some(state),
            running: None,
            step,
            ready: |_| None,
        }
    }

    /// Adds the synchronous fast path (see the module docs). Its items never end the
    /// stream.
    pub(crate) fn with_ready(mut self, ready: fn(&mut S) -> Option<T>) -> Self {
        self.ready = ready;
        self
    }

    /// The state, while no step is running.
    pub(crate) fn state(&self) -> Option<&S> {
        self.state.as_ref()
    }

    pub(crate) fn poll_step(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if self.running.is_none() {
            let Some(mut state) = self.state.take() else {
                return Poll::Ready(None);
            };
            if let Some(item) = (self.ready)(&mut state) {
                self.state = Some(state);
                return Poll::Ready(Some(item));
            }
            self.running = Some((self.step)(state));
        }
        let Some(fut) = self.running.as_mut() else {
            return Poll::Ready(None);
        };
        match fut.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready((state, item)) => {
                self.running = None;
                if item.is_some() {
                    self.state = Some(state);
                }
                Poll::Ready(item)
            }
        }
    }
}

impl<S, T> std::fmt::Debug for Unfold<S, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unfold")
            .field("running", &self.running.is_some())
            .finish()
    }
}
