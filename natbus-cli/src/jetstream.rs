//! What the JetStream commands share: the connection, flag values that map onto
//! JetStream enums, and turning failures into one sentence ("stream 'X' not found").

use std::collections::BTreeMap;
use std::time::Duration;

use clap::{Args, ValueEnum};
use natbus_tokio::Client;
use natbus_tokio::jetstream::{
    AckPolicy, DeliverPolicy, DiscardPolicy, JetStream, JetStreamError, PriorityPolicy,
    RetentionPolicy, StorageType,
};
use natbus_tokio::proto::jetstream::object::ObjectError;
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::connect;
use crate::error::{CliError, CliResult};
use crate::output;

/// Connects and makes a JetStream context whose calls wait at most `--timeout`.
///
/// # Errors
/// As [`connect::connect`].
pub async fn connect(global: &GlobalArgs) -> CliResult<(Client, JetStream)> {
    let client = connect::connect(global).await?;
    let js = client.jetstream().with_timeout(global.timeout);
    Ok((client, js))
}

/// `kv rm` and `object rm`: asks first (unless `force`), deletes bucket `bucket` of `kind`
/// (holding `contents`) with `delete`, and says so.
///
/// # Errors
/// No confirmation, no connection, or what `delete` returns.
pub async fn remove_bucket(
    global: &GlobalArgs,
    (kind, contents): (&str, &str),
    bucket: &str,
    force: bool,
    delete: impl AsyncFnOnce(&JetStream) -> CliResult<bool>,
) -> CliResult {
    output::confirm(
        &format!("Really delete {kind} '{bucket}' and all its {contents}"),
        force,
    )?;
    let (client, js) = connect(global).await?;
    let deleted = delete(&js).await;
    client.close().await;
    deleted?;
    if global.json {
        output::json_line(&json!({"bucket": bucket, "deleted": true}))
    } else {
        output::note(format!("Deleted {kind} \"{bucket}\""));
        Ok(())
    }
}

/// `--storage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Storage {
    /// On disk.
    File,
    /// In memory only.
    Memory,
}

impl From<Storage> for StorageType {
    fn from(s: Storage) -> Self {
        match s {
            Storage::File => StorageType::File,
            Storage::Memory => StorageType::Memory,
        }
    }
}

/// The settings every bucket kind (key-value, object store) takes on `add`.
#[derive(Debug, Args)]
pub struct BucketArgs {
    /// Remove entries older than this (e.g. 1h); unlimited when absent.
    #[arg(long, value_parser = crate::duration::parse, value_name = "DURATION")]
    pub ttl: Option<Duration>,
    /// Where data is stored.
    #[arg(long, value_enum, default_value = "file")]
    pub storage: Storage,
    /// Number of copies in a cluster (1 to 5).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub replicas: u8,
    /// Most bytes the bucket may hold (e.g. 1GB).
    #[arg(long, value_parser = crate::size::parse, value_name = "BYTES")]
    pub max_bytes: Option<u64>,
    /// A description of the bucket.
    #[arg(long)]
    pub description: Option<String>,
}

impl BucketArgs {
    /// `--max-bytes` as a stream limit: -1 when unlimited.
    pub fn max_bytes(&self) -> i64 {
        // `size::parse` keeps sizes within i64.
        self.max_bytes
            .and_then(|b| i64::try_from(b).ok())
            .unwrap_or(-1)
    }
}

/// `--retention`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Retention {
    /// Keep messages until a limit removes them.
    Limits,
    /// Keep messages while a consumer still has to deliver them.
    Interest,
    /// Remove each message once a consumer acknowledged it.
    Workqueue,
}

impl From<Retention> for RetentionPolicy {
    fn from(r: Retention) -> Self {
        match r {
            Retention::Limits => RetentionPolicy::Limits,
            Retention::Interest => RetentionPolicy::Interest,
            Retention::Workqueue => RetentionPolicy::WorkQueue,
        }
    }
}

