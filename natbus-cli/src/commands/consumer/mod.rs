//! `natbus consumer …`: add, list, inspect and remove consumers, pull messages, and pause,
//! resume, reset or unpin them.

mod add;
mod control;
mod edit;
mod next;
mod render;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::error::CliResult;
use crate::jetstream::{self, consumer_error, stream_error};
use crate::output;

/// Arguments of `natbus consumer`.
#[derive(Debug, Args)]
pub struct ConsumerArgs {
    /// What to do with consumers.
    #[command(subcommand)]
    pub command: ConsumerCommand,
}

/// The consumer commands.
#[derive(Debug, Subcommand)]
pub enum ConsumerCommand {
    /// Create a durable consumer on a stream.
    #[command(alias = "create")]
    Add(add::AddArgs),
    /// List a stream's consumers (or only names with --names).
    #[command(alias = "list")]
    Ls(LsArgs),
    /// Show a consumer's configuration and state.
    Info(ConsumerName),
    /// Change some of a durable consumer's settings (filter, ack wait, limits) in place.
    #[command(alias = "update")]
    Edit(edit::EditArgs),
    /// Delete a consumer.
    #[command(alias = "delete")]
    Rm(RmArgs),
    /// Pull messages from a pull consumer, print them and acknowledge them.
    Next(next::NextArgs),
    /// Stop deliveries until a time or for a while (nats-server 2.11+).
    Pause(control::PauseArgs),
    /// Resume a paused consumer now (nats-server 2.11+).
    Resume(ConsumerName),
    /// Drop pending acks and deliver again from above the ack floor or a sequence (2.14+).
    Reset(control::ResetArgs),
    /// Unpin the pinned client of a priority group, so another is pinned (2.11+).
    Unpin(control::UnpinArgs),
}

/// `consumer ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// The stream's name.
    pub stream: String,
    /// Print only the consumer names, one per line.
    #[arg(short, long)]
    pub names: bool,
}

/// A stream and one of its consumers.
#[derive(Debug, Args)]
pub struct ConsumerName {
    /// The stream's name.
    pub stream: String,
    /// The consumer's name.
    pub name: String,
}

/// `consumer rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The stream and consumer.
    #[command(flatten)]
    pub consumer: ConsumerName,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub force: bool,
}

/// Runs the consumer command.
pub async fn run(global: &GlobalArgs, args: ConsumerArgs) -> CliResult {
    match args.command {
        ConsumerCommand::Add(a) => add::run(global, a).await,
        ConsumerCommand::Ls(a) => ls(global, a).await,
        ConsumerCommand::Info(a) => info(global, a).await,
        ConsumerCommand::Edit(a) => edit::run(global, a).await,
        ConsumerCommand::Rm(a) => rm(global, a).await,
        ConsumerCommand::Next(a) => next::run(global, a).await,
        ConsumerCommand::Pause(a) => control::pause(global, a).await,
        ConsumerCommand::Resume(a) => control::resume(global, a).await,
        ConsumerCommand::Reset(a) => control::reset(global, a).await,
        ConsumerCommand::Unpin(a) => control::unpin(global, a).await,
    }
}

async fn ls(global: &GlobalArgs, args: LsArgs) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    if args.names {
        let names = js
            .consumer_names(&args.stream)
            .await
            .map_err(stream_error(&args.stream, "list the consumers of"))?;
        client.close().await;
        return output::names(names, global.json);
    }
    let mut consumers = js
        .consumers(&args.stream)
        .await
        .map_err(stream_error(&args.stream, "list the consumers of"))?;
    client.close().await;
    consumers.sort_by(|a, b| a.name.cmp(&b.name));
    if global.json {
        return output::json_pretty(&consumers);
    }
    if consumers.is_empty() {
        output::note(format!("No consumers on stream \"{}\"", args.stream));
        return Ok(());
    }
    output::write_stdout(render::table(&consumers).as_bytes())
}

async fn info(global: &GlobalArgs, args: ConsumerName) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    let info = js
        .consumer_info(&args.stream, &args.name)
        .await
        .map_err(consumer_error(&args.stream, &args.name, "get info of"))?;
    client.close().await;
    if global.json {
        output::json_pretty(&info)
    } else {
        output::write_stdout(render::info(&info).as_bytes())
    }
}

async fn rm(global: &GlobalArgs, args: RmArgs) -> CliResult {
    let ConsumerName { stream, name } = &args.consumer;
    output::confirm(
        &format!("Really delete consumer '{name}' of stream '{stream}'"),
        args.force,
    )?;
    let (client, js) = jetstream::connect(global).await?;
    js.delete_consumer(stream, name)
        .await
        .map_err(consumer_error(stream, name, "delete"))?;
    client.close().await;
    if global.json {
        output::json_line(&json!({"stream": stream, "consumer": name, "deleted": true}))
    } else {
        output::note(format!(
            "Deleted consumer \"{name}\" of stream \"{stream}\""
        ));
        Ok(())
    }
}
