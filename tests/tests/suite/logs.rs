//! What natbus logs, captured: some behaviour is only visible in the logs (a handler that
//! failed, a stream difference left alone), so tests check the lines themselves.
//!
//! One subscriber for the whole test process (tracing's global default), installed by the
//! first test that asks; it keeps the last [`KEEP`] lines at info level and above. Tests
//! run in parallel, so each one looks only for lines naming its own stream or subject.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use natbus::Runtime;

use super::{WAIT, sleep};

/// How many lines are kept (bounded memory over a whole test run).
pub const KEEP: usize = 20_000;

#[derive(Default)]
struct Lines {
    partial: Vec<u8>,
    lines: VecDeque<String>,
}

fn store() -> &'static Mutex<Lines> {
    static STORE: OnceLock<Mutex<Lines>> = OnceLock::new();
    STORE.get_or_init(Default::default)
}

fn lock() -> std::sync::MutexGuard<'static, Lines> {
    // Line buffers only: usable even if a writer panicked.
    store().lock().unwrap_or_else(PoisonError::into_inner)
}

struct Writer;

impl io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut s = lock();
        s.partial.extend_from_slice(buf);
        while let Some(end) = s.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = s.partial.drain(..=end).collect();
            s.lines
                .push_back(String::from_utf8_lossy(&line).trim_end().to_owned());
            if s.lines.len() > KEEP {
                s.lines.pop_front();
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Starts capturing (once per process; later calls do nothing).
pub fn capture() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(|| Writer)
            .with_ansi(false)
            .without_time()
            .with_max_level(tracing::Level::INFO)
            .finish();
        // Another test binary's subscriber cannot be here: each binary is its own process.
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

/// The captured lines containing every one of `needles`.
pub fn lines_with(needles: &[&str]) -> Vec<String> {
    lock()
        .lines
        .iter()
        .filter(|l| needles.iter().all(|n| l.contains(n)))
        .cloned()
        .collect()
}

/// Waits (at most [`WAIT`]) for a line containing every one of `needles` and returns it:
/// a log line may be written just after the effect a test waited for.
pub async fn wait_for_line(rt: &Arc<dyn Runtime>, needles: &[&str]) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(line) = lines_with(needles).pop() {
            return line;
        }
        assert!(
            Instant::now() < deadline,
            "no log line with {needles:?} within {WAIT:?}"
        );
        sleep(rt, Duration::from_millis(20)).await;
    }
}