/// `--discard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Discard {
    /// Drop the oldest messages to make room.
    Old,
    /// Refuse new messages.
    New,
}

impl From<Discard> for DiscardPolicy {
    fn from(d: Discard) -> Self {
        match d {
            Discard::Old => DiscardPolicy::Old,
            Discard::New => DiscardPolicy::New,
        }
    }
}

/// `--ack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ack {
    /// Every message is acknowledged on its own.
    Explicit,
    /// No acknowledgements: delivered means done.
    None,
    /// Acknowledging a message acknowledges every earlier one.
    All,
}

impl From<Ack> for AckPolicy {
    fn from(a: Ack) -> Self {
        match a {
            Ack::Explicit => AckPolicy::Explicit,
            Ack::None => AckPolicy::None,
            Ack::All => AckPolicy::All,
        }
    }
}

/// `--priority-policy`: how a pull consumer's clients share its messages (2.11+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Priority {
    /// Clients pulling with --min-pending/--min-ack-pending are served only past them.
    Overflow,
    /// One client gets every message; the others stand by until it is unpinned or idle.
    Pinned,
    /// The pulls with the lowest --priority (0-9) are served first (2.12+).
    Prioritized,
}

impl From<Priority> for PriorityPolicy {
    fn from(p: Priority) -> Self {
        match p {
            Priority::Overflow => PriorityPolicy::Overflow,
            Priority::Pinned => PriorityPolicy::PinnedClient,
            Priority::Prioritized => PriorityPolicy::Prioritized,
        }
    }
}

/// `--metadata KEY=VALUE`.
///
/// # Errors
/// A message saying what an entry looks like, or that `_nats.` keys are the server's.
pub fn parse_metadata(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("invalid metadata '{text}': expected KEY=VALUE"))?;
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("invalid metadata '{text}': the key is empty"));
    }
    if key.starts_with("_nats.") {
        return Err(format!(
            "metadata key '{key}' is reserved: the server sets the _nats.* keys"
        ));
    }
    Ok((key.to_owned(), value.to_owned()))
}

/// Sets the `--metadata` entries, then removes the `--remove-metadata` keys.
pub fn apply_metadata(
    metadata: &mut BTreeMap<String, String>,
    set: &[(String, String)],
    remove: &[String],
) {
    for (key, value) in set {
        metadata.insert(key.clone(), value.clone());
    }
    for key in remove {
        metadata.remove(key.trim());
    }
}

