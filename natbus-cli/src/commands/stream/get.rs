//! `natbus stream get NAME SEQ | --last-for SUBJECT`: one stored message.

use clap::Args;
use natbus_tokio::HeaderMap;

use super::item::Item;
use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, stream_error};
use crate::output;

/// Arguments of `natbus stream get`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus stream get ORDERS 12\n  \
    natbus stream get ORDERS --last-for orders.new --raw")]
pub struct GetArgs {
    /// The stream's name.
    pub name: String,
    /// The message's stream sequence.
    #[arg(required_unless_present = "last_for", conflicts_with = "last_for")]
    pub seq: Option<u64>,
    /// Get the newest message on this subject instead.
    #[arg(long, value_name = "SUBJECT")]
    pub last_for: Option<String>,
    /// Print only the payload.
    #[arg(short, long, conflicts_with = "json")]
    pub raw: bool,
}

/// Reads the message and prints it.
pub async fn run(global: &GlobalArgs, args: GetArgs) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    let stream = js
        .get_stream(&args.name)
        .await
        .map_err(stream_error(&args.name, "open"))?;
    let (got, which) = match (&args.last_for, args.seq) {
        (Some(subject), _) => (
            stream.get_last_message(subject).await,
            format!("on subject '{subject}'"),
        ),
        (None, Some(seq)) => (stream.get_message(seq).await, format!("at sequence {seq}")),
        (None, None) => {
            return Err(CliError::Usage(
                "give a sequence or --last-for SUBJECT".to_owned(),
            ));
        }
    };
    client.close().await;
    let msg = got.map_err(|e| match e.api_error() {
        Some(api) if api.is_no_message_found() => {
            CliError::NotFound(format!("no message {which} in stream '{}'", args.name))
        }
        _ => stream_error(&args.name, "read from")(e),
    })?;
    let headers = msg.headers.as_deref().map(header_map);
    let item = Item {
        stream: &args.name,
        seq: msg.sequence,
        subject: &msg.subject,
        time: msg.time,
        headers: headers.as_ref(),
        payload: &msg.payload,
    };
    if global.json {
        output::json_line(&item.json())
    } else if args.raw {
        output::write_stdout(&msg.payload)
    } else {
        output::write_stdout(&item.text())
    }
}

/// Headers a direct get adds to say where the message is stored; the output shows
/// stream, subject, sequence and time already, so they are left out, and a stream read
/// with or without direct gets prints the same.
const DIRECT_GET_HEADERS: [&str; 4] = [
    "Nats-Stream",
    "Nats-Subject",
    "Nats-Sequence",
    "Nats-Time-Stamp",
];

/// The headers of a stored `NATS/1.0` header block, for display (the status line, lines
/// without a colon and direct-get metadata are skipped).
fn header_map(block: &[u8]) -> HeaderMap {
    String::from_utf8_lossy(block)
        .split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, _)| {
            !k.is_empty() && !DIRECT_GET_HEADERS.iter().any(|d| d.eq_ignore_ascii_case(k))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::header_map;

    #[test]
    fn reads_header_blocks() {
        let h = header_map(b"NATS/1.0\r\nA: 1\r\nB:two\r\nA: 3\r\n\r\n");
        assert_eq!(h.get_all("A").collect::<Vec<_>>(), ["1", "3"]);
        assert_eq!(h.get("B"), Some("two"));
        assert!(header_map(b"NATS/1.0\r\n\r\n").is_empty());
        let direct = header_map(b"NATS/1.0\r\nNats-Stream: S\r\nNats-Sequence: 1\r\nx: 1\r\n\r\n");
        assert_eq!(direct.iter().collect::<Vec<_>>(), [("x", "1")]);
    }
}
