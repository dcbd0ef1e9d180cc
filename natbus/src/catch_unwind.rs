//! Running user code (bus and service handlers) so that a panic in it becomes an error
//! instead of ending the loop that called it.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::BoxFuture;

/// Calls `start` and awaits the future it returns; `None` when either panicked.
///
/// Both steps are guarded: a handler function may panic before it returns its future.
pub(crate) async fn catch_panics<T>(start: impl FnOnce() -> BoxFuture<T>) -> Option<T> {
    let future = std::panic::catch_unwind(AssertUnwindSafe(start)).ok()?;
    CatchUnwind(future).await
}

/// Polls a future, turning a panic into `None`.
struct CatchUnwind<T>(BoxFuture<T>);

impl<T> Future for CatchUnwind<T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        // After a panic this returns Ready and the future is never polled again, so its
        // possibly broken state cannot be observed: asserting unwind safety is sound.
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Some(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(None),
        }
    }
}
