//! The object store commands that read: get, info, ls, status.

use natbus_tokio::jetstream::{ObjectStore, ObjectStoreStatus};
use natbus_tokio::proto::jetstream::object::STREAM_PREFIX;
use serde_json::Value;

use super::transfer::{Output, Transfer};
use super::{BucketArg, GetArgs, LsArgs, NameArgs, open, render};
use crate::cli::GlobalArgs;
use crate::error::CliResult;
use crate::jetstream::{self, failed, object_store_error};
use crate::output;

/// `object get`: streams the object to the file or stdout; corrupt data is an error, and
/// a file written with it is removed.
pub async fn get(global: &GlobalArgs, args: GetArgs) -> CliResult {
    let (client, store) = open(global, &args.bucket).await?;
    let fetched = fetch(&store, &args, global.json).await;
    client.close().await;
    let summary = fetched?;
    if !global.json {
        output::note(summary);
    }
    Ok(())
}

/// The work of [`get`]; returns the summary line.
async fn fetch(store: &ObjectStore, args: &GetArgs, quiet: bool) -> CliResult<String> {
    let reading = format!("read '{}' from", args.name);
    let failed = |e| object_store_error(&args.bucket, &reading)(e);
    let mut object = store.get(&args.name).await.map_err(failed)?;
    // The file is made only once the object is known to exist.
    let mut out = Output::create(args.output.as_deref(), args.force).await?;
    let transfer = Transfer::start(Some(object.info().size), quiet);
    let mut copied = 0u64;
    let copy = async {
        while let Some(chunk) = object.next().await {
            let chunk = chunk.map_err(failed)?;
            out.write(&chunk).await?;
            copied += chunk.len() as u64;
            transfer.bar.inc(chunk.len() as u64);
        }
        out.finish().await
    };
    if let Err(e) = copy.await {
        transfer.bar.finish_and_clear();
        out.discard().await;
        return Err(e);
    }
    Ok(format!(
        "Wrote \"{}\" to {}: {}",
        args.name,
        out.describe(),
        transfer.finish(copied)
    ))
}

/// `object info`: the object's description.
pub async fn info(global: &GlobalArgs, args: NameArgs) -> CliResult {
    let (client, store) = open(global, &args.bucket).await?;
    let info = store.info(&args.name).await.map_err(object_store_error(
        &args.bucket,
        &format!("read the description of '{}' in", args.name),
    ));
    client.close().await;
    let info = info?;
    if global.json {
        output::json_pretty(&info)
    } else {
        output::write_stdout(render::info_text(&info).as_bytes())
    }
}

/// `object ls`: the stores (streams named `OBJ_…`), or with a bucket its objects.
pub async fn ls(global: &GlobalArgs, args: LsArgs) -> CliResult {
    let Some(bucket) = &args.bucket else {
        return ls_stores(global).await;
    };
    let (client, store) = open(global, bucket).await?;
    let objects = store
        .list()
        .await
        .map_err(object_store_error(bucket, "list the objects of"));
    client.close().await;
    let mut objects = objects?;
    objects.sort_by(|a, b| a.name.cmp(&b.name));
    if global.json {
        return output::json_pretty(&objects);
    }
    if objects.is_empty() {
        output::note(format!("No objects in object store \"{bucket}\""));
        return Ok(());
    }
    output::write_stdout(render::object_table(&objects).as_bytes())
}

/// `object ls` without a bucket.
async fn ls_stores(global: &GlobalArgs) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    let streams = js.streams(None).await.map_err(failed("list object stores"));
    client.close().await;
    let mut stores: Vec<ObjectStoreStatus> = streams?
        .iter()
        .filter(|s| s.config.name.starts_with(STREAM_PREFIX))
        .filter_map(ObjectStoreStatus::from_stream_info)
        .collect();
    stores.sort_by(|a, b| a.bucket.cmp(&b.bucket));
    if global.json {
        let all: Vec<Value> = stores.iter().map(render::status_json).collect();
        return output::json_pretty(&all);
    }
    if stores.is_empty() {
        output::note("No object stores defined");
        return Ok(());
    }
    output::write_stdout(render::store_table(&stores).as_bytes())
}

/// `object status`: the store's settings and size.
pub async fn status(global: &GlobalArgs, args: BucketArg) -> CliResult {
    let (client, store) = open(global, &args.bucket).await?;
    let status = store
        .status()
        .await
        .map_err(object_store_error(&args.bucket, "read the status of"));
    client.close().await;
    let status = status?;
    if global.json {
        output::json_pretty(&render::status_json(&status))
    } else {
        output::write_stdout(render::status_text(&status).as_bytes())
    }
}
