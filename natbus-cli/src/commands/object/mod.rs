//! `natbus object …` (alias `obj`): object stores (streams named `OBJ_<bucket>`) holding
//! files of any size in chunks: add, put, get, info, ls, del, rm, status, watch, seal,
//! link.

mod change;
mod link;
mod read;
mod render;
mod transfer;
mod watch;

use std::path::PathBuf;

use clap::{Args, Subcommand};
use natbus_tokio::Client;
use natbus_tokio::jetstream::ObjectStore;

use crate::cli::GlobalArgs;
use crate::commands::kv::RmArgs;
use crate::error::CliResult;
use crate::jetstream::{self, BucketArgs, object_store_error};

/// Arguments of `natbus object`.
#[derive(Debug, Args)]
pub struct ObjectArgs {
    /// What to do with object stores and objects.
    #[command(subcommand)]
    pub command: ObjectCommand,
}

/// The object store commands.
#[derive(Debug, Subcommand)]
pub enum ObjectCommand {
    /// Create an object store.
    #[command(alias = "create")]
    Add(AddArgs),
    /// Store a file (or stdin) as an object, streamed in chunks.
    Put(PutArgs),
    /// Write an object to a file or stdout, checking its digest.
    Get(GetArgs),
    /// Show an object's description: size, chunks, digest, modification time.
    Info(NameArgs),
    /// List object stores, or the objects of one store.
    #[command(alias = "list")]
    Ls(LsArgs),
    /// Delete an object (its chunks are purged).
    #[command(alias = "delete")]
    Del(NameArgs),
    /// Delete an object store and all its objects.
    Rm(RmArgs),
    /// Show an object store's settings and size.
    Status(BucketArg),
    /// Print changes to objects as they happen (put, delete, link), until Ctrl-C.
    Watch(WatchArgs),
    /// Make an object store read-only for good.
    Seal(SealArgs),
    /// Add a name that stands for another object, or for a whole object store.
    Link(LinkArgs),
}

/// `object add`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus object add files\n  \
    natbus object add scratch --ttl 24h --storage memory --max-bytes 1GB")]
pub struct AddArgs {
    /// The bucket's name (letters, digits, '-' and '_').
    pub bucket: String,
    /// TTL, storage, replicas, size limit and description.
    #[command(flatten)]
    pub limits: BucketArgs,
}

/// `object put`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus object put files ./report.pdf\n  \
    tar c dir | natbus object put files - --object-name dir.tar")]
pub struct PutArgs {
    /// The bucket.
    pub bucket: String,
    /// The file to store; `-` reads stdin.
    pub file: PathBuf,
    /// The object's name; the file's name when absent. (`--name` is the connection's
    /// name, as for every command.)
    #[arg(long, value_name = "NAME")]
    pub object_name: Option<String>,
    /// A description of the object.
    #[arg(long)]
    pub description: Option<String>,
}

/// `object get`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  natbus object get files report.pdf -o report.pdf\n  \
    natbus object get files dir.tar | tar x"
)]
pub struct GetArgs {
    /// The bucket.
    pub bucket: String,
    /// The object's name.
    pub name: String,
    /// Write to this file instead of stdout (removed again if the data is corrupt).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite the output file if it exists.
    #[arg(short, long, requires = "output")]
    pub force: bool,
}

/// A bucket and object name.
#[derive(Debug, Args)]
pub struct NameArgs {
    /// The bucket.
    pub bucket: String,
    /// The object's name.
    pub name: String,
}

/// `object ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// List this store's objects instead of the stores.
    pub bucket: Option<String>,
}

/// A bucket.
#[derive(Debug, Args)]
pub struct BucketArg {
    /// The bucket.
    pub bucket: String,
}

/// `object watch`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus object watch files\n  \
    natbus object watch files --history --ignore-deletes")]
pub struct WatchArgs {
    /// The bucket.
    pub bucket: String,
    /// Start with the newest description of every object stored now.
    #[arg(long)]
    pub history: bool,
    /// Leave out deletes.
    #[arg(long)]
    pub ignore_deletes: bool,
}

/// `object seal`.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// The bucket.
    pub bucket: String,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub force: bool,
}

/// `object link`: to one object (`--to`) or to a whole store (`--bucket`).
#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("target").required(true).args(["to", "bucket_link"]),
    after_help = "Examples:\n  natbus object link files latest.pdf --to files/report-v3.pdf\n  \
    natbus object link files archive --bucket archive-2024"
)]
pub struct LinkArgs {
    /// The bucket the link is made in.
    pub bucket: String,
    /// The link's name.
    pub name: String,
    /// The object the link stands for, as BUCKET/NAME (the name may contain '/').
    #[arg(long, value_name = "BUCKET/NAME", value_parser = link::parse_target)]
    pub to: Option<link::Target>,
    /// The object store the link stands for as a whole.
    #[arg(long = "bucket", value_name = "BUCKET")]
    pub bucket_link: Option<String>,
}

/// Runs the object store command.
pub async fn run(global: &GlobalArgs, args: ObjectArgs) -> CliResult {
    match args.command {
        ObjectCommand::Add(a) => change::add(global, a).await,
        ObjectCommand::Put(a) => change::put(global, a).await,
        ObjectCommand::Get(a) => read::get(global, a).await,
        ObjectCommand::Info(a) => read::info(global, a).await,
        ObjectCommand::Ls(a) => read::ls(global, a).await,
        ObjectCommand::Del(a) => change::del(global, a).await,
        ObjectCommand::Rm(a) => change::rm(global, a).await,
        ObjectCommand::Status(a) => read::status(global, a).await,
        ObjectCommand::Watch(a) => watch::run(global, a).await,
        ObjectCommand::Seal(a) => change::seal(global, a).await,
        ObjectCommand::Link(a) => link::run(global, a).await,
    }
}

/// Connects and opens an existing object store.
///
/// # Errors
/// [`CliError::NotFound`](crate::error::CliError::NotFound) when the store does not exist.
async fn open(global: &GlobalArgs, bucket: &str) -> CliResult<(Client, ObjectStore)> {
    let (client, js) = jetstream::connect(global).await?;
    let store = js
        .object_store(bucket)
        .await
        .map_err(object_store_error(bucket, "open"))?;
    Ok((client, store))
}
