//! `natbus pub SUBJECT [BODY]`: publish one message or `--count` of them.

use bytes::Bytes;
use clap::Args;
use serde_json::json;

use super::js_publish::{self, JsPublishArgs, Messages};
use super::schedule::{self, ScheduleArgs};
use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::{connect, message, output, template};

/// Arguments of `natbus pub`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus pub orders.new '{\"id\":1}'\n  \
    natbus pub -H trace:abc --count 10 greet 'hello #{{Count}}'\n  \
    echo hi | natbus pub greet\n  \
    natbus pub --js --msg-id 'order-{{Count}}' --count 3 orders.new 'order {{Count}}'\n  \
    natbus pub --js --batch atomic --count 5 orders.new 'line {{Count}}'\n  \
    natbus pub sched.report 'daily' --schedule '0 0 8 * * *' --time-zone Europe/Amsterdam --target reports.daily")]
pub struct PubArgs {
    /// Subject to publish to.
    pub subject: String,
    /// Message body; read from stdin when absent. `{{Count}}` becomes the message number.
    pub body: Option<String>,
    /// Header to add, as key:value (repeatable).
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,
    /// Number of messages to publish.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,
    /// Reply subject to send with the message(s).
    #[arg(long, value_name = "SUBJECT")]
    pub reply: Option<String>,
    /// `--schedule` and its flags: store a message schedule instead (JetStream).
    #[command(flatten)]
    pub schedule: ScheduleArgs,
    /// `--js` and its flags: publish into a stream with acknowledgements (JetStream).
    #[command(flatten)]
    pub js: JsPublishArgs,
}

/// Publishes, then flushes so the server has every message before the process exits.
pub async fn run(global: &GlobalArgs, args: PubArgs) -> CliResult {
    let headers = message::parse_headers(&args.headers)?;
    let body = output::body_or_stdin(args.body.as_deref(), false)?;
    if let Some(scheduled) = args.schedule.schedule()? {
        if args.count != 1 || args.reply.is_some() {
            return Err(CliError::Usage(
                "--schedule stores one schedule: it takes neither --count nor --reply".to_owned(),
            ));
        }
        return schedule::run(global, &args.subject, &scheduled, headers, body.into()).await;
    }
    if args.js.js {
        if args.reply.is_some() {
            return Err(CliError::Usage(
                "--js waits for the stream's acknowledgement on its own reply subject: it does not take --reply".to_owned(),
            ));
        }
        let messages = Messages {
            subject: &args.subject,
            headers,
            body: &body,
            count: args.count,
        };
        return js_publish::run(global, &args.js, messages).await;
    }
    let templated = template::has_count(&body);
    let client = connect::connect(global).await?;
    let fixed = Bytes::from(body.clone());
    let mut total_bytes = 0u64;
    for count in 1..=args.count {
        let payload = if templated {
            Bytes::from(template::render(&body, count))
        } else {
            fixed.clone()
        };
        total_bytes += payload.len() as u64;
        client
            .publish_full(
                &args.subject,
                args.reply.as_deref(),
                headers.as_ref(),
                payload,
            )
            .await
            .map_err(|source| CliError::Publish {
                subject: args.subject.clone(),
                source,
            })?;
    }
    client.flush().await.map_err(CliError::Flush)?;
    client.close().await;
    if global.json {
        output::json_line(&json!({
            "subject": args.subject,
            "messages": args.count,
            "bytes": total_bytes,
        }))
    } else {
        let what = match args.count {
            1 => format!("{total_bytes} bytes"),
            n => format!("{n} messages ({total_bytes} bytes)"),
        };
        output::note(format!("Published {what} to \"{}\"", args.subject));
        Ok(())
    }
}
