//! The key-value commands that change something (add, put, create, update, del, purge,
//! rm), and `info`, which shows what `add` made.

use natbus_tokio::jetstream::{JetStreamError, KeyValueConfig};
use serde_json::json;

use std::time::Duration;

use super::{AddArgs, BucketName, CreateArgs, KeyArgs, PutArgs, RmArgs, UpdateArgs, open, render};
use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, bucket_error};
use crate::output;

/// `kv add`: creates the bucket and prints its status.
pub async fn add(global: &GlobalArgs, args: AddArgs) -> CliResult {
    let mut config = KeyValueConfig::new(&args.bucket);
    config.history = args.history;
    config.max_age = args.limits.ttl.unwrap_or_default();
    config.storage = args.limits.storage.into();
    config.replicas = usize::from(args.limits.replicas);
    config.max_bytes = args.limits.max_bytes();
    config.description = args.limits.description.clone();
    config.limit_marker_ttl = args.marker_ttl;
    let (client, js) = jetstream::connect(global).await?;
    let store = js
        .create_key_value(config)
        .await
        .map_err(bucket_error(&args.bucket, "create"))?;
    let status = store
        .status()
        .await
        .map_err(bucket_error(&args.bucket, "read the status of"))?;
    client.close().await;
    if global.json {
        output::json_pretty(&render::status_json(&status))
    } else {
        output::note(format!("Bucket \"{}\" was created", args.bucket));
        output::write_stdout(render::status_text(&status).as_bytes())
    }
}

/// How `put`, `create` and `update` store a value.
#[derive(Debug, Clone, Copy)]
enum Write {
    /// Whatever the key holds.
    Put,
    /// Only when the key holds nothing, expiring after the TTL if given.
    Create(Option<Duration>),
    /// Only when the key is still at this revision.
    Update(u64),
}

/// `kv put`: stores the value and says at which revision.
pub async fn put(global: &GlobalArgs, args: PutArgs) -> CliResult {
    write(global, args, Write::Put).await
}

/// `kv create`: stores the value only if the key has none.
pub async fn create(global: &GlobalArgs, args: CreateArgs) -> CliResult {
    write(global, args.put, Write::Create(args.ttl)).await
}

/// `kv update`: stores the value only if the key is still at the given revision.
pub async fn update(global: &GlobalArgs, args: UpdateArgs) -> CliResult {
    let put = PutArgs {
        bucket: args.bucket,
        key: args.key,
        value: args.value,
    };
    write(global, put, Write::Update(args.revision)).await
}

async fn write(global: &GlobalArgs, args: PutArgs, how: Write) -> CliResult {
    let value = output::body_or_stdin(args.value.as_deref(), false)?;
    let (client, store) = open(global, &args.bucket).await?;
    let stored = match how {
        Write::Put => store.put(&args.key, value).await,
        Write::Create(None) => store.create(&args.key, value).await,
        Write::Create(Some(ttl)) => store.create_with_ttl(&args.key, value, ttl).await,
        Write::Update(revision) => store.update(&args.key, value, revision).await,
    };
    client.close().await;
    let revision = stored.map_err(|e| match (how, e) {
        (_, JetStreamError::KeyExists { .. }) => CliError::Conflict(format!(
            "key '{}' in bucket '{}' already has a value",
            args.key, args.bucket
        )),
        (Write::Update(revision), e)
            if e.api_error()
                .is_some_and(|api| api.is_wrong_last_sequence()) =>
        {
            CliError::Conflict(format!(
                "key '{}' in bucket '{}' is no longer at revision {revision}",
                args.key, args.bucket
            ))
        }
        (_, e) => key_error(&args.bucket, &args.key, "store")(e),
    })?;
    if global.json {
        output::json_line(&json!({"bucket": args.bucket, "key": args.key, "revision": revision}))
    } else {
        output::note(format!(
            "Stored \"{}\" in bucket \"{}\" at revision {revision}",
            args.key, args.bucket
        ));
        Ok(())
    }
}

/// `kv del` (a delete marker; the history stays until purged or aged out) and, with
/// `purge`, `kv purge` (the key and all its revisions).
pub async fn remove(
    global: &GlobalArgs,
    args: KeyArgs,
    purge: Option<Option<Duration>>,
) -> CliResult {
    let (client, store) = open(global, &args.bucket).await?;
    let removed = match purge {
        None => store.delete(&args.key).await,
        Some(None) => store.purge(&args.key).await,
        Some(Some(ttl)) => store.purge_with_ttl(&args.key, ttl).await,
    };
    let purge = purge.is_some();
    client.close().await;
    let verb = if purge { "purge" } else { "delete" };
    let revision = removed.map_err(key_error(&args.bucket, &args.key, verb))?;
    if global.json {
        let done = if purge { "purged" } else { "deleted" };
        output::json_line(&json!({
            "bucket": args.bucket, "key": args.key, "revision": revision, done: true,
        }))
    } else if purge {
        output::note(format!(
            "Purged \"{}\" and its history from bucket \"{}\"",
            args.key, args.bucket
        ));
        Ok(())
    } else {
        output::note(format!(
            "Deleted \"{}\" from bucket \"{}\" (revision {revision})",
            args.key, args.bucket
        ));
        Ok(())
    }
}

/// `kv info`: the bucket's settings and size.
pub async fn info(global: &GlobalArgs, args: BucketName) -> CliResult {
    let (client, store) = open(global, &args.bucket).await?;
    let status = store.status().await;
    client.close().await;
    let status = status.map_err(bucket_error(&args.bucket, "read the status of"))?;
    if global.json {
        output::json_pretty(&render::status_json(&status))
    } else {
        output::write_stdout(render::status_text(&status).as_bytes())
    }
}

/// `kv rm`: deletes the bucket.
pub async fn rm(global: &GlobalArgs, args: RmArgs) -> CliResult {
    let bucket = args.bucket.as_str();
    jetstream::remove_bucket(global, ("bucket", "keys"), bucket, args.force, async |js| {
        js.delete_key_value(bucket)
            .await
            .map_err(bucket_error(bucket, "delete"))
    })
    .await
}

/// The error of a failed call on `key`: an invalid key is a usage error, the rest as
/// [`bucket_error`].
pub fn key_error(
    bucket: &str,
    key: &str,
    what: &str,
) -> impl FnOnce(natbus_tokio::jetstream::JetStreamError) -> CliError + use<> {
    let (bucket, what) = (bucket.to_owned(), format!("{what} key '{key}' in"));
    move |e| match e {
        natbus_tokio::jetstream::JetStreamError::Kv(kv) => CliError::Usage(kv.to_string()),
        e => bucket_error(&bucket, &what)(e),
    }
}
