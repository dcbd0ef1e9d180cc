//! `natbus object link BUCKET NAME --to B/N | --bucket B`: a name that stands for another
//! object (a get reads the target's data) or for a whole object store.

use natbus_tokio::jetstream::{JetStream, ObjectInfo, ObjectStore};

use super::{LinkArgs, render};
use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, object_store_error};
use crate::output;

/// The object a link stands for: `--to BUCKET/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The target's bucket.
    pub bucket: String,
    /// The target object's name.
    pub name: String,
}

/// Parses `BUCKET/NAME` at the first '/': bucket names never hold one, object names may.
///
/// # Errors
/// A message showing the expected form.
pub fn parse_target(text: &str) -> Result<Target, String> {
    match text.split_once('/') {
        Some((bucket, name)) if !bucket.is_empty() && !name.is_empty() => Ok(Target {
            bucket: bucket.to_owned(),
            name: name.to_owned(),
        }),
        _ => Err(format!(
            "invalid link target '{text}': use BUCKET/NAME, e.g. files/report.pdf"
        )),
    }
}

/// Makes the link and prints its description.
pub async fn run(global: &GlobalArgs, args: LinkArgs) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    let made = make(&js, &args).await;
    client.close().await;
    let (info, target) = made?;
    if global.json {
        return output::json_pretty(&info);
    }
    output::note(format!(
        "Linked \"{}\" in object store \"{}\" to {target}",
        args.name, args.bucket
    ));
    output::write_stdout(render::info_text(&info).as_bytes())
}

/// The work of [`run`]: the link's description, and what it stands for in words.
async fn make(js: &JetStream, args: &LinkArgs) -> CliResult<(ObjectInfo, String)> {
    let store = open_store(js, &args.bucket).await?;
    let making = format!("link '{}' in", args.name);
    let (linked, target) = match (&args.to, &args.bucket_link) {
        (Some(to), _) => {
            let target_store = open_store(js, &to.bucket).await?;
            let described = target_store
                .info(&to.name)
                .await
                .map_err(object_store_error(&to.bucket, "read the target of"))?;
            let what = format!("object \"{}\" in object store \"{}\"", to.name, to.bucket);
            (store.add_link(&args.name, &described).await, what)
        }
        (None, Some(bucket)) => {
            let target_store = open_store(js, bucket).await?;
            let what = format!("object store \"{bucket}\"");
            (store.add_bucket_link(&args.name, &target_store).await, what)
        }
        (None, None) => {
            return Err(CliError::Usage(
                "say what the link stands for: --to BUCKET/NAME or --bucket BUCKET".to_owned(),
            ));
        }
    };
    let linked = linked.map_err(object_store_error(&args.bucket, &making))?;
    Ok((linked, target))
}

/// Opens an existing store on `js`.
async fn open_store(js: &JetStream, bucket: &str) -> CliResult<ObjectStore> {
    js.object_store(bucket)
        .await
        .map_err(object_store_error(bucket, "open"))
}

#[cfg(test)]
mod tests {
    use super::{Target, parse_target};

    #[test]
    fn targets_split_at_the_first_slash() {
        assert_eq!(
            parse_target("files/dir/a.txt"),
            Ok(Target {
                bucket: "files".to_owned(),
                name: "dir/a.txt".to_owned(),
            })
        );
        for bad in ["files", "files/", "/a.txt", ""] {
            let e = parse_target(bad).expect_err(bad);
            assert!(e.contains("use BUCKET/NAME"), "{e}");
        }
    }
}
