//! `natbus stream view NAME`: print the messages a stream holds, oldest first, without
//! creating a durable consumer (an ordered consumer reads them and is gone afterwards).

use clap::Args;
use natbus_tokio::jetstream::{DeliverPolicy, JetStreamError, OrderedOptions};

use super::item::Item;
use crate::cli::GlobalArgs;
use crate::commands::interrupted;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, stream_error};
use crate::output;

/// Arguments of `natbus stream view`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus stream view ORDERS\n  \
    natbus stream view ORDERS --subject 'orders.eu.>' --since 1000 --count 20\n  \
    natbus stream view ORDERS --raw | jq .\n  \
    natbus stream view ORDERS --follow")]
pub struct ViewArgs {
    /// The stream's name.
    pub name: String,
    /// Only messages on this subject (wildcards allowed).
    #[arg(long, value_name = "SUBJECT")]
    pub subject: Option<String>,
    /// Start at this stream sequence instead of the first message.
    #[arg(long, value_name = "SEQ", value_parser = clap::value_parser!(u64).range(1..))]
    pub since: Option<u64>,
    /// Print at most this many messages.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Print only the payload of each message, followed by a newline.
    #[arg(short, long, conflicts_with = "json")]
    pub raw: bool,
    /// After the newest message, keep printing new ones as they are stored, until Ctrl-C.
    #[arg(short, long)]
    pub follow: bool,
}

/// Prints the stored messages up to the newest (as it was when each arrived), or
/// `--count` of them; waits at most `--timeout` for each (so a `--subject` that matches
/// nothing ends after `--timeout`). With `--follow`, goes on with new messages until
/// Ctrl-C or `--count`.
pub async fn run(global: &GlobalArgs, args: ViewArgs) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    // An empty stream, or a start past its end, needs no consumer and no wait.
    let state = js
        .stream_info(&args.name)
        .await
        .map_err(stream_error(&args.name, "read from"))?
        .state;
    let nothing_yet = state.messages == 0 || args.since.is_some_and(|seq| seq > state.last_seq);
    if nothing_yet && !args.follow {
        client.close().await;
        return finish(global, &args, 0);
    }
    let deliver = args
        .since
        .map_or(DeliverPolicy::All, DeliverPolicy::ByStartSequence);
    let mut options = OrderedOptions::default().deliver(deliver);
    if let Some(subject) = &args.subject {
        options = options.filter(subject.clone());
    }
    let mut messages = js
        .ordered_consumer(&args.name, options)
        .await
        .map_err(stream_error(&args.name, "read from"))?;
    let mut printed = 0u64;
    let mut interrupt = std::pin::pin!(interrupted());
    let outcome = loop {
        if args.count.is_some_and(|count| printed >= count) {
            break Ok(());
        }
        // `None`: the end (Ctrl-C when following, else nothing more within --timeout).
        let next = if args.follow {
            tokio::select! {
                next = messages.next() => Some(next),
                () = &mut interrupt => None,
            }
        } else {
            tokio::time::timeout(global.timeout, messages.next())
                .await
                .ok()
        };
        let msg = match next {
            None => break Ok(()),
            Some(None) => break Err(CliError::BadAnswer("the connection closed".to_owned())),
            // The ordered consumer recovers from these by itself.
            Some(Some(Err(JetStreamError::MissedHeartbeats(_) | JetStreamError::Warning(_)))) => {
                continue;
            }
            Some(Some(Err(e))) => break Err(stream_error(&args.name, "read from")(e)),
            Some(Some(Ok(msg))) => msg,
        };
        let metadata = msg.metadata().map_err(stream_error(
            &args.name,
            "read a message's ack subject from",
        ))?;
        printed += 1;
        if global.json {
            output::json_line(&item(&args.name, &msg, metadata).json())?;
        } else if args.raw {
            let mut bytes = msg.payload().to_vec();
            bytes.push(b'\n');
            output::write_stdout(&bytes)?;
        } else {
            output::write_stdout(&item(&args.name, &msg, metadata).text())?;
        }
        if metadata.pending == 0 && !args.follow {
            break Ok(()); // the newest message when it was delivered
        }
    };
    client.close().await;
    outcome?;
    finish(global, &args, printed)
}

/// The summary line on stderr (text output only).
fn finish(global: &GlobalArgs, args: &ViewArgs, printed: u64) -> CliResult {
    if !global.json && !args.raw {
        let what = match printed {
            0 => "No messages".to_owned(),
            n => output::counted(n, "message", "messages"),
        };
        output::note(format!("{what} in stream \"{}\"", args.name));
    }
    Ok(())
}

fn item<'a>(
    stream: &'a str,
    msg: &'a natbus_tokio::jetstream::JsMessage,
    metadata: &natbus_tokio::jetstream::MessageMetadata,
) -> Item<'a> {
    Item {
        stream,
        seq: metadata.stream_sequence,
        subject: msg.subject(),
        time: metadata.timestamp,
        headers: msg.message.headers.as_ref(),
        payload: msg.payload(),
    }
}
