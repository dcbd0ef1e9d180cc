//! `natbus req SUBJECT [BODY]`: send one request and print the reply.

use std::time::Instant;

use bytes::Bytes;
use clap::Args;
use natbus_tokio::RequestOptions;

use crate::cli::GlobalArgs;
use crate::duration::human;
use crate::error::CliResult;
use crate::{connect, message, output};

/// Arguments of `natbus req`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  natbus req greet.hello 'Ada'\n  \
    natbus req --timeout 500ms -H auth:xyz billing.charge '{\"amount\":3}'")]
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
    if global.json {
        let mut value = message::to_json(None, &reply);
        if let Some(object) = value.as_object_mut() {
            object.insert("rtt_ns".into(), serde_json::json!(rtt.as_nanos() as u64));
        }
        output::json_line(&value)
    } else if args.raw {
        let mut bytes = reply.payload.to_vec();
        bytes.push(b'\n');
        output::write_stdout(&bytes)
    } else {
        output::note(format!("Received with rtt {}", human(rtt)));
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
