//! `natbus service ls|info|stats [NAME]` (alias `micro`): Service API discovery.
//!
//! Each command sends one empty request to `$SRV.<VERB>[.<NAME>]` and prints every
//! instance that answers (see [`collect`]); the JSON schemas are those of
//! `natbus_proto::service`.

mod collect;
mod render;

use clap::{Args, Subcommand};
use natbus_tokio::proto::service::{
    DEFAULT_API_PREFIX, InfoResponse, PingResponse, StatsResponse, Target, Verb, discovery_subject,
};

use crate::cli::GlobalArgs;
use crate::error::CliResult;
use crate::{connect, output};

/// Arguments of `natbus service`.
#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// What to ask the services.
    #[command(subcommand)]
    pub command: ServiceCommand,
}

/// The `service` subcommands.
#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// List service instances, with their round-trip time ($SRV.PING).
    #[command(alias = "list")]
    Ls(Filter),
    /// Describe service instances and their endpoints ($SRV.INFO).
    Info(Filter),
    /// Show request counters per endpoint ($SRV.STATS).
    Stats(Filter),
}

/// Which services to ask.
#[derive(Debug, Args)]
pub struct Filter {
    /// Only this service (case-sensitive); every service when absent.
    #[arg(value_name = "NAME")]
    pub service: Option<String>,
}

/// Runs a `service` subcommand.
pub async fn run(global: &GlobalArgs, args: ServiceArgs) -> CliResult {
    let (verb, filter) = match &args.command {
        ServiceCommand::Ls(f) => (Verb::Ping, f),
        ServiceCommand::Info(f) => (Verb::Info, f),
        ServiceCommand::Stats(f) => (Verb::Stats, f),
    };
    let target = filter
        .service
        .as_deref()
        .map_or(Target::All, Target::Service);
    let subject = discovery_subject(DEFAULT_API_PREFIX, verb, target);
    let client = connect::connect(global).await?;
    let result = async {
        match verb {
            Verb::Ping => {
                let found = collect::collect::<PingResponse>(&client, &subject, global).await?;
                show(global, &found, render::ping_json, render::ping_table)
            }
            Verb::Info => {
                let found = collect::collect::<InfoResponse>(&client, &subject, global).await?;
                show(global, &found, render::info_json, render::info_text)
            }
            Verb::Stats => {
                let found = collect::collect::<StatsResponse>(&client, &subject, global).await?;
                show(global, &found, render::stats_json, render::stats_table)
            }
        }
    }
    .await;
    client.close().await;
    result
}

/// Prints what was found: JSON (an array, `[]` when nothing answered) or text.
fn show<T>(
    global: &GlobalArgs,
    found: &[collect::Answer<T>],
    json: fn(&[collect::Answer<T>]) -> serde_json::Value,
    text: fn(&[collect::Answer<T>]) -> String,
) -> CliResult {
    if global.json {
        output::json_pretty(&json(found))
    } else if found.is_empty() {
        output::line("no services")
    } else {
        output::write_stdout(text(found).as_bytes())
    }
}
