//! `natbus sub SUBJECT`: print messages as they arrive.

use clap::Args;

use crate::cli::GlobalArgs;
use crate::commands::interrupted;
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
pub async fn run(global: &GlobalArgs, args: SubArgs) -> CliResult {
    let client = connect::connect(global).await?;
    let mut subscriber = connect::subscribe(&client, &args.subject, args.queue.as_deref()).await?;
    if let Some(count) = args.count {
        subscriber.unsubscribe_after(count);
    }
    // Only report "subscribed" once the server has the subscription.
    client.flush().await.map_err(CliError::Flush)?;
    if !args.raw && !global.json {
        let queue = args
            .queue
            .as_ref()
            .map(|q| format!(" in queue group \"{q}\""))
            .unwrap_or_default();
        output::note(format!("Subscribing on \"{}\"{queue}", args.subject));
    }
    let printing = async {
        let mut number = 0u64;
        while let Some(msg) = subscriber.next().await {
            number += 1;
            if global.json {
                output::json_line(&message::to_json(Some(number), &msg))?;
            } else if args.raw {
                let mut bytes = msg.payload.to_vec();
                bytes.push(b'\n');
                output::write_stdout(&bytes)?;
            } else {
                output::write_stdout(&message::render_text(number, &msg))?;
            }
            if args.count.is_some_and(|count| number >= count) {
                break;
            }
        }
        Ok::<_, CliError>(number)
    };
    let outcome = tokio::select! {
        printed = printing => Some(printed?),
        () = interrupted() => None,
    };
    client.close().await;
    match (outcome, args.count) {
        (Some(got), Some(want)) if got < want => Err(CliError::BadAnswer(format!(
            "the connection closed after {got} of {want} messages"
        ))),
        _ => Ok(()),
    }
}
