//! `natbus stream …`: add, list, inspect, purge, read from (one message or all) and remove
//! JetStream streams.

mod add;
mod edit;
mod get;
mod item;
pub mod render;
mod view;

use clap::{Args, Subcommand};
use natbus_tokio::jetstream::PurgeRequest;
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::error::CliResult;
use crate::jetstream::{self, failed, stream_error};
use crate::output;

/// Arguments of `natbus stream`.
#[derive(Debug, Args)]
pub struct StreamArgs {
    /// What to do with streams.
    #[command(subcommand)]
    pub command: StreamCommand,
}

/// The stream commands.
#[derive(Debug, Subcommand)]
pub enum StreamCommand {
    /// Create a stream.
    #[command(alias = "create")]
    Add(add::AddArgs),
    /// List streams with their messages and bytes (or only names with --names).
    #[command(alias = "list")]
    Ls(LsArgs),
    /// Show a stream's configuration and state.
    Info(NameArgs),
    /// Change some of a stream's settings (limits, subjects, replicas, ...) in place.
    #[command(alias = "update")]
    Edit(edit::EditArgs),
    /// Delete a stream with all its messages and consumers.
    #[command(alias = "delete")]
    Rm(RmArgs),
    /// Remove messages from a stream: all, one subject's, or all but the newest N.
    Purge(PurgeArgs),
    /// Print one stored message, by sequence or the last one on a subject.
    Get(get::GetArgs),
    /// Print the messages a stream holds, oldest first (no durable consumer is made).
    View(view::ViewArgs),
}

/// `stream ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Print only the stream names, one per line.
    #[arg(short, long)]
    pub names: bool,
    /// Only streams capturing this subject.
    #[arg(long, value_name = "SUBJECT")]
    pub subject: Option<String>,
}

/// A stream name.
#[derive(Debug, Args)]
pub struct NameArgs {
    /// The stream's name.
    pub name: String,
}

/// `stream rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The stream's name.
    pub name: String,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub force: bool,
}

/// `stream purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The stream's name.
    pub name: String,
    /// Only messages on this subject (wildcards allowed).
    #[arg(long, value_name = "SUBJECT")]
    pub subject: Option<String>,
    /// Keep the newest N messages.
    #[arg(long, value_name = "N")]
    pub keep: Option<u64>,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub force: bool,
}

/// Runs the stream command.
pub async fn run(global: &GlobalArgs, args: StreamArgs) -> CliResult {
    match args.command {
        StreamCommand::Add(a) => add::run(global, a).await,
        StreamCommand::Ls(a) => ls(global, a).await,
        StreamCommand::Info(a) => info(global, a).await,
        StreamCommand::Edit(a) => edit::run(global, a).await,
        StreamCommand::Rm(a) => rm(global, a).await,
        StreamCommand::Purge(a) => purge(global, a).await,
        StreamCommand::Get(a) => get::run(global, a).await,
        StreamCommand::View(a) => view::run(global, a).await,
    }
}

async fn ls(global: &GlobalArgs, args: LsArgs) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    let subject = args.subject.as_deref();
    if args.names {
        let names = js
            .stream_names(subject)
            .await
            .map_err(failed("list streams"))?;
        client.close().await;
        return output::names(names, global.json);
    }
    let mut streams = js.streams(subject).await.map_err(failed("list streams"))?;
    client.close().await;
    streams.sort_by(|a, b| a.config.name.cmp(&b.config.name));
    if global.json {
        return output::json_pretty(&streams);
    }
    if streams.is_empty() {
        output::note("No streams defined");
        return Ok(());
    }
    output::write_stdout(render::table(&streams).as_bytes())
}

async fn info(global: &GlobalArgs, args: NameArgs) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    let info = js
        .stream_info(&args.name)
        .await
        .map_err(stream_error(&args.name, "get info of"))?;
    client.close().await;
    if global.json {
        output::json_pretty(&info)
    } else {
        output::write_stdout(render::info(&info).as_bytes())
    }
}

async fn rm(global: &GlobalArgs, args: RmArgs) -> CliResult {
    output::confirm(&format!("Really delete stream '{}'", args.name), args.force)?;
    let (client, js) = jetstream::connect(global).await?;
    js.delete_stream(&args.name)
        .await
        .map_err(stream_error(&args.name, "delete"))?;
    client.close().await;
    if global.json {
        output::json_line(&json!({"stream": args.name, "deleted": true}))
    } else {
        output::note(format!("Deleted stream \"{}\"", args.name));
        Ok(())
    }
}

async fn purge(global: &GlobalArgs, args: PurgeArgs) -> CliResult {
    let scope = match (&args.subject, args.keep) {
        (Some(s), Some(k)) => format!(" on subject '{s}' except the newest {k}"),
        (Some(s), None) => format!(" on subject '{s}'"),
        (None, Some(k)) => format!(" except the newest {k}"),
        (None, None) => String::new(),
    };
    output::confirm(
        &format!(
            "Really purge all messages{scope} from stream '{}'",
            args.name
        ),
        args.force,
    )?;
    let (client, js) = jetstream::connect(global).await?;
    let request = PurgeRequest {
        filter: args.subject.clone(),
        keep: args.keep,
        ..PurgeRequest::default()
    };
    let purged = js
        .purge_stream(&args.name, request)
        .await
        .map_err(stream_error(&args.name, "purge"))?;
    client.close().await;
    if global.json {
        output::json_line(&json!({"stream": args.name, "purged": purged}))
    } else {
        output::note(format!(
            "Purged {} from stream \"{}\"",
            output::count(purged, "message"),
            args.name
        ));
        Ok(())
    }
}
