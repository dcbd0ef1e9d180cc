//! Streams as text: the `stream ls` table and the `stream info` report.

use std::time::{Duration, SystemTime};

use natbus_tokio::jetstream::{
    DiscardPolicy, RetentionPolicy, StorageType, StreamConfig, StreamInfo,
};
use natbus_tokio::proto::time::format_rfc3339;

use crate::duration;
use crate::output::{Table, bytes, fields, thousands};

/// One row per stream: name, subjects, messages, bytes, consumers, last message.
pub fn table(streams: &[StreamInfo]) -> String {
    let mut t = Table::new(&[
        "Name",
        "Subjects",
        "Messages",
        "Bytes",
        "Consumers",
        "Last Message",
    ]);
    for s in streams {
        t.row(vec![
            s.config.name.clone(),
            s.config.subjects.join(", "),
            thousands(s.state.messages),
            bytes(s.state.bytes),
            thousands(s.state.consumer_count),
            time_or_never(s.state.last_ts, s.state.messages),
        ]);
    }
    t.render()
}

/// The `stream info` report: configuration, then state.
pub fn info(info: &StreamInfo) -> String {
    let c = &info.config;
    let mut out = format!(
        "Information for Stream {} created {}\n\nConfiguration:\n\n",
        c.name,
        format_rfc3339(info.created)
    );
    out.push_str(&fields(&config_rows(c)));
    out.push_str("\nState:\n\n");
    let s = &info.state;
    let mut state = vec![
        ("Messages", thousands(s.messages)),
        ("Bytes", bytes(s.bytes)),
        (
            "First Sequence",
            seq_at(s.first_seq, s.first_ts, s.messages),
        ),
        ("Last Sequence", seq_at(s.last_seq, s.last_ts, s.messages)),
        ("Active Consumers", thousands(s.consumer_count)),
        ("Number of Subjects", thousands(s.num_subjects)),
    ];
    if s.num_deleted > 0 {
        state.push(("Deleted Messages", thousands(s.num_deleted)));
    }
    out.push_str(&fields(&state));
    out
}

fn config_rows(c: &StreamConfig) -> Vec<(&'static str, String)> {
    let mut rows = Vec::new();
    if let Some(d) = &c.description {
        rows.push(("Description", d.clone()));
    }
    rows.extend([
        ("Subjects", c.subjects.join(", ")),
        ("Replicas", c.num_replicas.to_string()),
        ("Storage", storage(c.storage).to_owned()),
        ("Retention", retention(c.retention).to_owned()),
        ("Discard Policy", discard(c.discard).to_owned()),
        ("Duplicate Window", duration::long(c.duplicate_window)),
        ("Allows Direct", c.allow_direct.to_string()),
        ("Maximum Messages", limit(c.max_msgs)),
        ("Maximum Per Subject", limit(c.max_msgs_per_subject)),
        ("Maximum Bytes", byte_limit(c.max_bytes)),
        ("Maximum Age", age(c.max_age)),
        ("Maximum Consumers", limit(c.max_consumers)),
    ]);
    let metadata = c.user_metadata();
    if !metadata.is_empty() {
        rows.push(("Metadata", crate::jetstream::metadata_text(&metadata)));
    }
    rows
}

/// A storage type as `info` commands print it.
pub fn storage(s: StorageType) -> &'static str {
    match s {
        StorageType::File => "File",
        StorageType::Memory => "Memory",
    }
}

fn retention(r: RetentionPolicy) -> &'static str {
    match r {
        RetentionPolicy::Limits => "Limits",
        RetentionPolicy::Interest => "Interest",
        RetentionPolicy::WorkQueue => "WorkQueue",
    }
}

fn discard(d: DiscardPolicy) -> &'static str {
    match d {
        DiscardPolicy::Old => "Old",
        DiscardPolicy::New => "New",
    }
}

/// `unlimited` for the server's -1 (or 0), else the number.
pub fn limit(n: i64) -> String {
    match u64::try_from(n) {
        Ok(n) if n > 0 => thousands(n),
        _ => "unlimited".to_owned(),
    }
}

fn byte_limit(n: i64) -> String {
    match u64::try_from(n) {
        Ok(n) if n > 0 => bytes(n),
        _ => "unlimited".to_owned(),
    }
}

/// `unlimited` for zero, else the duration.
pub fn age(d: Duration) -> String {
    if d.is_zero() {
        "unlimited".to_owned()
    } else {
        duration::long(d)
    }
}

fn seq_at(seq: u64, ts: SystemTime, messages: u64) -> String {
    if messages == 0 {
        seq.to_string()
    } else {
        format!("{seq} @ {}", format_rfc3339(ts))
    }
}

fn time_or_never(ts: SystemTime, messages: u64) -> String {
    if messages == 0 {
        "never".to_owned()
    } else {
        format_rfc3339(ts)
    }
}
