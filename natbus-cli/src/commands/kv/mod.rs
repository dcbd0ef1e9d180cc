//! `natbus kv …`: key-value buckets (streams named `KV_<bucket>`): add, info, put, create,
//! update, get, del, purge, ls, watch, history, rm.

mod change;
mod read;
mod render;
mod watch;

use clap::{Args, Subcommand};
use natbus_tokio::Client;
use natbus_tokio::jetstream::Store;

use crate::cli::GlobalArgs;
use crate::error::CliResult;
use crate::jetstream::{self, BucketArgs, bucket_error};

/// Arguments of `natbus kv`.
#[derive(Debug, Args)]
pub struct KvArgs {
    /// What to do with buckets and keys.
    #[command(subcommand)]
    pub command: KvCommand,
}

/// The key-value commands.
#[derive(Debug, Subcommand)]
pub enum KvCommand {
    /// Create a bucket.
    Add(AddArgs),
    /// Show a bucket's settings and size.
    #[command(alias = "status")]
    Info(BucketName),
    /// Store a value under a key (read from stdin when absent).
    Put(PutArgs),
    /// Store a value only if the key has none (never set, deleted or purged), optionally
    /// expiring after --ttl.
    Create(CreateArgs),
    /// Store a value only if the key is still at the given revision (compare-and-set).
    Update(UpdateArgs),
    /// Print a key's value.
    Get(GetArgs),
    /// Delete a key (its history stays until purged or aged out).
    #[command(alias = "delete")]
    Del(KeyArgs),
    /// Delete a key and all its history (and with --ttl the purge marker after that).
    Purge(PurgeArgs),
    /// List buckets, or the keys of one bucket.
    #[command(alias = "list")]
    Ls(LsArgs),
    /// Print changes to keys as they happen (the latest values first).
    Watch(WatchArgs),
    /// Print every stored revision of a key.
    History(KeyArgs),
    /// Delete a bucket and all its keys.
    Rm(RmArgs),
}

/// `kv add`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus kv add config\n  \
    natbus kv add sessions --history 5 --ttl 1h --storage memory")]
pub struct AddArgs {
    /// The bucket's name (letters, digits, '-' and '_').
    pub bucket: String,
    /// Revisions kept per key (1 to 64).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=64))]
    pub history: u8,
    /// TTL, storage, replicas, size limit and description.
    #[command(flatten)]
    pub limits: BucketArgs,
    /// Leave a marker for this long when a key expires or is purged with --ttl, so
    /// watchers see it go; needed for `kv create --ttl` (nats-server 2.11+, at least 1s).
    #[arg(long, value_parser = crate::duration::parse, value_name = "DURATION")]
    pub marker_ttl: Option<std::time::Duration>,
}

/// `kv create`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus kv create config app.color blue\n  \
    natbus kv create sessions user.42 token --ttl 15m   # bucket made with --marker-ttl")]
pub struct CreateArgs {
    /// The bucket, key and value.
    #[command(flatten)]
    pub put: PutArgs,
    /// The key expires after this (nats-server 2.11+, at least 1s; the bucket needs
    /// --marker-ttl).
    #[arg(long, value_parser = crate::duration::parse, value_name = "DURATION")]
    pub ttl: Option<std::time::Duration>,
}

/// `kv purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The bucket and key.
    #[command(flatten)]
    pub key: KeyArgs,
    /// Remove the purge marker too after this (nats-server 2.11+, at least 1s; the bucket
    /// needs --marker-ttl).
    #[arg(long, value_parser = crate::duration::parse, value_name = "DURATION")]
    pub ttl: Option<std::time::Duration>,
}

/// `kv put`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus kv put config app.color blue\n  \
    cat settings.json | natbus kv put config app.settings")]
pub struct PutArgs {
    /// The bucket.
    pub bucket: String,
    /// The key (letters, digits and '-/_=.').
    pub key: String,
    /// The value; read from stdin when absent.
    pub value: Option<String>,
}

/// `kv update`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  natbus kv update config app.color green --revision 4\n  \
    natbus kv get config app.color --json   # shows the revision to give"
)]
pub struct UpdateArgs {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The new value; read from stdin when absent.
    pub value: Option<String>,
    /// The revision the key must still be at (from `kv get` or `kv put`).
    #[arg(long, value_name = "N")]
    pub revision: u64,
}

/// A bucket's name.
#[derive(Debug, Args)]
pub struct BucketName {
    /// The bucket.
    pub bucket: String,
}

/// `kv get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The value at this revision instead of the latest.
    #[arg(long, value_name = "N")]
    pub revision: Option<u64>,
    /// Print only the value, exactly as stored.
    #[arg(short, long, conflicts_with = "json")]
    pub raw: bool,
}

/// A bucket and key.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
}

/// `kv ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// List this bucket's keys instead of the buckets.
    pub bucket: Option<String>,
}

/// `kv watch`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus kv watch config\n  \
    natbus kv watch config 'app.*' --count 5")]
pub struct WatchArgs {
    /// The bucket.
    pub bucket: String,
    /// Only keys matching this filter (`*` and a trailing `>` allowed); all when absent.
    pub filter: Option<String>,
    /// Exit after this many entries.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
}

/// A bucket to delete: `kv rm`, `object rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The bucket.
    pub bucket: String,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub force: bool,
}

/// Runs the key-value command.
pub async fn run(global: &GlobalArgs, args: KvArgs) -> CliResult {
    match args.command {
        KvCommand::Add(a) => change::add(global, a).await,
        KvCommand::Info(a) => change::info(global, a).await,
        KvCommand::Put(a) => change::put(global, a).await,
        KvCommand::Create(a) => change::create(global, a).await,
        KvCommand::Update(a) => change::update(global, a).await,
        KvCommand::Get(a) => read::get(global, a).await,
        KvCommand::Del(a) => change::remove(global, a, None).await,
        KvCommand::Purge(a) => change::remove(global, a.key, Some(a.ttl)).await,
        KvCommand::Ls(a) => read::ls(global, a).await,
        KvCommand::Watch(a) => watch::run(global, a).await,
        KvCommand::History(a) => read::history(global, a).await,
        KvCommand::Rm(a) => change::rm(global, a).await,
    }
}

/// Connects and opens an existing bucket.
///
/// # Errors
/// [`CliError::NotFound`](crate::error::CliError::NotFound) when the bucket does not exist.
async fn open(global: &GlobalArgs, bucket: &str) -> CliResult<(Client, Store)> {
    let (client, js) = jetstream::connect(global).await?;
    let store = js
        .key_value(bucket)
        .await
        .map_err(bucket_error(bucket, "open"))?;
    Ok((client, store))
}
