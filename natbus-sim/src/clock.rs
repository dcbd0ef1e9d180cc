//! The virtual clock: time stands still while any task can run, and jumps to the next
//! timer when none can.
//!
//! So a run takes no real time for its sleeps and timeouts, a 30-second reconnect backoff
//! costs nothing, and "when" is as reproducible as "what". `now()` is a base `Instant`,
//! taken once per run, plus the virtual time elapsed; only the elapsed part ever matters.

use natbus_proto::time::{Instant, SystemTime};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::Duration;

/// A registered timer: its due time and a sequence number that keeps keys unique.
pub(crate) type TimerKey = (Duration, u64);

/// Unix time at the start of every run (2025-01-01T00:00:00Z), so timestamps a run writes
/// are the same on every machine.
const EPOCH_OFFSET: Duration = Duration::from_secs(1_735_689_600);

#[derive(Debug)]
pub(crate) struct Clock {
    base: Instant,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    elapsed: Duration,
    timers: BTreeMap<TimerKey, Waker>,
    next_seq: u64,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Clock {
            base: Instant::now(),
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Virtual time since the start of the run.
    pub(crate) fn elapsed(&self) -> Duration {
        self.lock().elapsed
    }

    pub(crate) fn now(&self) -> Instant {
        self.base + self.elapsed()
    }

    pub(crate) fn system_time(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + EPOCH_OFFSET + self.elapsed()
    }

    /// The virtual time of `instant` (an instant before the run counts as its start).
    pub(crate) fn offset_of(&self, instant: Instant) -> Duration {
        instant.saturating_duration_since(self.base)
    }

    /// Wakes `waker` once virtual time reaches `at`.
    pub(crate) fn add_timer(&self, at: Duration, waker: Waker) -> TimerKey {
        let mut s = self.lock();
        s.next_seq += 1;
        let key = (at, s.next_seq);
        s.timers.insert(key, waker);
        key
    }

    pub(crate) fn remove_timer(&self, key: TimerKey) {
        self.lock().timers.remove(&key);
    }

    /// Jumps to the earliest timer and wakes every timer due then. False when no timer is
    /// left (nothing will ever happen again).
    pub(crate) fn fire_next(&self) -> bool {
        let due = {
            let mut s = self.lock();
            let Some((&(at, _), _)) = s.timers.first_key_value() else {
                return false;
            };
            s.elapsed = s.elapsed.max(at);
            let now = s.elapsed;
            let later = s.timers.split_off(&(now, u64::MAX));
            std::mem::replace(&mut s.timers, later)
        };
        // Woken outside the lock: a waker only marks its task ready, but keep it simple.
        for waker in due.into_values() {
            waker.wake();
        }
        true
    }

    /// Forgets every timer (the end of a run; their wakers keep tasks alive otherwise).
    pub(crate) fn clear(&self) -> BTreeMap<TimerKey, Waker> {
        std::mem::take(&mut self.lock().timers)
    }
}
