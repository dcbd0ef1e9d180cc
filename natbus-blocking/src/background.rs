//! A connection's background thread: where natbus's connection driver (and any other task
//! natbus spawns for the connection) runs while the application's threads block.

use std::convert::Infallible;
use std::io;
use std::sync::Arc;

use natbus::Runtime;
use natbus_smol::SmolRuntime;
use smol::Executor;

use crate::block::mark_background;

/// The name of every background thread (visible in debuggers, `top -H`, `/proc`).
pub const THREAD_NAME: &str = "natbus-blocking";

/// Starts a background thread and returns the runtime that runs tasks on it: smol's
/// sockets and timers (async-io), with a spawner that hands each task to this thread's
/// executor.
///
/// The thread ends once nothing can give it work any more: when the runtime (held by the
/// connection, so alive as long as any handle on it) and every task spawned on it are gone.
/// That is tracked by a channel nobody sends on: the runtime and each task hold a sender,
/// and the thread waits for `recv` to fail, which it does once the last sender is dropped.
pub(crate) fn start() -> io::Result<Arc<dyn Runtime>> {
    let executor = Arc::new(Executor::new());
    let (alive, all_gone) = smol::channel::bounded::<Infallible>(1);
    let thread_executor = executor.clone();
    std::thread::Builder::new()
        .name(THREAD_NAME.to_owned())
        .spawn(move || {
            mark_background(thread_executor.clone());
            smol::block_on(thread_executor.run(async move {
                let _ = all_gone.recv().await;
            }));
        })?;
    Ok(Arc::new(SmolRuntime::with_spawner(move |task| {
        let alive = alive.clone();
        executor
            .spawn(async move {
                task.await;
                drop(alive);
            })
            .detach();
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::block_on;
    use std::time::{Duration, Instant};

    /// The calling thread's entry in `/proc` (Linux), which exists while it runs.
    #[cfg(target_os = "linux")]
    fn this_thread_in_proc() -> std::path::PathBuf {
        let link = std::fs::read_link("/proc/thread-self").expect("Linux has /proc/thread-self");
        std::path::Path::new("/proc").join(link)
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn tasks_run_on_the_thread_which_ends_when_the_runtime_and_its_tasks_are_gone() {
        let runtime = start().expect("a thread");
        let (tx, rx) = smol::channel::bounded(1);
        let (ping_tx, ping_rx) = smol::channel::bounded::<()>(1);
        runtime.spawn(Box::pin(async move {
            let _ = tx.send(this_thread_in_proc()).await;
            // Answers every ping until the pinging side is dropped.
            while ping_rx.recv().await.is_ok() {
                let _ = tx.send(this_thread_in_proc()).await;
            }
        }));
        let thread = block_on(rx.recv()).expect("the task ran");
        assert_ne!(thread, this_thread_in_proc(), "ran on the caller's thread");
        assert!(thread.exists());

        // The runtime is gone but a task still runs: the thread stays for it.
        drop(runtime);
        block_on(ping_tx.send(())).expect("the task still runs");
        assert_eq!(block_on(rx.recv()).expect("an answer"), thread);

        drop(ping_tx);
        let deadline = Instant::now() + Duration::from_secs(10);
        while thread.exists() {
            assert!(
                Instant::now() < deadline,
                "the background thread did not end"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// A task that blocks on something another task of the same connection must do (a
    /// handler that makes a blocking request) does not deadlock the thread.
    #[test]
    fn blocking_inside_a_background_task_keeps_the_other_tasks_running() {
        let runtime = start().expect("a thread");
        let (ping_tx, ping_rx) = smol::channel::bounded::<()>(1);
        let (done_tx, done_rx) = smol::channel::bounded::<()>(1);
        runtime.spawn(Box::pin(async move {
            // Blocks this task's thread until the task spawned below has run there.
            let _ = block_on(ping_rx.recv());
            let _ = done_tx.send(()).await;
        }));
        runtime.spawn(Box::pin(async move {
            let _ = ping_tx.send(()).await;
        }));
        let done = crate::block::block_on_timeout(done_rx.recv(), Duration::from_secs(10));
        assert_eq!(done, Ok(Ok(())));
    }
}
