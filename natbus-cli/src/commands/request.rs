//! `natbus req SUBJECT [BODY]`: send one request and print the reply (or, with
//! `--replies`, every reply that comes within the timeout: scatter-gather).

use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Args;
use natbus_tokio::{Client, HeaderMap, Message, RequestManyOptions, RequestOptions};

use crate::cli::GlobalArgs;
use crate::duration::human;
use crate::error::{CliError, CliResult};
use crate::{connect, message, output};

/// Arguments of `natbus req`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus req greet.hello 'Ada'\n  \
    natbus req --timeout 500ms -H auth:xyz billing.charge '{\"amount\":3}'\n  \
    natbus req --replies 0 --timeout 1s inventory.count   # every answer within 1s")]
pub struct ReqArgs {
    /// Subject to send the request to.
    pub subject: String,
    /// Request body; read from stdin when absent and stdin is not a terminal.
    pub body: Option<String>,
    /// Header to add, as key:value (repeatable).
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,
    /// Print only the reply payload.
    #[arg(short, long, conflicts_with = "json")]
    pub raw: bool,
    /// Wait for this many replies (0: all that come within --timeout), from every
    /// responder rather than the first.
    #[arg(long, value_name = "N")]
    pub replies: Option<u64>,
}

/// Sends the request; no responders and timeouts fail with exit code 1.
pub async fn run(global: &GlobalArgs, args: ReqArgs) -> CliResult {
    let headers = message::parse_headers(&args.headers)?;
    let body = output::body_or_stdin(args.body.as_deref(), true)?;
    let client = connect::connect(global).await?;
    if !args.raw && !global.json {
        output::note(format!(
            "Sending request on \"{}\" ({} bytes)",
            args.subject,
            body.len()
        ));
    }
    if let Some(wanted) = args.replies {
        return gather(global, &args, &client, headers, Bytes::from(body), wanted).await;
    }
    let started = Instant::now();
    let options = RequestOptions {
        headers,
        timeout: Some(global.timeout),
    };
    let reply = client
        .request_with(&args.subject, Bytes::from(body), options)
        .await;
    let rtt = started.elapsed();
    client.close().await;
    let reply = reply?;
    print_reply(global, &args, None, &reply, rtt)
}

/// Sends one request and prints each reply until `wanted` (0: no limit) or `--timeout`;
/// fails when none came.
async fn gather(
    global: &GlobalArgs,
    args: &ReqArgs,
    client: &Client,
    headers: Option<HeaderMap>,
    body: Bytes,
    wanted: u64,
) -> CliResult {
    let mut options = RequestManyOptions::default().timeout(global.timeout);
    options.headers = headers;
    if wanted > 0 {
        options = options.max_replies(usize::try_from(wanted).unwrap_or(usize::MAX));
    }
    let started = Instant::now();
    let outcome = match client.request_many(&args.subject, body, options).await {
        Err(e) => Err(CliError::Request(e)),
        Ok(mut replies) => {
            let mut got = 0u64;
            loop {
                match replies.next().await {
                    None => break Ok(got),
                    Some(Err(e)) => break Err(CliError::Request(e)),
                    Some(Ok(reply)) => {
                        got += 1;
                        let rtt = started.elapsed();
                        if let Err(e) = print_reply(global, args, Some(got), &reply, rtt) {
                            break Err(e);
                        }
                    }
                }
            }
        }
    };
    client.close().await;
    let got = outcome?;
    if got == 0 {
        return Err(CliError::TimedOut(format!(
            "no reply on '{}' within {}",
            args.subject,
            human(global.timeout)
        )));
    }
    if !args.raw && !global.json {
        output::note(format!(
            "Received {}",
            output::counted(got, "reply", "replies")
        ));
    }
    Ok(())
}

/// Prints one reply (`number` counts them when several are gathered).
fn print_reply(
    global: &GlobalArgs,
    args: &ReqArgs,
    number: Option<u64>,
    reply: &Message,
    rtt: Duration,
) -> CliResult {
    if global.json {
        let mut value = message::to_json(number, reply);
        if let Some(object) = value.as_object_mut() {
            object.insert("rtt_ns".into(), serde_json::json!(rtt.as_nanos() as u64));
        }
        output::json_line(&value)
    } else if args.raw {
        let mut bytes = reply.payload.to_vec();
        bytes.push(b'\n');
        output::write_stdout(&bytes)
    } else {
        match number {
            Some(n) => output::note(format!("Received reply {n} with rtt {}", human(rtt))),
            None => output::note(format!("Received with rtt {}", human(rtt))),
        }
        let mut text = reply
            .headers
            .as_ref()
            .map(message::render_headers)
            .map(|h| format!("{h}\n"))
            .unwrap_or_default()
            .into_bytes();
        text.extend_from_slice(&reply.payload);
        text.push(b'\n');
        output::write_stdout(&text)
    }
}
