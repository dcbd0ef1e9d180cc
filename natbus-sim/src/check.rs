//! Where a run's workloads report what they saw: broken invariants, and counts for the
//! summary.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The verdicts of one run, shared by its tasks.
#[derive(Clone, Default)]
pub(crate) struct Checks {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    problems: Vec<String>,
    counts: BTreeMap<&'static str, u64>,
}

impl Checks {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a broken invariant, stamped with the virtual time it was seen.
    pub(crate) fn fail(&self, at: Duration, problem: impl AsRef<str>) {
        let mut line = String::new();
        let _ = write!(line, "[{:.3}s] {}", at.as_secs_f64(), problem.as_ref());
        self.lock().problems.push(line);
    }

    /// Adds `n` to the counter `name` (reported in the summary).
    pub(crate) fn count(&self, name: &'static str, n: u64) {
        *self.lock().counts.entry(name).or_default() += n;
    }

    pub(crate) fn problems(&self) -> Vec<String> {
        self.lock().problems.clone()
    }

    pub(crate) fn counts(&self) -> BTreeMap<&'static str, u64> {
        self.lock().counts.clone()
    }

    /// Fails when a wait that began at `start` with `timeout` ended after its deadline.
    pub(crate) fn deadline(&self, what: &str, start: Duration, timeout: Duration, end: Duration) {
        if end > start + timeout {
            self.fail(
                end,
                format!(
                    "{what}: a wait with a {timeout:?} deadline began at {:.3}s and ended {:?} late",
                    start.as_secs_f64(),
                    end - (start + timeout)
                ),
            );
        }
    }
}
