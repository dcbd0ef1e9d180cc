//! [`natbus::Runtime`] over the simulated world: dials open in-memory links, sleeps are
//! virtual timers, spawned tasks join the seeded executor, and `now()` is virtual time.

use natbus_proto::time::{Instant, SystemTime};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use natbus::{BoxFuture, Dialed, Runtime};

use crate::clock::TimerKey;
use crate::net::{self, Dial};
use crate::world::World;

/// The simulated runtime of one run. Cheap to clone; every clone is the same world.
#[derive(Clone)]
pub(crate) struct Sim {
    pub(crate) world: Arc<World>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("elapsed", &self.world.clock.elapsed())
            .finish_non_exhaustive()
    }
}

impl Sim {
    pub(crate) fn runtime(&self) -> Arc<dyn Runtime> {
        Arc::new(self.clone())
    }

    /// Virtual time since the start of the run.
    pub(crate) fn elapsed(&self) -> Duration {
        self.world.clock.elapsed()
    }

    pub(crate) fn sleep(&self, duration: Duration) -> Sleep {
        Sleep::new(self.world.clone(), self.elapsed() + duration)
    }

    pub(crate) fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        self.world.spawn(Box::pin(future));
    }

    /// A value in `lo..=hi` from the run's generator.
    pub(crate) fn range(&self, lo: u64, hi: u64) -> u64 {
        self.world.rng().range(lo, hi)
    }

    pub(crate) fn percent(&self, percent: u64) -> bool {
        self.world.rng().percent(percent)
    }

    pub(crate) fn duration(&self, lo: Duration, hi: Duration) -> Duration {
        self.world.rng().duration(lo, hi)
    }
}

impl Runtime for Sim {
    fn connect(&self, host: &str, port: u16) -> BoxFuture<io::Result<Dialed>> {
        let world = self.world.clone();
        let host = host.to_owned();
        Box::pin(async move {
            let delay = {
                let net = world.net();
                let mut rng = world.rng();
                net.dial_delay(&mut rng)
            };
            Sleep::new(world.clone(), world.clock.elapsed() + delay).await;
            match net::dial(&world, &host, port) {
                Dial::Open(dialed) => Ok(dialed),
                Dial::Refused(e) => Err(e),
                Dial::Hang => std::future::pending().await,
            }
        })
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<()> {
        let at = self.world.clock.offset_of(deadline);
        Box::pin(Sleep::new(self.world.clone(), at))
    }

    fn spawn(&self, future: BoxFuture<()>) {
        self.world.spawn(future);
    }

    fn now(&self) -> Instant {
        self.world.clock.now()
    }

    fn system_time(&self) -> SystemTime {
        self.world.clock.system_time()
    }
}

/// A virtual sleep until `at` (time since the start of the run).
pub(crate) struct Sleep {
    world: Arc<World>,
    at: Duration,
    timer: Option<TimerKey>,
}

impl Sleep {
    pub(crate) fn new(world: Arc<World>, at: Duration) -> Self {
        Sleep {
            world,
            at,
            timer: None,
        }
    }

    fn disarm(&mut self) {
        if let Some(key) = self.timer.take() {
            self.world.clock.remove_timer(key);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.disarm();
        if self.world.clock.elapsed() >= self.at {
            return Poll::Ready(());
        }
        let key = self.world.clock.add_timer(self.at, cx.waker().clone());
        self.timer = Some(key);
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}
