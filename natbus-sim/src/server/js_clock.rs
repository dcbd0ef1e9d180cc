//! The JetStream model's clock: a task that sleeps until JetStream's next deadline (an
//! ack wait, a pull request's expiry, a heartbeat) and lets time pass for it then. Any
//! JetStream activity wakes it to look at the deadline again.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Server;
use crate::runtime::Sleep;

pub(super) struct JsClock {
    server: Server,
    sleep: Option<(Duration, Sleep)>,
}

impl JsClock {
    pub(super) fn new(server: Server) -> Self {
        JsClock {
            server,
            sleep: None,
        }
    }
}

impl Future for JsClock {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        loop {
            let world = this.server.world().clone();
            let next = {
                let mut s = this.server.lock();
                let mut out = Vec::new();
                s.js.tick(world.clock.elapsed(), &mut out);
                s.route_js(&world, out);
                s.js_waker = Some(cx.waker().clone());
                s.js.next_deadline()
            };
            let Some(at) = next else {
                this.sleep = None;
                return Poll::Pending;
            };
            if this.sleep.as_ref().is_none_or(|(armed, _)| *armed != at) {
                this.sleep = Some((at, Sleep::new(world.clone(), at)));
            }
            let Some((_, sleep)) = this.sleep.as_mut() else {
                return Poll::Pending;
            };
            if Pin::new(sleep).poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.sleep = None;
        }
    }
}
