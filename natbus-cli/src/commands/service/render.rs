//! How discovery answers are shown: tables for people, arrays of the schema JSON for tools.

use natbus_tokio::proto::service::{InfoResponse, Metadata, PingResponse, StatsResponse};
use serde::Serialize;
use serde_json::{Value, json};

use super::collect::Answer;
use crate::duration::human;
use crate::output::{Table, thousands};

/// `service ls` as a table.
pub fn ping_table(found: &[Answer<PingResponse>]) -> String {
    let mut table = Table::new(&["Name", "Version", "ID", "RTT"]);
    for a in found {
        let p = &a.response;
        table.row(vec![
            p.name.clone(),
            p.version.clone(),
            p.id.clone(),
            human(a.rtt),
        ]);
    }
    table.render()
}

/// `service ls --json`: the PING answers, each with its `rtt_ns`.
pub fn ping_json(found: &[Answer<PingResponse>]) -> Value {
    Value::Array(
        found
            .iter()
            .map(|a| {
                let mut value = to_value(&a.response);
                if let Some(object) = value.as_object_mut() {
                    object.insert("rtt_ns".into(), json!(a.rtt.as_nanos() as u64));
                }
                value
            })
            .collect(),
    )
}

/// `service info`: one block per instance, with its endpoints as a table.
pub fn info_text(found: &[Answer<InfoResponse>]) -> String {
    let mut out = String::new();
    for (i, a) in found.iter().enumerate() {
        let info = &a.response;
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("Service: {} ({})\n", info.name, info.id));
        out.push_str(&format!("  Version:     {}\n", info.version));
        if !info.description.is_empty() {
            out.push_str(&format!("  Description: {}\n", info.description));
        }
        if !info.metadata.is_empty() {
            out.push_str(&format!("  Metadata:    {}\n", metadata(&info.metadata)));
        }
        if info.endpoints.is_empty() {
            out.push_str("  Endpoints:   none\n");
            continue;
        }
        out.push_str("  Endpoints:\n");
        let mut table = Table::new(&["Name", "Subject", "Queue group"]);
        for e in &info.endpoints {
            let queue = e.queue_group().unwrap_or("(none)").to_owned();
            table.row(vec![e.name.clone(), e.subject.clone(), queue]);
        }
        for line in table.render().lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}

/// `service info --json`: the INFO answers as received.
pub fn info_json(found: &[Answer<InfoResponse>]) -> Value {
    Value::Array(found.iter().map(|a| to_value(&a.response)).collect())
}

/// `service stats`: one row per endpoint of every instance.
pub fn stats_table(found: &[Answer<StatsResponse>]) -> String {
    let mut table = Table::new(&[
        "Service",
        "ID",
        "Endpoint",
        "Requests",
        "Errors",
        "Total time",
        "Average",
        "Last error",
    ]);
    for a in found {
        let s = &a.response;
        if s.endpoints.is_empty() {
            table.row(vec![s.name.clone(), s.id.clone(), "(none)".into()]);
        }
        for e in &s.endpoints {
            table.row(vec![
                s.name.clone(),
                s.id.clone(),
                e.name.clone(),
                thousands(e.num_requests),
                thousands(e.num_errors),
                human(e.processing_time),
                human(e.average_processing_time),
                e.last_error.clone(),
            ]);
        }
    }
    table.render()
}

/// `service stats --json`: the STATS answers as received.
pub fn stats_json(found: &[Answer<StatsResponse>]) -> Value {
    Value::Array(found.iter().map(|a| to_value(&a.response)).collect())
}

fn metadata(metadata: &Metadata) -> String {
    metadata
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The schema types always serialize (string keys, plain fields); `null` would only hide
/// a bug, never a user error.
fn to_value(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
