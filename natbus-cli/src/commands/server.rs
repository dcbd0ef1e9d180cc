//! `natbus server check`: is the server there, what is it, and how far away.

use std::time::Instant;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::duration::human;
use crate::error::{CliError, CliResult};
use crate::{connect, output};

/// Arguments of `natbus server`.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// What to inspect.
    #[command(subcommand)]
    pub command: ServerCommand,
}

/// The `server` subcommands.
#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Connect, print the server's name, version, JetStream and max payload, and the
    /// round-trip time of a PING/PONG.
    Check,
}

/// Runs a `server` subcommand.
pub async fn run(global: &GlobalArgs, args: ServerArgs) -> CliResult {
    match args.command {
        ServerCommand::Check => check(global).await,
    }
}

async fn check(global: &GlobalArgs) -> CliResult {
    let connecting = Instant::now();
    let client = connect::connect(global).await?;
    let connect_time = connecting.elapsed();
    let flushing = Instant::now();
    let flushed = client.flush().await;
    let rtt = flushing.elapsed();
    let info = client.server_info();
    client.close().await;
    flushed.map_err(CliError::Flush)?;
    let info = info
        .ok_or_else(|| CliError::BadAnswer("connected, but the server sent no INFO".to_owned()))?;
    let server = connect::redact(global.server_url());
    if global.json {
        return output::json_pretty(&json!({
            "server": server,
            "server_name": info.server_name,
            "server_id": info.server_id,
            "version": info.version,
            "jetstream": info.jetstream,
            "max_payload": info.max_payload,
            "headers": info.headers,
            "cluster": info.cluster,
            "connect_ns": connect_time.as_nanos() as u64,
            "rtt_ns": rtt.as_nanos() as u64,
        }));
    }
    let jetstream = if info.jetstream {
        "enabled"
    } else {
        "disabled"
    };
    let cluster = info.cluster.as_deref().unwrap_or("none");
    // Servers without a configured name use their id as the name.
    let name = match info.server_name == info.server_id {
        true => info.server_id.clone(),
        false => format!("{} ({})", info.server_name, info.server_id),
    };
    let text = format!(
        "OK: connected to {server} in {connect}\n\
         Server:      {name}\n\
         Version:     {version}\n\
         Cluster:     {cluster}\n\
         JetStream:   {jetstream}\n\
         Max payload: {max_payload} ({max_bytes} bytes)\n\
         RTT:         {rtt}",
        connect = human(connect_time),
        version = info.version,
        max_payload = output::bytes(info.max_payload as u64),
        max_bytes = info.max_payload,
        rtt = human(rtt),
    );
    output::line(text)
}
