//! `natbus reply SUBJECT BODY`: answer requests, with a fixed body or an echo.

use bytes::Bytes;
use clap::Args;

use crate::cli::GlobalArgs;
use crate::commands::drain;
use crate::error::{CliError, CliResult};
use crate::{connect, message, output, template};

/// Arguments of `natbus reply`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  natbus reply greet.hello 'hi there, request #{{Count}}'\n  \
    natbus reply --echo --queue echoers echo"
)]
pub struct ReplyArgs {
    /// Subject to answer on (wildcards allowed).
    pub subject: String,
    /// Reply body (required unless --echo). `{{Count}}` becomes the request number.
    #[arg(required_unless_present = "echo")]
    pub body: Option<String>,
    /// Join this queue group, so several repliers share the requests.
    #[arg(short, long, value_name = "GROUP")]
    pub queue: Option<String>,
    /// Exit after answering this many requests.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Answer each request with its own body and headers.
    #[arg(long, conflicts_with = "body")]
    pub echo: bool,
}

/// Answers until `--count` requests, Ctrl-C (which drains: requests already received are
/// answered), or the connection closes; then sums up on stderr.
pub async fn run(global: &GlobalArgs, args: ReplyArgs) -> CliResult {
    let client = connect::connect(global).await?;
    let mut subscriber = connect::subscribe(&client, &args.subject, args.queue.as_deref()).await?;
    client.flush().await.map_err(CliError::Flush)?;
    if !global.json {
        output::note(format!("Listening for requests on \"{}\"", args.subject));
    }
    let body = args.body.unwrap_or_default().into_bytes();
    let templated = template::has_count(&body);
    let fixed = Bytes::from(body.clone());
    let mut number = 0u64;
    let outcome = drain::each_message(&mut subscriber, global.timeout, async |request| {
        let Some(reply_to) = request.reply.as_ref() else {
            return Ok(true); // a plain publish, not a request: nothing to answer
        };
        number += 1;
        let (headers, payload) = if args.echo {
            (request.headers.as_ref(), request.payload.clone())
        } else if templated {
            (None, Bytes::from(template::render(&body, number)))
        } else {
            (None, fixed.clone())
        };
        client
            .publish_full(reply_to.as_str(), None, headers, payload)
            .await
            .map_err(|source| CliError::Publish {
                subject: reply_to.to_string(),
                source,
            })?;
        if global.json {
            output::json_line(&message::to_json(Some(number), &request))?;
        } else {
            output::write_stdout(&message::render_text(number, &request))?;
        }
        Ok(args.count.is_none_or(|count| number < count))
    })
    .await;
    // Make sure the last replies reach the server before the process exits.
    let flushed = client.flush().await;
    client.close().await;
    outcome?;
    flushed.map_err(CliError::Flush)?;
    if !global.json {
        let what = output::counted(number, "request", "requests");
        output::note(format!("Answered {what} on \"{}\"", args.subject));
    }
    Ok(())
}
