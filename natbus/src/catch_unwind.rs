//! Running user code (bus, service and subscription handlers) so that a panic in it
//! becomes an error instead of ending the loop that called it; and naming a caught panic
//! (the connection driver's guard reports it as the reason the client closed).

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

/// The message a panic was raised with (`panic!("...")` carries a `&str` or a `String`).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
