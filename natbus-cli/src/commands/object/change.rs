//! The object store commands that change something: add, put, del, rm, seal.

use natbus_tokio::jetstream::{ObjectMeta, ObjectStoreConfig};
use serde_json::json;

use super::{AddArgs, NameArgs, PutArgs, SealArgs, open, render, transfer};
use crate::cli::GlobalArgs;
use crate::commands::kv::RmArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, object_store_error};
use crate::output;

/// `object add`: creates the store and prints its status.
pub async fn add(global: &GlobalArgs, args: AddArgs) -> CliResult {
    let limits = &args.limits;
    let mut config = ObjectStoreConfig::new(&args.bucket)
        .max_age(limits.ttl.unwrap_or_default())
        .storage(limits.storage.into());
    config.replicas = usize::from(limits.replicas);
    config.max_bytes = limits.max_bytes();
    config.description = limits.description.clone();
    let (client, js) = jetstream::connect(global).await?;
    let store = js
        .create_object_store(config)
        .await
        .map_err(object_store_error(&args.bucket, "create"))?;
    let status = store
        .status()
        .await
        .map_err(object_store_error(&args.bucket, "read the status of"))?;
    client.close().await;
    if global.json {
        output::json_pretty(&render::status_json(&status))
    } else {
        output::note(format!("Object store \"{}\" was created", args.bucket));
        output::write_stdout(render::status_text(&status).as_bytes())
    }
}

/// `object put`: streams the file into the store and prints the stored description.
pub async fn put(global: &GlobalArgs, args: PutArgs) -> CliResult {
    let name = match (&args.object_name, args.file.file_name()) {
        (Some(name), _) => name.clone(),
        (None, Some(file)) if args.file.as_os_str() != "-" => file.to_string_lossy().into_owned(),
        (None, _) => {
            return Err(CliError::Usage(format!(
                "no object name for '{}': give one with --object-name",
                args.file.display()
            )));
        }
    };
    let mut meta = ObjectMeta::new(&name);
    meta.description = args.description.clone();
    // Open the file first: a typo in its name should not cost a round trip.
    let (input, transfer) = transfer::open_input(&args.file, global.json).await?;
    let (client, store) = open(global, &args.bucket).await?;
    let info = store.put(meta, input).await.map_err(object_store_error(
        &args.bucket,
        &format!("store '{name}' in"),
    ));
    let summary = transfer.finish(info.as_ref().map_or(0, |i| i.size));
    client.close().await;
    let info = info?;
    if global.json {
        return output::json_pretty(&info);
    }
    output::note(format!(
        "Stored \"{name}\" in object store \"{}\": {summary}",
        args.bucket
    ));
    output::write_stdout(render::info_text(&info).as_bytes())
}

/// `object del`: marks the object deleted and purges its chunks.
pub async fn del(global: &GlobalArgs, args: NameArgs) -> CliResult {
    let (client, store) = open(global, &args.bucket).await?;
    store.delete(&args.name).await.map_err(object_store_error(
        &args.bucket,
        &format!("delete '{}' from", args.name),
    ))?;
    client.close().await;
    if global.json {
        output::json_line(&json!({"bucket": args.bucket, "name": args.name, "deleted": true}))
    } else {
        output::note(format!(
            "Deleted \"{}\" from object store \"{}\"",
            args.name, args.bucket
        ));
        Ok(())
    }
}

/// `object rm`: deletes the store with all its objects.
pub async fn rm(global: &GlobalArgs, args: RmArgs) -> CliResult {
    let bucket = args.bucket.as_str();
    let kind = ("object store", "objects");
    jetstream::remove_bucket(global, kind, bucket, args.force, async |js| {
        js.delete_object_store(bucket)
            .await
            .map_err(object_store_error(bucket, "delete"))
    })
    .await
}

/// `object seal`: asks first (unless `--force`), as sealing cannot be undone, then prints
/// the status, which now says "Sealed: yes".
pub async fn seal(global: &GlobalArgs, args: SealArgs) -> CliResult {
    output::confirm(
        &format!(
            "Really seal object store '{}': its objects can never be put, changed or deleted again",
            args.bucket
        ),
        args.force,
    )?;
    let (client, store) = open(global, &args.bucket).await?;
    let status = store
        .seal()
        .await
        .map_err(object_store_error(&args.bucket, "seal"));
    client.close().await;
    let status = status?;
    if global.json {
        output::json_pretty(&render::status_json(&status))
    } else {
        output::note(format!("Sealed object store \"{}\"", args.bucket));
        output::write_stdout(render::status_text(&status).as_bytes())
    }
}
