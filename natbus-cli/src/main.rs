//! `natbus`: the NATS command-line tool of the natbus project.
//!
//! Commands and habits follow the `nats` CLI (`pub`, `sub`, `req`, `reply`, `service`,
//! `stream`, `consumer`, `kv`, `object`, `bench`, `server check`), built on
//! `natbus-tokio`. Every failure is one line on stderr, `natbus: error: …`, and a non-zero
//! exit code; nothing a user types can panic.

mod cli;
mod commands;
mod connect;
mod duration;
mod error;
mod jetstream;
mod message;
mod output;
mod settings;
mod size;
mod template;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::error::CliError;

fn main() -> ExitCode {
    quiet_panics();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return report(&CliError::Runtime(e)),
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::BrokenPipe) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

/// Prints `natbus: error: <message>: <cause>: …` as one line and returns the failure code.
fn report(error: &CliError) -> ExitCode {
    let mut line = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        // Some causes already print their own cause; say each thing once.
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    eprintln!("natbus: error: {line}");
    ExitCode::FAILURE
}

/// A panic is a bug, but a user should still see one line and not a backtrace.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("natbus: error: internal error (please report it): {info}");
    }));
}
