//! Why the browser's values may sit inside natbus's `Send` futures and sockets.
//!
//! natbus's [`BoxFuture`](natbus::BoxFuture) and [`Socket`](natbus::Socket) are `Send`, so
//! that one client type serves multi-threaded runtimes. The browser's objects (the
//! `WebSocket`, timers, JS callbacks) are not: they belong to the JS thread that made them.
//! On `wasm32-unknown-unknown` there is one thread (without the unstable `atomics` target
//! feature, which this crate does not support), so a value can never really move to
//! another. [`SendWrapper`] states that fact to the compiler and checks it at run time:
//! using or dropping the value on another thread would panic, never be undefined
//! behaviour, and no `unsafe` is written here.
//!
//! The alternative, futures that are `Send` only on native targets, would put
//! target-dependent bounds all through natbus's public API (service and bus handlers,
//! spawned tasks) for the sake of one adapter; the wrapper keeps the concern here.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use send_wrapper::SendWrapper;

/// A future of browser values, usable where natbus asks for a `Send` one.
pub(crate) struct Local<F>(SendWrapper<Pin<Box<F>>>);

impl<F: Future> Local<F> {
    /// Wraps `future`; it must be polled and dropped on this (the only) thread.
    pub(crate) fn new(future: F) -> Self {
        Local(SendWrapper::new(Box::pin(future)))
    }
}

impl<F: Future> Future for Local<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.0.as_mut().poll(cx)
    }
}
