//! `natbus counter add/get`: the counters of a stream created with `--allow-counter`
//! (ADR-49, nats-server 2.12+): every subject of such a stream holds a number.

use clap::{Args, Subcommand};
use natbus_tokio::jetstream::{CounterEntry, CounterValue, Counters};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, stream_error};
use crate::output;

/// Arguments of `natbus counter`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  natbus stream add HITS --subjects 'hits.>' --allow-counter\n  \
    natbus counter add HITS hits.home          # +1, prints the new total\n  \
    natbus counter add HITS hits.home -5\n  \
    natbus counter add HITS hits.home 100000000000000000000000\n  \
    natbus counter get HITS hits.home\n  \
    natbus --json counter get HITS hits.all    # with what each source stream contributed"
)]
pub struct CounterArgs {
    /// What to do with counters.
    #[command(subcommand)]
    pub command: CounterCommand,
}

/// The counter commands.
#[derive(Debug, Subcommand)]
pub enum CounterCommand {
    /// Add to (or, negative, subtract from) a counter and print its new total.
    #[command(alias = "incr")]
    Add(AddArgs),
    /// Print a counter's total (and with --json the last add and each source's share).
    Get(GetArgs),
}

/// `counter add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The counter stream.
    pub stream: String,
    /// The counter's subject.
    pub subject: String,
    /// The amount: an integer of any size, negative to subtract.
    #[arg(default_value = "1", allow_negative_numbers = true, value_parser = parse_amount)]
    pub amount: CounterValue,
}

/// `counter get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The counter stream.
    pub stream: String,
    /// The counter's subject.
    pub subject: String,
}

fn parse_amount(text: &str) -> Result<CounterValue, String> {
    text.parse().map_err(|e| format!("{e}"))
}

/// Runs one counter command.
pub async fn run(global: &GlobalArgs, args: CounterArgs) -> CliResult {
    match args.command {
        CounterCommand::Add(args) => add(global, args).await,
        CounterCommand::Get(args) => get(global, args).await,
    }
}

/// Opens the counters of `stream`.
async fn open(global: &GlobalArgs, stream: &str) -> CliResult<(natbus_tokio::Client, Counters)> {
    let (client, js) = jetstream::connect(global).await?;
    match js.counters(stream).await {
        Ok(counters) => Ok((client, counters)),
        Err(e) => {
            client.close().await;
            Err(stream_error(stream, "open the counters of")(e))
        }
    }
}

async fn add(global: &GlobalArgs, args: AddArgs) -> CliResult {
    let (client, counters) = open(global, &args.stream).await?;
    let total = counters.add(&args.subject, args.amount).await;
    client.close().await;
    let total = total.map_err(|source| CliError::JetStream {
        what: format!("could not add to the counter '{}'", args.subject),
        source,
    })?;
    if global.json {
        output::json_line(&json!({"subject": args.subject, "value": total}))
    } else {
        output::write_stdout(format!("{total}\n").as_bytes())
    }
}

async fn get(global: &GlobalArgs, args: GetArgs) -> CliResult {
    let (client, counters) = open(global, &args.stream).await?;
    let entry = counters.get(&args.subject).await;
    client.close().await;
    let entry = entry
        .map_err(|source| CliError::JetStream {
            what: format!("could not read the counter '{}'", args.subject),
            source,
        })?
        .ok_or_else(|| {
            CliError::NotFound(format!(
                "no counter '{}' in stream '{}'",
                args.subject, args.stream
            ))
        })?;
    if global.json {
        output::json_line(&entry_json(&entry))
    } else {
        output::write_stdout(format!("{}\n", entry.value).as_bytes())
    }
}

/// `{"subject", "value", "increment", "sources": {stream: {subject: value}}}`.
fn entry_json(entry: &CounterEntry) -> serde_json::Value {
    json!({
        "subject": entry.subject,
        "value": entry.value,
        "increment": entry.increment,
        "sources": entry.sources,
    })
}
