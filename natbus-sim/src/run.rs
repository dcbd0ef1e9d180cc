//! One run: a world from a seed, the workload as its main task, the executor loop, and the
//! verdict.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::check::Checks;
use crate::executor::Step;
use crate::runtime::Sim;
use crate::scenario;
use crate::world::World;

/// Polls allowed in one run before it counts as a busy loop (a healthy run needs a few
/// hundred thousand at most).
const MAX_STEPS: u64 = 20_000_000;

/// Virtual time allowed in one run before it counts as hung.
const MAX_VIRTUAL_TIME: Duration = Duration::from_secs(3_600);

/// What a run that kept every invariant did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The seed that determined the run.
    pub seed: u64,
    /// Tasks polled.
    pub steps: u64,
    /// Virtual time the run covered.
    pub virtual_time: Duration,
    /// A hash of the whole schedule (every task polled, every jump of the clock): two runs
    /// of one seed have the same digest, or the simulation is not deterministic.
    pub digest: u64,
    /// Counters the workloads kept (faults injected, messages, reconnects...).
    pub counts: BTreeMap<&'static str, u64>,
}

/// A run that broke an invariant, panicked or never finished.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The seed that replays it.
    pub seed: u64,
    /// Every problem seen, first to last.
    pub problems: Vec<String>,
    /// The last things that happened (faults, client events, waits), oldest first.
    pub trace: Vec<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "simulation seed {} failed:", self.seed)?;
        for p in &self.problems {
            writeln!(f, "  - {p}")?;
        }
        write!(f, "replay it with: {}", replay_command(self.seed))
    }
}

impl std::error::Error for Failure {}

/// The command that replays `seed`.
pub fn replay_command(seed: u64) -> String {
    format!("SIM_SEED={seed} cargo test -p natbus-sim --test simulation replay -- --nocapture")
}

/// Runs the simulation for `seed` and checks every invariant.
///
/// # Errors
/// A [`Failure`] naming the seed and every problem seen.
pub fn run(seed: u64) -> Result<Outcome, Failure> {
    quiet_deliberate_panics();
    match seed % 4 {
        2 => run_main(seed, scenario::jetstream::run),
        3 => run_main(seed, scenario::service::run),
        _ => run_main(seed, scenario::core::run),
    }
}

/// Runs `main` as the first task of a world seeded with `seed`, until it returns, and
/// collects the verdict.
pub(crate) fn run_main<F, Fut>(seed: u64, main: F) -> Result<Outcome, Failure>
where
    F: FnOnce(Sim, Checks) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let world = World::new(seed);
    let sim = Sim {
        world: world.clone(),
    };
    let checks = Checks::default();
    let done = Arc::new(AtomicBool::new(false));
    {
        let main = main(sim.clone(), checks.clone());
        let done = done.clone();
        world.spawn(Box::pin(async move {
            main.await;
            done.store(true, Ordering::Relaxed);
        }));
    }
    drop(sim);
    let mut steps = 0u64;
    let mut digest = 0xCBF2_9CE4_8422_2325u64;
    let stuck = loop {
        if done.load(Ordering::Relaxed) {
            break None;
        }
        if steps >= MAX_STEPS {
            break Some(format!(
                "no end after {MAX_STEPS} polls: something busy-loops"
            ));
        }
        if let Step::Polled(id) = world.executor.step(world.rng_mutex()) {
            steps += 1;
            digest = mix(digest, id as u64);
            continue;
        }
        if world.clock.elapsed() > MAX_VIRTUAL_TIME {
            break Some(format!("no end after {MAX_VIRTUAL_TIME:?} of virtual time"));
        }
        if !world.clock.fire_next() {
            break Some("stuck: every task waits and no timer is armed".to_owned());
        }
        digest = mix(digest, world.clock.elapsed().as_nanos() as u64);
    };
    let virtual_time = world.clock.elapsed();
    let mut problems = world.executor.panics();
    let trace = world.trace();
    world.shut_down();
    problems.extend(checks.problems());
    if let Some(stuck) = stuck {
        problems.push(format!("[{:.3}s] {stuck}", virtual_time.as_secs_f64()));
    }
    if problems.is_empty() {
        Ok(Outcome {
            seed,
            steps,
            virtual_time,
            digest,
            counts: checks.counts(),
        })
    } else {
        Err(Failure {
            seed,
            problems,
            trace,
        })
    }
}

/// Folds `value` into the schedule digest (FNV-1a over the value's bytes).
fn mix(mut digest: u64, value: u64) -> u64 {
    for byte in value.to_le_bytes() {
        digest ^= u64::from(byte);
        digest = digest.wrapping_mul(0x0100_0000_01B3);
    }
    digest
}

/// Keeps the service workload's deliberate handler panics (which the service catches and
/// answers as errors) out of the test output; every other panic is printed as before.
/// The hook is process-wide, installed once.
fn quiet_deliberate_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info
                .payload()
                .downcast_ref::<scenario::service::DeliberatePanic>()
                .is_none()
            {
                previous(info);
            }
        }));
    });
}
