//! `natbus object …` (alias `obj`): object stores (streams named `OBJ_<bucket>`) holding
//! files of any size in chunks: add, put, get, info, ls, del, rm, status.

mod change;
mod read;
mod render;
mod transfer;

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
