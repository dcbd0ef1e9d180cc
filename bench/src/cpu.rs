//! CPU time used by this process (every thread, not the nats-server child) and by the
//! nats-server, in nanoseconds: the sum of each thread's `sum_exec_runtime` from
//! `/proc/<pid>/task/*/schedstat` (Linux). Unlike `/proc/<pid>/stat` (10 ms ticks) it has
//! nanosecond resolution, so a 100 ms measurement is exact to well under 1 %.
//!
//! Why it is reported: wall-clock rates on a shared 2-core machine are bound by the
//! server and by scheduling, while the CPU a client burns per message is what the
//! client itself decides, and moves little from run to run. The server's CPU per message
//! shows what the client's way of talking costs the server, and how much of the machine
//! the server takes.

use std::sync::OnceLock;
use std::time::Instant;

/// The nats-server whose CPU time spans also measure.
static SERVER_PID: OnceLock<u32> = OnceLock::new();

/// Makes every [`Span`] also measure the CPU time of process `pid` (the nats-server).
pub fn watch_server(pid: u32) {
    let _ = SERVER_PID.set(pid);
}

/// CPU nanoseconds of every live thread of this process; `None` where `/proc` is
/// missing. A thread that exited is no longer counted, so measure across spans in
/// which the runtime's threads live (they do: the runtimes are created once).
pub fn process_cpu_ns() -> Option<u64> {
    cpu_ns_of("self")
}

/// CPU nanoseconds of the watched nats-server, if any.
fn server_cpu_ns() -> Option<u64> {
    cpu_ns_of(&SERVER_PID.get()?.to_string())
}

/// CPU nanoseconds of every live thread of process `pid` (`"self"` for this one).
fn cpu_ns_of(pid: &str) -> Option<u64> {
    let mut total = 0u64;
    for entry in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let path = entry.ok()?.path().join("schedstat");
        // A thread may exit between listing and reading: skip it.
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// A span of CPU (this process's and the server's) and wall-clock time.
pub struct Span {
    cpu: Option<u64>,
    server_cpu: Option<u64>,
    wall: Instant,
}

impl Span {
    /// Starts measuring.
    pub fn start() -> Span {
        Span {
            cpu: process_cpu_ns(),
            server_cpu: server_cpu_ns(),
            wall: Instant::now(),
        }
    }

    /// Wall-clock rate of `n` events since the start, per second.
    pub fn per_second(&self, n: usize) -> f64 {
        crate::stats::per_second(n, self.wall.elapsed())
    }

    /// CPU nanoseconds of this process per event since the start (NaN without `/proc`).
    pub fn cpu_ns_per(&self, n: usize) -> f64 {
        per_event(self.cpu, process_cpu_ns(), n)
    }

    /// CPU nanoseconds of the server per event since the start (NaN when not watched).
    pub fn server_cpu_ns_per(&self, n: usize) -> f64 {
        per_event(self.server_cpu, server_cpu_ns(), n)
    }

    /// The metrics of a throughput measurement of `n` messages: rate, and client and
    /// server CPU per message.
    pub fn metrics(&self, n: usize) -> crate::Metrics {
        vec![
            ("msgs/s", self.per_second(n)),
            ("client CPU ns/msg", self.cpu_ns_per(n)),
            ("server CPU ns/msg", self.server_cpu_ns_per(n)),
        ]
    }
}

fn per_event(start: Option<u64>, end: Option<u64>, n: usize) -> f64 {
    match (start, end) {
        (Some(a), Some(b)) if n > 0 => b.saturating_sub(a) as f64 / n as f64,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CPU nanoseconds of the calling thread alone, read from its own schedstat: the
    /// reference the process-wide sums are checked against.
    fn this_thread_cpu_ns() -> u64 {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
        text.split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a number")
    }

    #[test]
    fn spans_measure_this_process_and_the_watched_one() {
        // Watch this process as if it were the server: both counters must see the work.
        watch_server(std::process::id());
        let span = Span::start();
        // Work until this thread has had 10 ms of CPU, however long a loaded machine makes
        // that take (a wall-clock budget failed at a load average of 13 on 2 cores).
        let before = this_thread_cpu_ns();
        let deadline = Instant::now() + std::time::Duration::from_secs(120);
        let mut x = 0u64;
        while this_thread_cpu_ns() - before < 10_000_000 {
            assert!(Instant::now() < deadline, "no 10 ms of CPU in 120 s");
            for _ in 0..10_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
        }
        let client = span.cpu_ns_per(1);
        let server = span.server_cpu_ns_per(1);
        assert!(
            client >= 10_000_000.0,
            "client CPU {client} ns for 10 ms of work"
        );
        assert!(
            server >= 10_000_000.0,
            "server CPU {server} ns for 10 ms of work"
        );
        assert!(per_event(Some(1), None, 1).is_nan());
    }
}
