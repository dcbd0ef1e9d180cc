//! The key-value commands that read: get, ls, history.

use natbus_tokio::proto::jetstream::kv::BucketStatus;
use natbus_tokio::proto::jetstream::kv::STREAM_PREFIX;
use serde_json::Value;

use super::change::key_error;
use super::{GetArgs, KeyArgs, LsArgs, open, render};
use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, failed};
use crate::output;

/// `kv get`: the latest value (or the one at `--revision`); a missing key is an error.
pub async fn get(global: &GlobalArgs, args: GetArgs) -> CliResult {
    let (client, store) = open(global, &args.bucket).await?;
    let entry = match args.revision {
        Some(revision) => store.entry_at(&args.key, revision).await,
        None => store.entry(&args.key).await,
    }
    .map_err(key_error(&args.bucket, &args.key, "read"))?;
    client.close().await;
    let Some(entry) = entry else {
        let at = args
            .revision
            .map(|r| format!(" at revision {r}"))
            .unwrap_or_default();
        return Err(CliError::NotFound(format!(
            "key '{}' not found in bucket '{}'{at}",
            args.key, args.bucket
        )));
    };
    if global.json {
        output::json_line(&render::entry_json(&entry))
    } else if args.raw {
        output::write_stdout(&entry.value)
    } else {
        output::write_stdout(&render::entry_text(&entry))
    }
}

/// `kv ls`: the buckets (streams named `KV_…`), or with a bucket its keys.
pub async fn ls(global: &GlobalArgs, args: LsArgs) -> CliResult {
    if let Some(bucket) = &args.bucket {
        let (client, store) = open(global, bucket).await?;
        let mut keys = store
            .keys()
            .await
            .map_err(crate::jetstream::bucket_error(bucket, "list the keys of"))?;
        client.close().await;
        keys.sort();
        if global.json {
            return output::json_pretty(&keys);
        }
        if keys.is_empty() {
            output::note(format!("No keys in bucket \"{bucket}\""));
        }
        return keys.iter().try_for_each(output::line);
    }
    let (client, js) = jetstream::connect(global).await?;
    let streams = js.streams(None).await.map_err(failed("list buckets"))?;
    client.close().await;
    let mut buckets: Vec<BucketStatus> = streams
        .iter()
        .filter(|s| s.config.name.starts_with(STREAM_PREFIX))
        .filter_map(BucketStatus::from_stream_info)
        .collect();
    buckets.sort_by(|a, b| a.bucket.cmp(&b.bucket));
    if global.json {
        let all: Vec<Value> = buckets.iter().map(render::status_json).collect();
        return output::json_pretty(&all);
    }
    if buckets.is_empty() {
        output::note("No key-value buckets defined");
        return Ok(());
    }
    output::write_stdout(render::bucket_table(&buckets).as_bytes())
}

/// `kv history`: every stored revision of a key, oldest first.
pub async fn history(global: &GlobalArgs, args: KeyArgs) -> CliResult {
    let (client, store) = open(global, &args.bucket).await?;
    let entries = store.history(&args.key).await.map_err(key_error(
        &args.bucket,
        &args.key,
        "read the history of",
    ))?;
    client.close().await;
    if entries.is_empty() {
        return Err(CliError::NotFound(format!(
            "key '{}' not found in bucket '{}'",
            args.key, args.bucket
        )));
    }
    if global.json {
        let all: Vec<Value> = entries.iter().map(render::entry_json).collect();
        output::json_pretty(&all)
    } else {
        output::write_stdout(render::history_table(&entries).as_bytes())
    }
}