/// User metadata as `info` prints it: `key=value, key=value`, sorted by key.
pub fn metadata_text(metadata: &BTreeMap<&str, &str>) -> String {
    metadata
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `--deliver all|new|last|last-per-subject|SEQ`.
///
/// # Errors
/// A message listing the accepted values.
pub fn parse_deliver(text: &str) -> Result<DeliverPolicy, String> {
    match text {
        "all" => Ok(DeliverPolicy::All),
        "new" => Ok(DeliverPolicy::New),
        "last" => Ok(DeliverPolicy::Last),
        "last-per-subject" | "last_per_subject" => Ok(DeliverPolicy::LastPerSubject),
        seq => match seq.parse::<u64>() {
            Ok(n) if n > 0 => Ok(DeliverPolicy::ByStartSequence(n)),
            _ => Err(format!(
                "invalid deliver policy '{text}': use all, new, last, last-per-subject or a \
                 stream sequence (1 or more)"
            )),
        },
    }
}

/// The error for a failed call on stream `stream`: "stream 'X' not found" when it does
/// not exist, else `could not <what> stream 'X'` with the cause.
pub fn stream_error(stream: &str, what: &str) -> impl FnOnce(JetStreamError) -> CliError + use<> {
    let stream = stream.to_owned();
    let what = what.to_owned();
    move |e| match e.api_error() {
        Some(api) if api.is_stream_not_found() => {
            CliError::NotFound(format!("stream '{stream}' not found"))
        }
        _ => CliError::JetStream {
            what: format!("could not {what} stream '{stream}'"),
            source: e,
        },
    }
}

/// As [`stream_error`], for consumer `consumer` of `stream`.
pub fn consumer_error(
    stream: &str,
    consumer: &str,
    what: &str,
) -> impl FnOnce(JetStreamError) -> CliError + use<> {
    let (stream, consumer, what) = (stream.to_owned(), consumer.to_owned(), what.to_owned());
    move |e| match e.api_error() {
        Some(api) if api.is_stream_not_found() => {
            CliError::NotFound(format!("stream '{stream}' not found"))
        }
        Some(api) if api.is_consumer_not_found() => CliError::NotFound(format!(
            "consumer '{consumer}' not found on stream '{stream}'"
        )),
        _ => CliError::JetStream {
            what: format!("could not {what} consumer '{consumer}' of stream '{stream}'"),
            source: e,
        },
    }
}

/// As [`stream_error`], for key-value bucket `bucket`.
pub fn bucket_error(bucket: &str, what: &str) -> impl FnOnce(JetStreamError) -> CliError + use<> {
    store_error("key-value bucket", bucket, what)
}

/// As [`stream_error`], for object store `bucket`; a missing object is "not found" too,
/// and a bad bucket or object name, a link that cannot be made or followed, and a write to
/// a sealed store are one-line usage errors.
pub fn object_store_error(
    bucket: &str,
    what: &str,
) -> impl FnOnce(JetStreamError) -> CliError + use<> {
    store_error("object store", bucket, what)
}

/// The error of a failed call on a bucket of `kind`: "<kind> 'X' not found" when it does
/// not exist, else `could not <what> bucket 'X'` with the cause.
fn store_error(
    kind: &'static str,
    bucket: &str,
    what: &str,
) -> impl FnOnce(JetStreamError) -> CliError + use<> {
    let (bucket, what) = (bucket.to_owned(), what.to_owned());
    move |e| {
        let missing = matches!(
            e,
            JetStreamError::BucketNotFound(_) | JetStreamError::ObjectStoreNotFound(_)
        ) || e.api_error().is_some_and(|a| a.is_stream_not_found());
        match e {
            _ if missing => CliError::NotFound(format!("{kind} '{bucket}' not found")),
            JetStreamError::ObjectNotFound { .. } => CliError::NotFound(e.to_string()),
            JetStreamError::Object(
                ObjectError::InvalidBucket(_)
                | ObjectError::EmptyName
                | ObjectError::ZeroChunkSize
                | ObjectError::LinkToLink { .. }
                | ObjectError::LinkToDeleted { .. }
                | ObjectError::BucketLink { .. }
                | ObjectError::NameInUse { .. },
            ) => CliError::Usage(e.to_string()),
            // Already one sentence naming the bucket and what still works.
            JetStreamError::ObjectStoreSealed(_) => CliError::Usage(e.to_string()),
            e => CliError::JetStream {
                what: format!("could not {what} bucket '{bucket}'"),
                source: e,
            },
        }
    }
}

/// A general JetStream failure while doing `what`.
pub fn failed(what: &str) -> impl FnOnce(JetStreamError) -> CliError + use<> {
    let what = what.to_owned();
    move |source| CliError::JetStream {
        what: format!("could not {what}"),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliver_policies() {
        assert_eq!(parse_deliver("all"), Ok(DeliverPolicy::All));
        assert_eq!(parse_deliver("new"), Ok(DeliverPolicy::New));
        assert_eq!(parse_deliver("last"), Ok(DeliverPolicy::Last));
        assert_eq!(
            parse_deliver("last-per-subject"),
            Ok(DeliverPolicy::LastPerSubject)
        );
        assert_eq!(parse_deliver("42"), Ok(DeliverPolicy::ByStartSequence(42)));
        for bad in ["0", "-1", "first", ""] {
            assert!(parse_deliver(bad).is_err(), "{bad}");
        }
    }
}
