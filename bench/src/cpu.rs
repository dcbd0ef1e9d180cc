//! CPU time used by this process (every thread, not the nats-server child), in
//! nanoseconds: the sum of each thread's `sum_exec_runtime` from
//! `/proc/self/task/*/schedstat` (Linux). Unlike `/proc/self/stat` (10 ms ticks) it has
//! nanosecond resolution, so a 100 ms measurement is exact to well under 1 %.
//!
//! Why it is reported: wall-clock rates on a shared 2-core machine are bound by the
//! server and by scheduling, while the CPU a client burns per message is what the
//! client itself decides, and moves little from run to run.

use std::time::Instant;

/// CPU nanoseconds of every live thread of this process; `None` where `/proc` is
/// missing. A thread that exited is no longer counted, so measure across spans in
/// which the runtime's threads live (they do: the runtimes are created once).
pub fn process_cpu_ns() -> Option<u64> {
    let mut total = 0u64;
    for entry in std::fs::read_dir("/proc/self/task").ok()? {
        let path = entry.ok()?.path().join("schedstat");
        // A thread may exit between listing and reading: skip it.
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// A span of CPU and wall-clock time.
pub struct Span {
    cpu: Option<u64>,
    wall: Instant,
}

impl Span {
    /// Starts measuring.
    pub fn start() -> Span {
        Span {
            cpu: process_cpu_ns(),
            wall: Instant::now(),
        }
    }

    /// Wall-clock rate of `n` events since the start, per second.
    pub fn per_second(&self, n: usize) -> f64 {
        crate::stats::per_second(n, self.wall.elapsed())
    }

    /// CPU nanoseconds of this process per event since the start (NaN without `/proc`).
    pub fn cpu_ns_per(&self, n: usize) -> f64 {
        match (self.cpu, process_cpu_ns()) {
            (Some(a), Some(b)) if n > 0 => b.saturating_sub(a) as f64 / n as f64,
            _ => f64::NAN,
        }
    }

    /// The metrics of a throughput measurement of `n` messages: rate and CPU per message.
    pub fn metrics(&self, n: usize) -> crate::Metrics {
        vec![
            ("msgs/s", self.per_second(n)),
            ("client CPU ns/msg", self.cpu_ns_per(n)),
        ]
    }
}
