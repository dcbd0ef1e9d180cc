//! The connection plumbing between the handles and the socket.
//!
//! Handles ([`Client`](crate::Client), [`Subscriber`](crate::Subscriber), the JetStream
//! consumers) never touch the socket: they queue commands on the shared protocol state
//! machine ([`shared`]) and wait on small channels ([`oneshot`], [`mailbox`]) that the one
//! task owning the socket ([`driver`], spawned guarded against panics by [`driver_task`])
//! completes. [`direct`] is the one exception, a write
//! from the caller's task while the wire is idle; [`select`] lets any of these waits carry a
//! timeout without a runtime's macros; [`signal`] is a one-shot flag that any number of
//! tasks can wait for (a handler loop's stop request and its end).

pub(crate) mod direct;
pub(crate) mod driver;
pub(crate) mod driver_task;
pub(crate) mod mailbox;
pub(crate) mod oneshot;
pub(crate) mod select;
pub(crate) mod shared;
pub(crate) mod signal;
