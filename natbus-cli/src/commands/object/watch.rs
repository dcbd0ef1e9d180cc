//! `natbus object watch BUCKET`: every change of the store's objects (put, delete, link)
//! as it is stored, until Ctrl-C.

use natbus_tokio::jetstream::{JetStreamError, ObjectWatchOptions};

use super::{WatchArgs, open, render};
use crate::cli::GlobalArgs;
use crate::commands::interrupted;
use crate::error::{CliError, CliResult};
use crate::jetstream::object_store_error;
use crate::output;

/// Watches and prints.
pub async fn run(global: &GlobalArgs, args: WatchArgs) -> CliResult {
    let (client, store) = open(global, &args.bucket).await?;
    let mut options = ObjectWatchOptions::default();
    if args.history {
        options = options.include_history();
    }
    if args.ignore_deletes {
        options = options.ignore_deletes();
    }
    let watched = store.watch_with(options).await;
    let mut watch = match watched {
        Ok(watch) => watch,
        Err(e) => {
            client.close().await;
            return Err(object_store_error(&args.bucket, "watch")(e));
        }
    };
    if !global.json {
        output::note(format!("Watching object store \"{}\"", args.bucket));
    }
    let printing = async {
        let mut seen = 0u64;
        while let Some(item) = watch.next().await {
            let info = match item {
                Ok(info) => info,
                // The ordered consumer recovers from these by itself.
                Err(e @ (JetStreamError::MissedHeartbeats(_) | JetStreamError::Warning(_))) => {
                    output::note(format!("natbus: warning: {e}"));
                    continue;
                }
                Err(e) => return Err(object_store_error(&args.bucket, "watch")(e)),
            };
            if global.json {
                output::json_line(&info)?;
            } else {
                output::write_stdout(render::watch_line(&info).as_bytes())?;
            }
            seen += 1;
        }
        Err(CliError::BadAnswer(format!(
            "the connection closed after {seen} changes"
        )))
    };
    let outcome = tokio::select! {
        printed = printing => printed,
        () = interrupted() => Ok(()),
    };
    client.close().await;
    outcome
}
