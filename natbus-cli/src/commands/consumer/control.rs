//! `natbus consumer pause|resume|reset|unpin`: steer a consumer that exists.

use std::time::{Duration, SystemTime};

use clap::Args;
use natbus_tokio::jetstream::{ConsumerInfo, PauseResponse};
use natbus_tokio::proto::time::{format_rfc3339, parse_rfc3339};
use serde_json::json;

use super::ConsumerName;
use crate::cli::GlobalArgs;
use crate::error::CliResult;
use crate::jetstream::{self, consumer_error};
use crate::{duration, output};

/// Arguments of `natbus consumer pause`.
#[derive(Debug, Args)]
#[command(after_help = "Needs nats-server 2.11 or newer.\n\nExamples:\n  \
    natbus consumer pause ORDERS worker 10m\n  \
    natbus consumer pause ORDERS worker 2030-01-01T00:00:00Z")]
pub struct PauseArgs {
    /// The stream and consumer.
    #[command(flatten)]
    pub consumer: ConsumerName,
    /// How long (e.g. 10m, 1h30m) or until when (RFC 3339, e.g. 2030-01-01T00:00:00Z).
    #[arg(value_parser = parse_until, value_name = "UNTIL")]
    pub until: Until,
}

/// Where a pause ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// This long from now.
    For(Duration),
    /// At this time.
    At(SystemTime),
}

impl Until {
    fn time(self) -> SystemTime {
        match self {
            Until::For(d) => SystemTime::now() + d,
            Until::At(t) => t,
        }
    }
}

fn parse_until(text: &str) -> Result<Until, String> {
    if let Ok(d) = duration::parse(text) {
        return Ok(Until::For(d));
    }
    parse_rfc3339(text.trim()).map(Until::At).map_err(|_| {
        format!("invalid pause end '{text}': give a duration (10m, 1h) or an RFC 3339 time (2030-01-01T00:00:00Z)")
    })
}

/// Arguments of `natbus consumer reset`.
#[derive(Debug, Args)]
#[command(after_help = "Needs nats-server 2.14 or newer.\n\nExamples:\n  \
    natbus consumer reset ORDERS worker            # redeliver everything not acknowledged\n  \
    natbus consumer reset ORDERS worker --seq 100  # replay from stream sequence 100")]
pub struct ResetArgs {
    /// The stream and consumer.
    #[command(flatten)]
    pub consumer: ConsumerName,
    /// Deliver from this stream sequence on (default: the first message above the ack
    /// floor, so everything not acknowledged is delivered again).
    #[arg(long, value_name = "SEQ", value_parser = clap::value_parser!(u64).range(1..))]
    pub seq: Option<u64>,
}

/// Arguments of `natbus consumer unpin`.
#[derive(Debug, Args)]
#[command(after_help = "Needs nats-server 2.11 or newer.\n\nExample:\n  \
    natbus consumer unpin ORDERS worker jobs")]
pub struct UnpinArgs {
    /// The stream and consumer.
    #[command(flatten)]
    pub consumer: ConsumerName,
    /// The priority group whose pinned client is unpinned.
    pub group: String,
}

/// Pauses the consumer and says until when.
pub async fn pause(global: &GlobalArgs, args: PauseArgs) -> CliResult {
    let ConsumerName { stream, name } = &args.consumer;
    let (client, js) = jetstream::connect(global).await?;
    let state = js
        .pause_consumer(stream, name, args.until.time())
        .await
        .map_err(consumer_error(stream, name, "pause"));
    client.close().await;
    report_pause(global, stream, name, &state?)
}

/// Resumes the consumer.
pub async fn resume(global: &GlobalArgs, args: ConsumerName) -> CliResult {
    let ConsumerName { stream, name } = &args;
    let (client, js) = jetstream::connect(global).await?;
    let state = js
        .resume_consumer(stream, name)
        .await
        .map_err(consumer_error(stream, name, "resume"));
    client.close().await;
    report_pause(global, stream, name, &state?)
}

fn report_pause(global: &GlobalArgs, stream: &str, name: &str, state: &PauseResponse) -> CliResult {
    let until = state.pause_until.map(format_rfc3339);
    if global.json {
        return output::json_line(&json!({
            "stream": stream,
            "consumer": name,
            "paused": state.paused,
            "pause_until": until,
            "pause_remaining": state.pause_remaining.map(|d| d.as_nanos() as u64),
        }));
    }
    let text = match (&until, state.pause_remaining) {
        (Some(until), Some(left)) if state.paused => format!(
            "Consumer \"{name}\" of stream \"{stream}\" is paused until {until} ({} from now)",
            duration::long(left)
        ),
        (Some(until), _) if state.paused => {
            format!("Consumer \"{name}\" of stream \"{stream}\" is paused until {until}")
        }
        _ => format!("Consumer \"{name}\" of stream \"{stream}\" is not paused"),
    };
    output::line(text)
}

/// Resets the consumer and says where delivery starts again.
pub async fn reset(global: &GlobalArgs, args: ResetArgs) -> CliResult {
    let ConsumerName { stream, name } = &args.consumer;
    let (client, js) = jetstream::connect(global).await?;
    let reset = js
        .reset_consumer(stream, name, args.seq)
        .await
        .map_err(consumer_error(stream, name, "reset"));
    client.close().await;
    let reset = reset?;
    if global.json {
        return output::json_pretty(&reset);
    }
    let info: &ConsumerInfo = &reset.info;
    output::line(format!(
        "Consumer \"{name}\" of stream \"{stream}\" was reset: delivery starts again at stream sequence {}, {} to deliver",
        reset.reset_seq,
        output::count(info.num_pending, "message")
    ))
}

/// Unpins the group's pinned client.
pub async fn unpin(global: &GlobalArgs, args: UnpinArgs) -> CliResult {
    let ConsumerName { stream, name } = &args.consumer;
    let (client, js) = jetstream::connect(global).await?;
    let done = js
        .unpin_consumer(stream, name, &args.group)
        .await
        .map_err(consumer_error(stream, name, "unpin"));
    client.close().await;
    done?;
    if global.json {
        output::json_line(
            &json!({"stream": stream, "consumer": name, "group": args.group, "unpinned": true}),
        )
    } else {
        output::line(format!(
            "Unpinned group \"{}\" of consumer \"{name}\" of stream \"{stream}\"",
            args.group
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_ends_are_durations_or_times() {
        assert_eq!(parse_until("10m"), Ok(Until::For(Duration::from_secs(600))));
        let at = parse_until("2030-01-01T00:00:00Z").expect("a time");
        assert_eq!(
            at,
            Until::At(parse_rfc3339("2030-01-01T00:00:00Z").expect("valid"))
        );
        let e = parse_until("soon").expect_err("neither");
        assert!(e.contains("RFC 3339"), "{e}");
    }
}
