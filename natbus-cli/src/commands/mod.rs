//! One module per command; [`run`] dispatches.

pub mod account;
pub mod bench;
pub mod completions;
pub mod consumer;
pub mod context;
pub mod counter;
pub mod drain;
pub mod js_publish;
pub mod kv;
pub mod object;
pub mod publish;
pub mod reply;
pub mod request;
pub mod schedule;
pub mod server;
pub mod service;
pub mod stream;
pub mod subscribe;

use crate::cli::{Cli, Command};
use crate::error::CliResult;

/// Runs the command the user asked for.
pub async fn run(mut cli: Cli) -> CliResult {
    // `context` manages the files itself: a broken selected context must not stop it.
    if !matches!(cli.command, Command::Context(_)) {
        cli.global.settings = crate::settings::resolve(&cli.global)?;
    }
    let global = &cli.global;
    match cli.command {
        Command::Pub(args) => publish::run(global, args).await,
        Command::Sub(args) => subscribe::run(global, args).await,
        Command::Req(args) => request::run(global, args).await,
        Command::Reply(args) => reply::run(global, args).await,
        Command::Service(args) => service::run(global, args).await,
        Command::Stream(args) => stream::run(global, args).await,
        Command::Consumer(args) => consumer::run(global, args).await,
        Command::Counter(args) => counter::run(global, args).await,
        Command::Kv(args) => kv::run(global, args).await,
        Command::Object(args) => object::run(global, args).await,
        Command::Bench(args) => bench::run(global, args).await,
        Command::Server(args) => server::run(global, args).await,
        Command::Account(args) => account::run(global, args).await,
        Command::Context(args) => context::run(global, args),
        Command::Completions(args) => completions::run(args),
    }
}

/// Waits for Ctrl-C (or forever, if the signal cannot be watched), so long-running
/// commands can stop cleanly instead of being killed mid-write.
pub async fn interrupted() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
