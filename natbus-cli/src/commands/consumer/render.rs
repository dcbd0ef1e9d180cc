//! Consumers as text: the `consumer ls` table and the `consumer info` report.

use natbus_tokio::jetstream::{
    AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, PriorityPolicy,
};
use natbus_tokio::proto::time::format_rfc3339;

use crate::duration;
use crate::output::{Table, fields, thousands};

/// One row per consumer: name, kind, ack policy, pending, ack pending, redelivered, last
/// delivered stream sequence.
pub fn table(consumers: &[ConsumerInfo]) -> String {
    let mut t = Table::new(&[
        "Name",
        "Kind",
        "Ack",
        "Unprocessed",
        "Ack Pending",
        "Redelivered",
        "Last Delivered",
    ]);
    for c in consumers {
        t.row(vec![
            c.name.clone(),
            kind(&c.config).to_owned(),
            ack(c.config.ack_policy).to_owned(),
            thousands(c.num_pending),
            thousands(c.num_ack_pending),
            thousands(c.num_redelivered),
            thousands(c.delivered.stream_seq),
        ]);
    }
    t.render()
}

/// The `consumer info` report: configuration, then state.
pub fn info(info: &ConsumerInfo) -> String {
    let c = &info.config;
    let mut out = format!(
        "Information for Consumer {} > {} created {}\n\nConfiguration:\n\n",
        info.stream_name,
        info.name,
        format_rfc3339(info.created)
    );
    let mut rows = Vec::new();
    if let Some(name) = &c.durable_name {
        rows.push(("Durable Name", name.clone()));
    }
    if let Some(d) = &c.description {
        rows.push(("Description", d.clone()));
    }
    rows.push(("Kind", kind(c).to_owned()));
    if let Some(target) = &c.deliver_subject {
        rows.push(("Delivery Subject", target.clone()));
    }
    if let Some(group) = &c.deliver_group {
        rows.push(("Deliver Group", group.clone()));
    }
    if let Some(filter) = &c.filter_subject {
        rows.push(("Filter Subject", filter.clone()));
    }
    rows.push(("Deliver Policy", deliver(c.deliver_policy)));
    rows.push(("Ack Policy", ack(c.ack_policy).to_owned()));
    if let Some(wait) = c.ack_wait {
        rows.push(("Ack Wait", duration::long(wait)));
    }
    rows.push((
        "Max Deliver",
        c.max_deliver
            .filter(|n| *n > 0)
            .map_or("unlimited".to_owned(), |n| n.to_string()),
    ));
    if let Some(n) = c.max_ack_pending {
        rows.push(("Max Ack Pending", n.to_string()));
    }
    if c.priority_policy != PriorityPolicy::None {
        rows.push(("Priority Policy", priority(c.priority_policy).to_owned()));
        rows.push(("Priority Groups", c.priority_groups.join(", ")));
        if let Some(timeout) = c.priority_timeout {
            rows.push(("Pinned Timeout", duration::long(timeout)));
        }
    }
    let metadata = c.user_metadata();
    if !metadata.is_empty() {
        rows.push(("Metadata", crate::jetstream::metadata_text(&metadata)));
    }
    out.push_str(&fields(&rows));
    out.push_str("\nState:\n\n");
    let mut state = Vec::new();
    if info.paused {
        let until = c.pause_until.map_or_else(String::new, format_rfc3339);
        let left = info
            .pause_remaining
            .map_or_else(String::new, |d| format!(" ({} left)", duration::long(d)));
        state.push(("Paused Until", format!("{until}{left}")));
    }
    for group in &info.priority_groups {
        if let Some(id) = &group.pinned_client_id {
            state.push(("Pinned Client", format!("{id} in group {}", group.group)));
        }
    }
    out.push_str(&fields(&state));
    out.push_str(&fields(&[
        (
            "Last Delivered Message",
            format!(
                "Consumer sequence: {} Stream sequence: {}",
                info.delivered.consumer_seq, info.delivered.stream_seq
            ),
        ),
        (
            "Acknowledgment Floor",
            format!(
                "Consumer sequence: {} Stream sequence: {}",
                info.ack_floor.consumer_seq, info.ack_floor.stream_seq
            ),
        ),
        ("Outstanding Acks", thousands(info.num_ack_pending)),
        ("Redelivered Messages", thousands(info.num_redelivered)),
        ("Unprocessed Messages", thousands(info.num_pending)),
        ("Waiting Pulls", thousands(info.num_waiting)),
    ]));
    out
}

fn kind(c: &ConsumerConfig) -> &'static str {
    if c.is_pull() { "Pull" } else { "Push" }
}

fn ack(a: AckPolicy) -> &'static str {
    match a {
        AckPolicy::None => "None",
        AckPolicy::All => "All",
        AckPolicy::Explicit => "Explicit",
        AckPolicy::FlowControl => "FlowControl",
    }
}

fn priority(p: PriorityPolicy) -> &'static str {
    match p {
        PriorityPolicy::None => "None",
        PriorityPolicy::Overflow => "Overflow",
        PriorityPolicy::PinnedClient => "Pinned Client",
        PriorityPolicy::Prioritized => "Prioritized",
    }
}

fn deliver(d: DeliverPolicy) -> String {
    match d {
        DeliverPolicy::All => "All".to_owned(),
        DeliverPolicy::Last => "Last".to_owned(),
        DeliverPolicy::New => "New".to_owned(),
        DeliverPolicy::LastPerSubject => "Last Per Subject".to_owned(),
        DeliverPolicy::ByStartSequence(n) => format!("From sequence {n}"),
        DeliverPolicy::ByStartTime(t) => format!("From time {}", format_rfc3339(t)),
    }
}
