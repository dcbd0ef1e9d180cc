//! `natbus kv watch BUCKET [FILTER]`: the latest value of each matching key, then every
//! change, until `--count` entries or Ctrl-C.

use natbus_tokio::jetstream::JetStreamError;

use super::{WatchArgs, open, render};
use crate::cli::GlobalArgs;
use crate::commands::interrupted;
use crate::error::{CliError, CliResult};
use crate::jetstream::bucket_error;
use crate::output;

/// Watches and prints.
pub async fn run(global: &GlobalArgs, args: WatchArgs) -> CliResult {
    let (client, store) = open(global, &args.bucket).await?;
    let filter = args.filter.as_deref().unwrap_or(">");
    let mut watch = store.watch(filter).await.map_err(|e| match e {
        JetStreamError::Kv(kv) => CliError::Usage(kv.to_string()),
        e => bucket_error(&args.bucket, "watch")(e),
    })?;
    if !global.json {
        output::note(format!(
            "Watching bucket \"{}\" keys \"{filter}\"",
            args.bucket
        ));
    }
    let printing = async {
        let mut seen = 0u64;
        while let Some(item) = watch.next().await {
            let entry = match item {
                Ok(entry) => entry,
                // The ordered consumer recovers from these by itself.
                Err(e @ (JetStreamError::MissedHeartbeats(_) | JetStreamError::Warning(_))) => {
                    output::note(format!("natbus: warning: {e}"));
                    continue;
                }
                Err(e) => return Err(bucket_error(&args.bucket, "watch")(e)),
            };
            if global.json {
                output::json_line(&render::entry_json(&entry))?;
            } else {
                output::write_stdout(&render::watch_line(&entry))?;
            }
            seen += 1;
            if args.count.is_some_and(|count| seen >= count) {
                return Ok(());
            }
        }
        Err(CliError::BadAnswer(format!(
            "the connection closed after {seen} entries"
        )))
    };
    let outcome = tokio::select! {
        printed = printing => printed,
        () = interrupted() => Ok(()),
    };
    client.close().await;
    outcome
}
