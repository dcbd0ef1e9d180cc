//! `natbus bench SUBJECT`: publish/subscribe or request/reply throughput and latency,
//! each client on its own connection, as `nats bench` measures it.

mod jetstream;
mod js_stream;
mod pubsub;
mod report;
mod request;

use std::io::IsTerminal;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use natbus_tokio::Client;
use tokio::task::JoinHandle;

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::Storage;
use crate::{connect, output};

/// Arguments of `natbus bench`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  natbus bench demo --pub 1 --sub 2 --msgs 100000 --size 128\n  \
    natbus bench svc --request --pub 4 --sub 2 --msgs 10000 --size 1KB\n  \
    natbus bench orders --js --stream BENCH --storage memory --pub 2 --sub 2 --msgs 100000"
)]
pub struct BenchArgs {
    /// Subject to benchmark on.
    pub subject: String,
    /// Publishers (requesters with --request), one connection each.
    #[arg(long = "pub", default_value_t = 0, value_name = "N")]
    pub publishers: usize,
    /// Subscribers (responders with --request), one connection each.
    #[arg(long = "sub", default_value_t = 0, value_name = "N")]
    pub subscribers: usize,
    /// Messages to publish (or requests to send) in total, shared among the publishers.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub msgs: u64,
    /// Payload size: bytes, or with a unit (1KB, 64KiB, 1MB; binary multiples).
    #[arg(long, default_value = "128", value_parser = parse_size, value_name = "BYTES")]
    pub size: usize,
    /// Benchmark request/reply instead of publish/subscribe, with latency percentiles.
    #[arg(long)]
    pub request: bool,
    /// Benchmark JetStream: publishers wait for acks, subscribers pull from a consumer.
    #[arg(long, conflicts_with = "request")]
    pub js: bool,
    /// The stream to use with --js (created for the run when missing; default benchstream).
    #[arg(long, value_name = "NAME", requires = "js")]
    pub stream: Option<String>,
    /// Storage of a stream created for --js.
    #[arg(long, value_enum, default_value = "file", requires = "js")]
    pub storage: Storage,
    /// Keep a stream created for --js instead of removing it afterwards.
    #[arg(long, requires = "js")]
    pub keep: bool,
    /// Most publish acks in flight per --js publisher.
    #[arg(long, default_value_t = 256, value_parser = window, requires = "js", value_name = "N")]
    pub window: usize,
}

/// The stream `bench --js` uses without `--stream`, as `nats bench` names it.
const DEFAULT_STREAM: &str = "benchstream";

/// An ack window of 1 to 65536.
fn window(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=65_536).contains(&n) => Ok(n),
        _ => Err(format!("invalid window '{text}': use 1 to 65536")),
    }
}

/// Runs the benchmark the flags describe.
pub async fn run(global: &GlobalArgs, args: BenchArgs) -> CliResult {
    if args.js {
        if args.publishers == 0 && args.subscribers == 0 {
            return Err(CliError::Usage(
                "nothing to benchmark: give --pub N and/or --sub N".to_owned(),
            ));
        }
        return jetstream::run(global, &args).await;
    }
    if args.request {
        if args.publishers == 0 {
            return Err(CliError::Usage(
                "bench --request needs requesters: give --pub N (and --sub N responders)"
                    .to_owned(),
            ));
        }
        request::run(global, &args).await
    } else {
        if args.publishers == 0 && args.subscribers == 0 {
            return Err(CliError::Usage(
                "nothing to benchmark: give --pub N and/or --sub N".to_owned(),
            ));
        }
        pubsub::run(global, &args).await
    }
}

/// `128`, `1KB`/`1K`/`1KiB` (1024), `1MB` (1 MiB).
fn parse_size(text: &str) -> Result<usize, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: usize = number
        .parse()
        .map_err(|_| format!("invalid size '{text}': expected e.g. 128, 1KB or 1MB"))?;
    let multiplier = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1024,
        "M" | "MB" | "MIB" => 1024 * 1024,
        _ => return Err(format!("invalid size unit in '{text}': use B, KB or MB")),
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("size '{text}' is too large"))
}

/// How many of `total` messages client `index` of `clients` sends: an even split, the
/// first clients taking the remainder.
fn share(total: u64, clients: usize, index: usize) -> u64 {
    let clients = clients.max(1) as u64;
    total / clients + u64::from((index as u64) < total % clients)
}

/// `count` connections made with the global flags: each benchmark client has its own.
async fn connect_clients(global: &GlobalArgs, count: usize) -> CliResult<Vec<Client>> {
    let mut clients = Vec::with_capacity(count);
    for _ in 0..count {
        clients.push(connect::connect(global).await?);
    }
    Ok(clients)
}

/// Closes every benchmark connection once the clients are done.
async fn close_all<'a>(clients: impl IntoIterator<Item = &'a Client>) {
    for client in clients {
        client.close().await;
    }
}

/// Tells the person at the terminal what is about to run (nothing with `--json`):
/// `Starting <what>: <msgs> of <size> bytes, <publishers>, <subscribers>`, counted with
/// the `nouns` for a message, a publisher and a subscriber.
fn announce(global: &GlobalArgs, args: &BenchArgs, what: &str, nouns: [&str; 3]) {
    if global.json {
        return;
    }
    let [msg, publisher, subscriber] = nouns;
    output::note(format!(
        "Starting {what}: {} of {} bytes, {}, {}",
        output::count(args.msgs, msg),
        args.size,
        output::count(args.publishers as u64, publisher),
        output::count(args.subscribers as u64, subscriber),
    ));
}

/// A progress bar on stderr while people watch; hidden when stdout is not a terminal or
/// output is JSON.
fn progress(global: &GlobalArgs, total: u64) -> ProgressBar {
    if global.json || !std::io::stdout().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} msgs, eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// The results of background tasks, failing on the first error.
async fn join_all<T>(tasks: Vec<JoinHandle<CliResult<T>>>) -> CliResult<Vec<T>> {
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        let result = task
            .await
            .map_err(|e| CliError::Internal(format!("a benchmark client stopped: {e}")))?;
        results.push(result?);
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("128"), Ok(128));
        assert_eq!(parse_size("1KB"), Ok(1024));
        assert_eq!(parse_size("2kib"), Ok(2048));
        assert_eq!(parse_size("1MB"), Ok(1024 * 1024));
        assert!(parse_size("1GB").is_err());
        assert!(parse_size("KB").is_err());
    }

    #[test]
    fn shares_add_up() {
        let parts: Vec<u64> = (0..3).map(|i| share(10, 3, i)).collect();
        assert_eq!(parts, [4, 3, 3]);
        assert_eq!(share(5, 1, 0), 5);
    }
}
