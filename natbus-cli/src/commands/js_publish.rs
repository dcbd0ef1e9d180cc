//! `natbus pub --js`: publish into a stream and wait for each PubAck, retried through
//! leader elections (ADR-22); `--batch atomic|fast` publishes the `--count` messages as
//! one batch (ADR-50). The flags of `pub` for this live here so `pub` stays core NATS.

use std::time::Duration;

use bytes::Bytes;
use clap::{Args, ValueEnum};
use natbus_tokio::HeaderMap;
use natbus_tokio::jetstream::{
    FastBatchConfig, JetStream, JetStreamError, PubAck, PublishOptions, RetryPolicy,
};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::{jetstream, output, template};

/// The JetStream flags of `natbus pub`.
#[derive(Debug, Args)]
pub struct JsPublishArgs {
    /// Publish into the stream capturing the subject and wait for its acknowledgement
    /// (stream and sequence are printed).
    #[arg(long = "js", alias = "jetstream", conflicts_with = "schedule")]
    pub js: bool,
    /// A Nats-Msg-Id for deduplication (`{{Count}}` becomes the message number); makes
    /// retrying after a timeout safe: the stream stores the message once.
    #[arg(long, value_name = "ID", requires = "js")]
    pub msg_id: Option<String>,
    /// Times a publish is sent again when no stream answered (its leader being elected),
    /// or, with --msg-id, when the ack timed out.
    #[arg(long, value_name = "N", default_value_t = 2, requires = "js")]
    pub retries: u32,
    /// Wait before each retry.
    #[arg(long, value_parser = crate::duration::parse, value_name = "DURATION", default_value = "250ms", requires = "js")]
    pub retry_wait: Duration,
    /// Publish the --count messages as one batch: `atomic` (all stored or none; the
    /// stream needs allow_atomic, nats-server 2.12+, at most 1,000 messages) or `fast`
    /// (flow-controlled fast ingest; allow_batched, nats-server 2.14+).
    #[arg(
        long,
        value_enum,
        value_name = "KIND",
        requires = "js",
        conflicts_with = "msg_id"
    )]
    pub batch: Option<BatchKind>,
}

/// How `--batch` publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BatchKind {
    /// An atomic batch (ADR-50).
    Atomic,
    /// A fast-ingest batch (ADR-50).
    Fast,
}

/// What `run` publishes.
pub struct Messages<'a> {
    /// The subject.
    pub subject: &'a str,
    /// Headers of every message.
    pub headers: Option<HeaderMap>,
    /// The body (a `{{Count}}` template or not).
    pub body: &'a [u8],
    /// How many.
    pub count: u64,
}

impl Messages<'_> {
    fn payload(&self, n: u64) -> Bytes {
        if template::has_count(self.body) {
            Bytes::from(template::render(self.body, n))
        } else {
            Bytes::copy_from_slice(self.body)
        }
    }
}

/// Publishes with acks (one by one, or as one batch) and reports where they were stored.
///
/// # Errors
/// No connection, or the stream's refusal (no stream captures the subject, a failed
/// batch with the server's reason).
pub async fn run(global: &GlobalArgs, args: &JsPublishArgs, messages: Messages<'_>) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    let js = js.with_publish_retry(
        RetryPolicy::default()
            .attempts(args.retries)
            .wait(args.retry_wait),
    );
    let result = match args.batch {
        None => one_by_one(global, &js, args, &messages).await,
        Some(kind) => batch(global, &js, kind, &messages).await,
    };
    client.close().await;
    result
}

async fn one_by_one(
    global: &GlobalArgs,
    js: &JetStream,
    args: &JsPublishArgs,
    m: &Messages<'_>,
) -> CliResult {
    for n in 1..=m.count {
        let options = PublishOptions {
            msg_id: args.msg_id.as_deref().map(|id| {
                String::from_utf8_lossy(&template::render(id.as_bytes(), n)).into_owned()
            }),
            ..PublishOptions::default()
        };
        let ack = js
            .publish_with(m.subject, m.headers.clone(), &options, m.payload(n))
            .await
            .map_err(failed(m.subject))?;
        report(global, &ack, None)?;
    }
    Ok(())
}

async fn batch(
    global: &GlobalArgs,
    js: &JetStream,
    kind: BatchKind,
    m: &Messages<'_>,
) -> CliResult {
    let ack = match kind {
        BatchKind::Atomic => {
            let mut batch = js.atomic_batch();
            for n in 1..m.count {
                batch
                    .add(m.subject, m.headers.clone(), m.payload(n))
                    .await
                    .map_err(failed(m.subject))?;
            }
            batch
                .commit(m.subject, m.headers.clone(), m.payload(m.count))
                .await
        }
        BatchKind::Fast => {
            let mut batch = js
                .fast_batch(FastBatchConfig::default())
                .await
                .map_err(failed(m.subject))?;
            for n in 1..m.count {
                batch
                    .add(m.subject, m.headers.as_ref(), m.payload(n))
                    .await
                    .map_err(failed(m.subject))?;
            }
            batch
                .commit(m.subject, m.headers.as_ref(), m.payload(m.count))
                .await
        }
    }
    .map_err(failed(m.subject))?;
    report(global, &ack, Some(kind))
}

fn failed(subject: &str) -> impl Fn(JetStreamError) -> CliError + use<> {
    let subject = subject.to_owned();
    move |source| CliError::JetStream {
        what: format!("could not publish to '{subject}'"),
        source,
    }
}

fn report(global: &GlobalArgs, ack: &PubAck, batch: Option<BatchKind>) -> CliResult {
    if global.json {
        return output::json_line(&json!({
            "stream": ack.stream,
            "seq": ack.seq,
            "duplicate": ack.duplicate,
            "batch": ack.batch,
            "count": ack.count,
        }));
    }
    let note = match batch {
        Some(kind) => {
            let kind = match kind {
                BatchKind::Atomic => "an atomic",
                BatchKind::Fast => "a fast",
            };
            let first = ack.seq.saturating_sub(ack.count.saturating_sub(1));
            format!(
                "Stored {} messages in {} as {kind} batch (sequences {first} to {})",
                ack.count, ack.stream, ack.seq
            )
        }
        None if ack.duplicate => {
            format!("Duplicate: already stored in {} as {}", ack.stream, ack.seq)
        }
        None => format!("Stored in {} as {}", ack.stream, ack.seq),
    };
    output::note(note);
    Ok(())
}
