//! Blocking the calling thread on one of natbus's futures: the only thing this crate does.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use natbus::proto::time::{Instant, deadline};
use smol::stream::{Stream, StreamExt};
use smol::{Executor, Timer};

thread_local! {
    /// On a connection's background thread: that connection's executor (see
    /// [`background`](crate::background)). Empty on every other thread.
    static BACKGROUND: RefCell<Option<Arc<Executor<'static>>>> = const { RefCell::new(None) };
}

/// Marks the current thread as the background thread running `executor`.
pub(crate) fn mark_background(executor: Arc<Executor<'static>>) {
    BACKGROUND.with(|b| *b.borrow_mut() = Some(executor));
}

/// Runs `future` to completion on the calling thread and returns its output.
///
/// This is what every blocking call of this crate does with natbus's async API. It is
/// public for what this crate does not wrap (object stores, services, the bus):
///
/// ```no_run
/// # #[cfg(feature = "object-store")]
/// # fn demo(client: natbus_blocking::Client) -> Result<(), natbus_blocking::natbus::jetstream::JetStreamError> {
/// let js = client.as_async().jetstream();
/// let store = natbus_blocking::block_on(js.object_store("files"))?;
/// let bytes = natbus_blocking::block_on(async { store.get("report.pdf").await?.bytes().await })?;
/// # let _ = bytes; Ok(()) }
/// ```
///
/// Timers and sockets come from `async-io`, which needs no setup: a thread blocked here
/// drives them itself when no other thread does. Only natbus's futures, or futures that
/// need no runtime, belong here; a future that needs tokio's timers or sockets panics
/// outside a tokio runtime.
///
/// Called on a connection's own background thread (from an async handler that natbus runs
/// there, such as a service endpoint reached through [`Client::as_async`]), it keeps
/// running that connection's tasks while it waits, so the connection's driver, which the
/// future may wait for, is never starved.
///
/// [`Client::as_async`]: crate::Client::as_async
pub fn block_on<F: Future>(future: F) -> F::Output {
    match BACKGROUND.with(|b| b.borrow().clone()) {
        Some(executor) => smol::block_on(executor.run(future)),
        None => smol::block_on(future),
    }
}

/// [`block_on`], giving up after `timeout` (`Duration::MAX`: never). The future is dropped
/// when the time is up, which cancels what it was doing.
pub(crate) fn block_on_timeout<F: Future>(
    future: F,
    timeout: Duration,
) -> Result<F::Output, TimedOut> {
    let deadline = deadline(Instant::now(), timeout);
    // `or` polls the future first: a ready result wins over a zero timeout.
    block_on(smol::future::or(async { Ok(future.await) }, async {
        Timer::at(deadline).await;
        Err(TimedOut { timeout })
    }))
}

/// The next item of `stream`, waiting at most `timeout`.
pub(crate) fn next_timeout<S: Stream + Unpin>(
    stream: &mut S,
    timeout: Duration,
) -> Result<Option<S::Item>, TimedOut> {
    block_on_timeout(stream.next(), timeout)
}

/// The next item of `stream`, waiting as long as it takes.
pub(crate) fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    block_on(stream.next())
}

/// A `next_timeout` (on a [`Subscriber`](crate::Subscriber) or another blocking iterator)
/// found nothing within its timeout. The iterator is unchanged: call again to keep waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("nothing arrived within {timeout:?}")]
pub struct TimedOut {
    timeout: Duration,
}

impl TimedOut {
    /// The timeout that passed.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_future_beats_a_zero_timeout() {
        assert_eq!(block_on_timeout(async { 7 }, Duration::ZERO), Ok(7));
    }

    #[test]
    fn a_pending_future_times_out_and_reports_its_timeout() {
        let timeout = Duration::from_millis(10);
        let err = block_on_timeout(std::future::pending::<()>(), timeout)
            .expect_err("a future that never completes");
        assert_eq!(err.timeout(), timeout);
        assert_eq!(err.to_string(), "nothing arrived within 10ms");
    }

    #[test]
    fn an_endless_timeout_does_not_panic() {
        assert_eq!(block_on_timeout(async { 1 }, Duration::MAX), Ok(1));
    }

    #[test]
    fn next_timeout_tells_an_ended_stream_from_a_quiet_one() {
        let mut ended = smol::stream::empty::<u8>();
        assert_eq!(next_timeout(&mut ended, Duration::ZERO), Ok(None));
        let mut quiet = smol::stream::pending::<u8>();
        assert!(next_timeout(&mut quiet, Duration::ZERO).is_err());
        let mut one = smol::stream::once(5u8);
        assert_eq!(next(&mut one), Some(5));
        assert_eq!(next(&mut one), None);
    }
}
