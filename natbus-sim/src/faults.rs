//! Random fault schedules: from a run's seed, when and what goes wrong.
//!
//! The injector is one more task of the run. Between faults it sleeps a random while;
//! each fault is one of: a connection reset (TCP RST: in-flight bytes lost), a server-side
//! close (FIN: in-flight bytes delivered, then end of file), a stall of one direction of a
//! connection (nothing delivered until it ends; long ones make PINGs go unanswered), a new
//! shape for a connection (latency, buffer size, split reads and writes), a server restart
//! (every connection reset, dials refused while it is down; what it keeps is the
//! server's business), or a black hole (dials neither complete nor fail for a while).
//! At the end it heals everything, so the run can check that the client recovers.

use std::time::Duration;

use crate::check::Checks;
use crate::join::Join;
use crate::pipe::{CLIENT, SERVER};
use crate::runtime::Sim;
use crate::server::Server;

/// How hard a run is hit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FaultPlan {
    /// Faults stop after this virtual time.
    pub(crate) until: Duration,
    /// Longest quiet time between two faults.
    pub(crate) max_gap: Duration,
    /// Longest stall, outage or black hole.
    pub(crate) max_outage: Duration,
}

impl FaultPlan {
    pub(crate) fn draw(sim: &Sim, until: Duration) -> Self {
        FaultPlan {
            until,
            max_gap: Duration::from_millis(sim.range(20, 2_000)),
            max_outage: Duration::from_millis(sim.range(10, 4_000)),
        }
    }
}

/// Starts injecting faults on `server` for a random while of at most `longest`; returns
/// when they stop and the injector's task, which ends once everything is healed.
pub(crate) fn start(
    sim: &Sim,
    server: &Server,
    longest: Duration,
    checks: &Checks,
) -> (Duration, Join<()>) {
    let until = Duration::from_millis(sim.range(1_000, longest.as_millis() as u64));
    let plan = FaultPlan::draw(sim, until);
    let task = sim.spawn_join(inject(
        sim.clone(),
        vec![server.clone()],
        plan,
        checks.clone(),
    ));
    (plan.until, task)
}

/// Injects faults until `plan.until`, then heals the network and the servers.
pub(crate) async fn inject(sim: Sim, servers: Vec<Server>, plan: FaultPlan, checks: Checks) {
    while sim.elapsed() < plan.until {
        let gap = sim.duration(Duration::ZERO, plan.max_gap);
        sim.sleep(gap).await;
        let outage = sim.duration(Duration::from_millis(1), plan.max_outage);
        let links = sim.world.net().live_links();
        let link = (!links.is_empty())
            .then(|| links[sim.range(0, links.len() as u64 - 1) as usize].clone());
        match (sim.range(0, 9), link) {
            (0..=2, Some(link)) => {
                sim.world
                    .note(format_args!("fault: link {} reset", link.id));
                link.reset();
                checks.count("fault: connection reset", 1);
            }
            (3, Some(link)) => {
                sim.world
                    .note(format_args!("fault: link {} closed by the server", link.id));
                link.close(SERVER);
                checks.count("fault: server closed a connection", 1);
            }
            (4..=5, Some(link)) => {
                let side = if sim.percent(50) { CLIENT } else { SERVER };
                sim.world.note(format_args!(
                    "fault: link {} side {side} stalled for {outage:?}",
                    link.id
                ));
                link.stall(side, sim.elapsed() + outage);
                checks.count("fault: stall", 1);
            }
            (6, Some(link)) => {
                let shape = sim.world.net().profile().shape(&mut sim.world.rng());
                sim.world
                    .note(format_args!("fault: link {} reshaped {shape:?}", link.id));
                link.set_shape(shape);
                checks.count("fault: link reshaped", 1);
            }
            (7..=8, _) if !servers.is_empty() => {
                let server = &servers[sim.range(0, servers.len() as u64 - 1) as usize];
                sim.world
                    .note(format_args!("fault: server down for {outage:?}"));
                server.stop();
                sim.sleep(outage).await;
                server.start();
                sim.world.note("fault: server up");
                checks.count("fault: server restart", 1);
            }
            (9, _) if !servers.is_empty() => {
                let server = &servers[sim.range(0, servers.len() as u64 - 1) as usize];
                sim.world
                    .note(format_args!("fault: dials black-holed for {outage:?}"));
                server.set_hang(true);
                sim.sleep(outage).await;
                server.set_hang(false);
                sim.world.note("fault: dials answered again");
                checks.count("fault: dials black-holed", 1);
            }
            _ => {}
        }
    }
    sim.world.note("faults over: healing every link");
    for link in sim.world.net().live_links() {
        link.heal();
    }
    for server in &servers {
        server.start();
        server.set_hang(false);
    }
}
