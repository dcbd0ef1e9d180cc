//! `natbus sub SUBJECT`: print messages as they arrive.

use clap::Args;

use crate::cli::GlobalArgs;
use crate::commands::drain;
use crate::error::{CliError, CliResult};
use crate::{connect, message, output};

/// Arguments of `natbus sub`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus sub 'orders.>'\n  \
    natbus sub --queue workers --count 10 jobs\n  natbus sub --raw greet | jq .")]
pub struct SubArgs {
    /// Subject to subscribe to (wildcards `*` and `>` allowed).
    pub subject: String,
    /// Join this queue group: each message goes to one member of the group.
    #[arg(short, long, value_name = "GROUP")]
    pub queue: Option<String>,
    /// Exit after this many messages.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Print only the payload of each message, followed by a newline.
    #[arg(short, long, conflicts_with = "json")]
    pub raw: bool,
}

/// Subscribes and prints until `--count` messages, Ctrl-C, or the connection closes.
///
/// Ctrl-C drains the subscription: what the server sent before it heard of the end is
/// still printed (for at most `--timeout`; a second Ctrl-C stops at once), then a summary
/// line goes to stderr.
pub async fn run(global: &GlobalArgs, args: SubArgs) -> CliResult {
    let client = connect::connect(global).await?;
    let mut subscriber = connect::subscribe(&client, &args.subject, args.queue.as_deref()).await?;
    if let Some(count) = args.count {
        subscriber.unsubscribe_after(count);
    }
    // Only report "subscribed" once the server has the subscription.
    client.flush().await.map_err(CliError::Flush)?;
    let chatty = !args.raw && !global.json;
    if chatty {
        let queue = args
            .queue
            .as_ref()
            .map(|q| format!(" in queue group \"{q}\""))
            .unwrap_or_default();
        output::note(format!("Subscribing on \"{}\"{queue}", args.subject));
    }
    let mut number = 0u64;
    let interrupted = drain::each_message(&mut subscriber, global.timeout, async |msg| {
        number += 1;
        print(global, &args, number, &msg)?;
        Ok(args.count.is_none_or(|count| number < count))
    })
    .await?;
    client.close().await;
    if chatty {
        let what = output::counted(number, "message", "messages");
        output::note(format!("Received {what} on \"{}\"", args.subject));
    }
    match args.count {
        Some(want) if !interrupted && number < want => Err(CliError::BadAnswer(format!(
            "the connection closed after {number} of {want} messages"
        ))),
        _ => Ok(()),
    }
}

/// Prints one message as `--json`, `--raw` or text asks.
fn print(
    global: &GlobalArgs,
    args: &SubArgs,
    number: u64,
    msg: &natbus_tokio::Message,
) -> CliResult {
    if global.json {
        output::json_line(&message::to_json(Some(number), msg))
    } else if args.raw {
        let mut bytes = msg.payload.to_vec();
        bytes.push(b'\n');
        output::write_stdout(&bytes)
    } else {
        output::write_stdout(&message::render_text(number, msg))
    }
}
