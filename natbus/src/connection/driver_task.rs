//! The task a connection runs as: its [`Driver`], guarded against panics.
//!
//! Why: everything a handle waits for (the first connect, replies, flushes, subscriber
//! and event streams, `close`) is completed by the driver. A driver that panics (a bug in
//! natbus or natbus-proto, or in a runtime's socket or timer) would be dropped by the
//! runtime, or take an executor thread down, and leave every one of those waits hanging
//! for good. So each poll runs under `catch_unwind`; on a panic the driver (and its
//! socket) is dropped and the client closes with [`CloseReason::Internal`] naming the
//! panic's message: every pending wait ends, event streams get a `Closed` event with that
//! reason, and later calls fail as on any closed client.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use natbus_proto::connection::CloseReason;

use crate::catch_unwind::panic_message;
use crate::connection::driver::Driver;
use crate::connection::shared::Shared;

/// The future spawned per connection.
pub(crate) struct DriverTask {
    /// `None` once the driver finished or panicked.
    driver: Option<Driver>,
    shared: Arc<Shared>,
}

impl DriverTask {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        DriverTask {
            driver: Some(Driver::new(shared.clone())),
            shared,
        }
    }

    /// Ends the connection after the driver panicked with `payload`.
    fn panicked(&mut self, payload: &(dyn std::any::Any + Send)) {
        let reason = format!("the connection driver panicked: {}", panic_message(payload));
        tracing::error!(%reason, "closing the client");
        // Dropping it closes the socket; its drop touches the shared state, which the
        // panic may have left half-updated, so it is guarded too.
        let driver = self.driver.take();
        if catch_unwind(AssertUnwindSafe(|| drop(driver))).is_err() {
            tracing::error!("dropping the panicked connection driver panicked too");
        }
        let now = self.shared.runtime.now();
        self.shared
            .lock()
            .close_after_panic(now, CloseReason::Internal(reason));
    }
}

impl Future for DriverTask {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let Some(driver) = this.driver.as_mut() else {
            return Poll::Ready(());
        };
        // After a panic the driver is dropped unpolled, so its possibly broken state is
        // never used again: asserting unwind safety is sound.
        match catch_unwind(AssertUnwindSafe(|| Pin::new(driver).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(())) => {
                this.driver = None;
                Poll::Ready(())
            }
            Err(payload) => {
                this.panicked(payload.as_ref());
                Poll::Ready(())
            }
        }
    }
}
