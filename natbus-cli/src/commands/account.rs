//! `natbus account info`: the JetStream usage and limits of the account the connection
//! belongs to (`$JS.API.INFO`), as the `nats` CLI shows them.

use clap::{Args, Subcommand};
use natbus_tokio::jetstream::{AccountInfo, AccountLimits};

use crate::cli::GlobalArgs;
use crate::error::CliResult;
use crate::jetstream::{self, failed};
use crate::output::{self, bytes, fields, thousands};

/// Arguments of `natbus account`.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// What to show.
    #[command(subcommand)]
    pub command: AccountCommand,
}

/// The `account` subcommands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// JetStream usage against the account's limits: memory, storage, streams, consumers.
    Info,
}

/// Runs an `account` subcommand.
pub async fn run(global: &GlobalArgs, args: AccountArgs) -> CliResult {
    match args.command {
        AccountCommand::Info => info(global).await,
    }
}

async fn info(global: &GlobalArgs) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    let info = js.account_info().await;
    client.close().await;
    let info = info.map_err(failed("read the JetStream account information"))?;
    if global.json {
        output::json_pretty(&info)
    } else {
        output::write_stdout(render(&info).as_bytes())
    }
}

/// The text report: each resource as "used of limit".
fn render(info: &AccountInfo) -> String {
    let usage = &info.usage;
    let limits: &AccountLimits = &usage.limits;
    let of = |used: String, limit: i64, unit: fn(u64) -> String| match u64::try_from(limit) {
        Ok(limit) => format!("{used} of {}", unit(limit)),
        Err(_) => format!("{used} of unlimited"),
    };
    let rows = [
        ("Memory", of(bytes(usage.memory), limits.max_memory, bytes)),
        (
            "Storage",
            of(bytes(usage.storage), limits.max_storage, bytes),
        ),
        (
            "Streams",
            of(thousands(usage.streams), limits.max_streams, thousands),
        ),
        (
            "Consumers",
            of(thousands(usage.consumers), limits.max_consumers, thousands),
        ),
        (
            "Max Ack Pending",
            u64::try_from(limits.max_ack_pending)
                .ok()
                .filter(|&n| n > 0)
                .map_or("unlimited".to_owned(), thousands),
        ),
        (
            "API Requests",
            format!(
                "{} ({} errors)",
                thousands(info.api.total),
                thousands(info.api.errors)
            ),
        ),
        ("API Level", info.api.level.to_string()),
        (
            "Domain",
            info.domain.clone().unwrap_or_else(|| "-".to_owned()),
        ),
    ];
    format!(
        "JetStream Account Information:\n\n{}",
        fields(&rows.map(|(label, value)| (label, value)))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_below_zero_are_unlimited() {
        let mut info = AccountInfo::default();
        info.usage.storage = 2048;
        info.usage.streams = 3;
        info.usage.limits.max_memory = -1;
        info.usage.limits.max_storage = 1024 * 1024;
        info.usage.limits.max_streams = -1;
        info.usage.limits.max_consumers = 10;
        info.api.total = 1234;
        info.api.errors = 2;
        let text = render(&info);
        assert!(text.contains("Memory: 0 B of unlimited"), "{text}");
        assert!(text.contains("Storage: 2.0 KiB of 1.0 MiB"), "{text}");
        assert!(text.contains("Streams: 3 of unlimited"), "{text}");
        assert!(text.contains("Consumers: 0 of 10"), "{text}");
        assert!(text.contains("API Requests: 1,234 (2 errors)"), "{text}");
        assert!(text.contains("Domain: -"), "{text}");
    }
}
