//! `natbus consumer next STREAM CONSUMER`: pull messages, print them as `sub` does, and
//! acknowledge each one once it is printed.

use clap::Args;
use natbus_tokio::jetstream::{
    AckPolicy, FetchOptions, JetStreamError, JsMessage, MessageMetadata, PullGroup,
};
use natbus_tokio::proto::time::format_rfc3339;
use serde_json::{Value, json};

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, consumer_error};
use crate::{message, output};

/// Arguments of `natbus consumer next`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus consumer next ORDERS worker\n  \
    natbus consumer next ORDERS worker --count 10 --raw\n  \
    natbus consumer next ORDERS worker --no-ack --timeout 1s\n  \
    natbus consumer next ORDERS worker --group jobs --min-pending 100   # an overflow client")]
pub struct NextArgs {
    /// The stream's name.
    pub stream: String,
    /// The pull consumer's name.
    pub consumer: String,
    /// Most messages to get; fewer are printed when fewer arrive within --timeout.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub count: u64,
    /// Acknowledge each message after printing it (the default).
    #[arg(long, conflicts_with = "no_ack")]
    pub ack: bool,
    /// Do not acknowledge: the messages are redelivered after the consumer's ack wait.
    #[arg(long)]
    pub no_ack: bool,
    /// Print only the payload of each message, followed by a newline.
    #[arg(short, long, conflicts_with = "json")]
    pub raw: bool,
    /// Pull in this priority group (consumers with a priority policy need one).
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// overflow: be served only while at least N messages are pending.
    #[arg(long, value_name = "N", requires = "group")]
    pub min_pending: Option<u64>,
    /// overflow: be served only while at least N messages await an ack.
    #[arg(long, value_name = "N", requires = "group")]
    pub min_ack_pending: Option<u64>,
    /// prioritized: this pull's priority, 0 (served first) to 9.
    #[arg(long, value_name = "N", requires = "group",
          value_parser = clap::value_parser!(u8).range(0..=9))]
    pub priority: Option<u8>,
}

impl NextArgs {
    /// The priority group the flags name, if any.
    fn group(&self) -> Option<PullGroup> {
        let mut group = PullGroup::new(self.group.as_deref()?.trim());
        if let Some(n) = self.min_pending {
            group = group.min_pending(n);
        }
        if let Some(n) = self.min_ack_pending {
            group = group.min_ack_pending(n);
        }
        if let Some(p) = self.priority {
            group = group.priority(p);
        }
        Some(group)
    }
}

/// Pulls up to `--count` messages, waiting at most `--timeout` for the first one.
pub async fn run(global: &GlobalArgs, args: NextArgs) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    let consumer = js
        .pull_consumer(&args.stream, &args.consumer)
        .await
        .map_err(|e| match e {
            JetStreamError::WrongConsumerKind { consumer, .. } => CliError::Usage(format!(
                "consumer '{consumer}' is a push consumer: `consumer next` pulls; subscribe \
                 to its delivery subject with `natbus sub` instead"
            )),
            e => consumer_error(&args.stream, &args.consumer, "open")(e),
        })?;
    let acks = consumer.cached_info().config.ack_policy != AckPolicy::None && !args.no_ack;
    // `no_wait` with an expiry: the server waits up to --timeout for the first message,
    // then returns at once with what is there instead of waiting for a full batch.
    let batch = usize::try_from(args.count).unwrap_or(usize::MAX);
    let mut options = FetchOptions::new(batch).expires(global.timeout).no_wait();
    if let Some(group) = args.group() {
        options = options.group(group);
    }
    let messages = match consumer.fetch(options).await {
        Ok(messages) => messages,
        Err(JetStreamError::Timeout { .. }) => Vec::new(),
        Err(JetStreamError::InvalidOption(why)) => {
            client.close().await;
            return Err(CliError::Usage(format!("{why} (with --group GROUP)")));
        }
        Err(e) => return Err(consumer_error(&args.stream, &args.consumer, "pull from")(e)),
    };
    let printed = print_all(global, &args, &messages, acks).await;
    client.close().await;
    printed?;
    if messages.is_empty() {
        return Err(CliError::TimedOut(format!(
            "no message from consumer '{}' of stream '{}' within {:?}",
            args.consumer, args.stream, global.timeout
        )));
    }
    Ok(())
}

async fn print_all(
    global: &GlobalArgs,
    args: &NextArgs,
    messages: &[JsMessage],
    acks: bool,
) -> CliResult {
    for (i, msg) in messages.iter().enumerate() {
        let number = i as u64 + 1;
        let metadata = || {
            msg.metadata().map_err(consumer_error(
                &args.stream,
                &args.consumer,
                "read a message's ack subject from",
            ))
        };
        if global.json {
            output::json_line(&to_json(number, msg, metadata()?, acks))?;
        } else if args.raw {
            let mut bytes = msg.payload().to_vec();
            bytes.push(b'\n');
            output::write_stdout(&bytes)?;
        } else {
            output::write_stdout(&render_text(number, msg, metadata()?))?;
        }
        if acks {
            // Waits for the server to confirm, so a `next` right after sees the ack.
            msg.double_ack().await.map_err(consumer_error(
                &args.stream,
                &args.consumer,
                "acknowledge on",
            ))?;
        }
    }
    Ok(())
}

/// `[#1] Received on "orders.new" (stream seq 4, consumer seq 1, delivered 1, pending 3)`,
/// then headers and payload as `sub` prints them.
fn render_text(number: u64, msg: &JsMessage, m: &MessageMetadata) -> Vec<u8> {
    let mut out = format!(
        "[#{number}] Received on \"{}\" (stream seq {}, consumer seq {}, delivered {}, \
         pending {})\n",
        msg.subject(),
        m.stream_sequence,
        m.consumer_sequence,
        m.delivered,
        m.pending
    )
    .into_bytes();
    if let Some(headers) = &msg.message.headers {
        out.extend_from_slice(message::render_headers(headers).as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(msg.payload());
    out.extend_from_slice(b"\n\n");
    out
}

fn to_json(number: u64, msg: &JsMessage, m: &MessageMetadata, acked: bool) -> Value {
    let mut value = message::to_json(Some(number), &msg.message);
    if let Some(object) = value.as_object_mut() {
        object.remove("reply");
        object.insert("stream".into(), json!(m.stream));
        object.insert("consumer".into(), json!(m.consumer));
        object.insert("stream_seq".into(), json!(m.stream_sequence));
        object.insert("consumer_seq".into(), json!(m.consumer_sequence));
        object.insert("delivered".into(), json!(m.delivered));
        object.insert("pending".into(), json!(m.pending));
        object.insert("time".into(), json!(format_rfc3339(m.timestamp)));
        object.insert("acked".into(), json!(acked));
    }
    value
}
