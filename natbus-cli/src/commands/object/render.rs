//! Objects and object stores as text and JSON. An object's JSON is its ADR-20 description,
//! as every NATS client stores and reads it.

use natbus_tokio::jetstream::{ObjectInfo, ObjectStoreStatus};
use natbus_tokio::proto::jetstream::object::stream_name;
use natbus_tokio::proto::time::format_rfc3339;
use serde_json::{Value, json};

use crate::commands::stream::render::{age, storage};
use crate::output::{Table, bytes, fields, thousands};

/// `object info` and `object put`: the description, labelled.
pub fn info_text(info: &ObjectInfo) -> String {
    let mut out = format!("Object information for {} > {}\n\n", info.bucket, info.name);
    let mut rows = Vec::with_capacity(6);
    if let Some(description) = &info.description {
        rows.push(("Description", description.clone()));
    }
    if let Some(target) = link_target(info) {
        rows.push(("Link To", target));
    }
    rows.extend([
        ("Size", size(info.size)),
        ("Chunks", thousands(info.chunks.into())),
        ("Modified", format_rfc3339(info.mtime)),
        ("Digest", info.digest.clone()),
    ]);
    out.push_str(&fields(&rows));
    out
}

/// What a link stands for: `bucket/name`, or `bucket` for a whole store; `None` for an
/// object with data.
fn link_target(info: &ObjectInfo) -> Option<String> {
    let link = info.link()?;
    Some(match &link.name {
        Some(name) => format!("{}/{name}", link.bucket),
        None => format!("{} (the whole object store)", link.bucket),
    })
}

/// `object watch`: `[time] PUT bucket > name: size`, `… DEL bucket > name`, or for a
/// link `… PUT bucket > name -> target`. The time is when the server stored the change.
pub fn watch_line(info: &ObjectInfo) -> String {
    let operation = if info.deleted { "DEL" } else { "PUT" };
    let mut out = format!(
        "[{}] {operation} {} > {}",
        format_rfc3339(info.mtime),
        info.bucket,
        info.name
    );
    if !info.deleted {
        match link_target(info) {
            Some(target) => out.push_str(&format!(" -> {target}")),
            None => out.push_str(&format!(": {}", bytes(info.size))),
        }
    }
    out.push('\n');
    out
}

/// `1.5 KiB (1,536 bytes)`: readable, and exact for comparing with a local file.
fn size(n: u64) -> String {
    if n < 1024 {
        bytes(n)
    } else {
        format!("{} ({} bytes)", bytes(n), thousands(n))
    }
}

/// `object ls BUCKET`: one row per object.
pub fn object_table(objects: &[ObjectInfo]) -> String {
    let mut t = Table::new(&["Name", "Size", "Chunks", "Modified"]);
    for o in objects {
        t.row(vec![
            o.name.clone(),
            bytes(o.size),
            thousands(o.chunks.into()),
            format_rfc3339(o.mtime),
        ]);
    }
    t.render()
}

/// `object ls`: one row per store.
pub fn store_table(stores: &[ObjectStoreStatus]) -> String {
    let mut t = Table::new(&["Bucket", "Description", "Bytes", "TTL"]);
    for s in stores {
        t.row(vec![
            s.bucket.clone(),
            s.description.clone().unwrap_or_default(),
            bytes(s.size),
            age(s.max_age),
        ]);
    }
    t.render()
}

/// `object status` and `object add`: the store's settings and size.
pub fn status_text(status: &ObjectStoreStatus) -> String {
    let mut out = format!("Information for Object Store Bucket {}\n\n", status.bucket);
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    out.push_str(&fields(&[
        (
            "Description",
            status.description.clone().unwrap_or_default(),
        ),
        ("Bytes Stored", bytes(status.size)),
        ("Maximum Age", age(status.max_age)),
        ("Storage", storage(status.storage).to_owned()),
        ("Replicas", status.replicas.max(1).to_string()),
        ("Sealed", yes_no(status.sealed)),
        ("Compressed", yes_no(status.compressed)),
        ("Backing Stream", stream_name(&status.bucket)),
    ]));
    out
}

/// A store's status as JSON.
pub fn status_json(status: &ObjectStoreStatus) -> Value {
    json!({
        "bucket": status.bucket,
        "description": status.description,
        "size": status.size,
        "ttl_ns": u64::try_from(status.max_age.as_nanos()).unwrap_or(u64::MAX),
        "storage": status.storage,
        "replicas": status.replicas.max(1),
        "sealed": status.sealed,
        "compressed": status.compressed,
        "stream": stream_name(&status.bucket),
    })
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use natbus_tokio::jetstream::{ObjectInfo, ObjectMeta};

    use super::{size, watch_line};

    #[test]
    fn watch_lines_say_put_del_and_link() {
        let mut put = ObjectInfo::new("files", "n1".to_owned(), ObjectMeta::new("a.txt"), 128);
        put.size = 1536;
        assert_eq!(
            watch_line(&put),
            "[1970-01-01T00:00:00Z] PUT files > a.txt: 1.5 KiB\n"
        );
        let del = put.to_deleted(SystemTime::UNIX_EPOCH);
        assert_eq!(
            watch_line(&del),
            "[1970-01-01T00:00:00Z] DEL files > a.txt\n"
        );
        let link = ObjectInfo::new_link("docs", "latest", "n2".to_owned(), &put)
            .expect("a link to an object with data is valid");
        assert!(
            watch_line(&link).ends_with("PUT docs > latest -> files/a.txt\n"),
            "{}",
            watch_line(&link)
        );
        let whole = ObjectInfo::new_bucket_link("docs", "all", "n3".to_owned(), "files")
            .expect("a bucket link with valid names is valid");
        assert!(
            watch_line(&whole).ends_with("> all -> files (the whole object store)\n"),
            "{}",
            watch_line(&whole)
        );
    }

    #[test]
    fn sizes_are_exact_past_a_kibibyte() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB (1,536 bytes)");
    }
}
