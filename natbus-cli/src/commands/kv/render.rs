//! Buckets and entries as text and JSON.

use natbus_tokio::jetstream::{Entry, Operation};
use natbus_tokio::proto::jetstream::kv::BucketStatus;
use natbus_tokio::proto::time::format_rfc3339;
use serde_json::{Map, Value, json};

use crate::commands::stream::render::age;
use crate::message;
use crate::output::{Table, bytes, fields, thousands};

/// `kv get`: `BUCKET > KEY revision: N created @ TIME`, a blank line, the value.
pub fn entry_text(entry: &Entry) -> Vec<u8> {
    let mut out = format!(
        "{} > {} revision: {} created @ {}\n\n",
        entry.bucket,
        entry.key,
        entry.revision,
        format_rfc3339(entry.created)
    )
    .into_bytes();
    out.extend_from_slice(&entry.value);
    out.push(b'\n');
    out
}

/// `kv watch`: `[TIME] PUT BUCKET > KEY: VALUE` (no value for deletes and purges).
pub fn watch_line(entry: &Entry) -> Vec<u8> {
    let mut out = format!(
        "[{}] {} {} > {}",
        format_rfc3339(entry.created),
        entry.operation.as_str(),
        entry.bucket,
        entry.key
    )
    .into_bytes();
    if entry.operation == Operation::Put {
        out.extend_from_slice(b": ");
        out.extend_from_slice(&entry.value);
    }
    out.push(b'\n');
    out
}

/// An entry as JSON: bucket, key, revision, operation, created, delta, size and `value`
/// (UTF-8) or `value_base64`.
pub fn entry_json(entry: &Entry) -> Value {
    let mut object = Map::new();
    object.insert("bucket".into(), json!(entry.bucket));
    object.insert("key".into(), json!(entry.key));
    object.insert("revision".into(), json!(entry.revision));
    object.insert("operation".into(), json!(entry.operation.as_str()));
    object.insert("created".into(), json!(format_rfc3339(entry.created)));
    object.insert("delta".into(), json!(entry.delta));
    message::insert_payload(&mut object, "value", &entry.value);
    Value::Object(object)
}

/// `kv history`: one row per revision.
pub fn history_table(entries: &[Entry]) -> String {
    let mut t = Table::new(&["Key", "Revision", "Op", "Created", "Length", "Value"]);
    for e in entries {
        t.row(vec![
            e.key.clone(),
            e.revision.to_string(),
            e.operation.as_str().to_owned(),
            format_rfc3339(e.created),
            e.value.len().to_string(),
            preview(&e.value),
        ]);
    }
    t.render()
}

/// At most 40 characters of a value, on one line.
fn preview(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value).replace(['\n', '\r'], " ");
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(37).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// `kv ls`: one row per bucket.
pub fn bucket_table(buckets: &[BucketStatus]) -> String {
    let mut t = Table::new(&["Bucket", "Values", "Bytes", "History", "TTL"]);
    for b in buckets {
        t.row(vec![
            b.bucket.clone(),
            thousands(b.values),
            bytes(b.bytes),
            b.history.to_string(),
            age(b.max_age),
        ]);
    }
    t.render()
}

/// `kv add`: the bucket's state.
pub fn status_text(status: &BucketStatus) -> String {
    let mut out = format!(
        "Information for Key-Value Store Bucket {}\n\n",
        status.bucket
    );
    out.push_str(&fields(&[
        ("Values Stored", thousands(status.values)),
        ("History Kept", status.history.to_string()),
        ("Maximum Age", age(status.max_age)),
        (
            "Limit Markers",
            status
                .limit_marker_ttl
                .map_or_else(|| "off".to_owned(), age),
        ),
        ("Bytes Stored", bytes(status.bytes)),
        ("Backing Stream", format!("KV_{}", status.bucket)),
    ]));
    out
}

/// A bucket's state as JSON.
pub fn status_json(status: &BucketStatus) -> Value {
    json!({
        "bucket": status.bucket,
        "values": status.values,
        "history": status.history,
        "ttl_ns": u64::try_from(status.max_age.as_nanos()).unwrap_or(u64::MAX),
        "bytes": status.bytes,
        "limit_marker_ttl_ns": status
            .limit_marker_ttl
            .map(|t| u64::try_from(t.as_nanos()).unwrap_or(u64::MAX)),
        "stream": format!("KV_{}", status.bucket),
    })
}

#[cfg(test)]
mod tests {
    use super::preview;

    #[test]
    fn previews_are_short_single_lines() {
        assert_eq!(preview(b"a\nb"), "a b");
        let long = "x".repeat(50);
        assert_eq!(preview(long.as_bytes()).chars().count(), 40);
    }
}
