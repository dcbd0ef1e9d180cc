//! Reading a core subscription until Ctrl-C without dropping what already arrived.
//!
//! Killing a subscriber at Ctrl-C loses the messages the server had already sent it (and,
//! for `reply`, leaves their requesters to time out). Draining instead tells the server to
//! stop, then handles everything it sent before that, then ends.

use std::time::Duration;

use natbus_tokio::{Message, Subscriber};

use super::interrupted;
use crate::error::CliResult;

/// Hands each message of `subscriber` to `handle` until `handle` returns `Ok(false)`, the
/// subscription ends, or Ctrl-C. Ctrl-C drains the subscription: what the server sent
/// before it heard of the end is still handled, for at most `drain_for`; a second Ctrl-C
/// ends at once. Returns whether Ctrl-C ended it.
pub async fn each_message(
    subscriber: &mut Subscriber,
    drain_for: Duration,
    mut handle: impl AsyncFnMut(Message) -> CliResult<bool>,
) -> CliResult<bool> {
    let mut interrupt = std::pin::pin!(interrupted());
    // Set once Ctrl-C started the drain: when it must end.
    let mut deadline = None;
    loop {
        let msg = tokio::select! {
            msg = subscriber.next() => msg,
            () = &mut interrupt => {
                if deadline.is_some() {
                    break;
                }
                subscriber.drain();
                let now = std::time::Instant::now();
                deadline = Some(natbus_tokio::proto::time::deadline(now, drain_for).into());
                interrupt.set(interrupted());
                continue;
            }
            () = sleep_until(deadline) => break,
        };
        let Some(msg) = msg else { break };
        if !handle(msg).await? {
            break;
        }
    }
    Ok(deadline.is_some())
}

/// Sleeps until `deadline`, or forever when there is none.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
