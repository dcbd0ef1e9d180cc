//! natbus vs async-nats, side by side against one local nats-server.
//!
//! `cargo run --release -p bench [-- --quick | --rounds N | --scenario NAME]`. See
//! `bench/RESULTS.md` for the latest numbers and how they were measured.

mod args;
mod bench_client;
mod clients;
mod cpu;
mod memory;
mod memory_js;
mod process;
mod raw;
mod report;
mod run;
mod scenarios;
mod stats;
mod websocket;

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

/// Counts every heap allocation of the process (for allocations per message).
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Any error of a measurement.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A scenario's results: metric name and value.
pub type Metrics = Vec<(&'static str, f64)>;

fn main() {
    let args = match args::Args::parse() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    let result = match (args.scenario.as_deref(), &args.client, &args.url) {
        (
            Some(name @ ("mem_subs" | "mem_requests" | "mem_stream" | "alloc")),
            Some(client),
            Some(url),
        ) => child(name, client, url, &args),
        (Some(name @ ("responder" | "subscriber")), Some(client), Some(url)) => {
            clients::Kind::from_name(client)
                .ok_or_else(|| format!("unknown client {client:?}").into())
                .and_then(|kind| process::child_main(name, kind, url, args.sizes()))
        }
        _ => run::run(&args),
    };
    if let Err(e) = result {
        eprintln!("bench failed: {e}");
        std::process::exit(1);
    }
}

fn child(name: &str, client: &str, url: &str, args: &args::Args) -> Result<(), BoxError> {
    let kind = clients::Kind::from_name(client).ok_or(format!("unknown client {client:?}"))?;
    let value = memory::child(name, kind, url, args.sizes())?;
    println!("{value}");
    Ok(())
}
