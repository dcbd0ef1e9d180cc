//! `natbus stream add NAME`: a stream config from flags; unset flags keep the server's
//! defaults.

use std::time::Duration;

use clap::Args;
use natbus_tokio::jetstream::StreamConfig;

use super::render;
use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, Discard, Retention, Storage, stream_error};
use crate::output;

/// Arguments of `natbus stream add`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  natbus stream add ORDERS --subjects 'orders.>'\n  \
    natbus stream add EVENTS --subjects a,b --storage memory --max-age 1h --max-msgs 10000\n  \
    natbus stream add JOBS --subjects 'jobs.*' --retention workqueue --discard new"
)]
pub struct AddArgs {
    /// The stream's name (letters, digits, '-' and '_').
    pub name: String,
    /// Subjects the stream captures, comma separated (default: the stream's name).
    #[arg(long, value_delimiter = ',', value_name = "SUBJECTS")]
    pub subjects: Vec<String>,
    /// Where messages are stored.
    #[arg(long, value_enum, default_value = "file")]
    pub storage: Storage,
    /// Number of copies in a cluster (1 to 5).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub replicas: u8,
    /// When messages are removed.
    #[arg(long, value_enum, default_value = "limits")]
    pub retention: Retention,
    /// Remove messages older than this (e.g. 1h, 30m); unlimited when absent.
    #[arg(long, value_parser = crate::duration::parse, value_name = "DURATION")]
    pub max_age: Option<Duration>,
    /// Keep at most this many messages.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    pub max_msgs: Option<i64>,
    /// Keep at most this many messages per subject.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    pub max_msgs_per_subject: Option<i64>,
    /// Keep at most this many bytes (e.g. 1GB, 512MB).
    #[arg(long, value_parser = crate::size::parse, value_name = "BYTES")]
    pub max_bytes: Option<u64>,
    /// At a limit, drop old messages or refuse new ones.
    #[arg(long, value_enum, default_value = "old")]
    pub discard: Discard,
    /// Window in which messages with the same Nats-Msg-Id are stored once (default 2m).
    #[arg(long, value_parser = crate::duration::parse, value_name = "DURATION")]
    pub dupe_window: Option<Duration>,
    /// Allow direct gets, answered by any replica.
    #[arg(long)]
    pub allow_direct: bool,
    /// A description of the stream.
    #[arg(long)]
    pub description: Option<String>,
    /// A metadata entry, KEY=VALUE; repeat for more.
    #[arg(long = "metadata", value_name = "KEY=VALUE", value_parser = crate::jetstream::parse_metadata)]
    pub metadata: Vec<(String, String)>,
    /// Allow a TTL per message (the Nats-TTL header; nats-server 2.11+).
    #[arg(long)]
    pub allow_msg_ttl: bool,
    /// Make every subject a counter (`natbus counter`; nats-server 2.12+; not with
    /// --allow-msg-ttl or --discard new).
    #[arg(long)]
    pub allow_counter: bool,
    /// Allow message schedules (`natbus pub --schedule`; nats-server 2.12+).
    #[arg(long)]
    pub allow_schedules: bool,
    /// Allow atomic batches (`natbus pub --js --batch atomic`; nats-server 2.12+).
    #[arg(long)]
    pub allow_atomic: bool,
    /// Allow fast-ingest batches (`natbus pub --js --batch fast`; nats-server 2.14+).
    #[arg(long)]
    pub allow_batched: bool,
}

impl AddArgs {
    /// The config these flags describe.
    ///
    /// # Errors
    /// [`CliError::Usage`] for an empty subject.
    pub fn config(&self) -> CliResult<StreamConfig> {
        let mut config = StreamConfig::new(&self.name)
            .subjects(subjects(&self.subjects)?)
            .storage(self.storage.into())
            .retention(self.retention.into())
            .replicas(usize::from(self.replicas));
        if let Some(age) = self.max_age {
            config = config.max_age(age);
        }
        if let Some(description) = &self.description {
            config = config.description(description);
        }
        config.max_msgs = self.max_msgs.unwrap_or(-1);
        config.max_msgs_per_subject = self.max_msgs_per_subject.unwrap_or(-1);
        // `size::parse` keeps sizes within i64.
        config.max_bytes = self
            .max_bytes
            .and_then(|b| i64::try_from(b).ok())
            .unwrap_or(-1);
        config.discard = self.discard.into();
        config.duplicate_window = self.dupe_window.unwrap_or_default();
        config.allow_direct = self.allow_direct;
        jetstream::apply_metadata(&mut config.metadata, &self.metadata, &[]);
        config.allow_msg_ttl = self.allow_msg_ttl;
        config.allow_msg_schedules = self.allow_schedules;
        config.allow_msg_counter = self.allow_counter;
        config.allow_atomic = self.allow_atomic;
        config.allow_batched = self.allow_batched;
        Ok(config)
    }
}

/// The `--subjects` list, trimmed.
///
/// # Errors
/// [`CliError::Usage`] for an empty subject (e.g. a trailing comma).
pub fn subjects(list: &[String]) -> CliResult<Vec<String>> {
    if list.iter().any(|s| s.trim().is_empty()) {
        return Err(CliError::Usage(
            "--subjects has an empty subject: give e.g. --subjects 'orders.>,audit.*'".to_owned(),
        ));
    }
    Ok(list.iter().map(|s| s.trim().to_owned()).collect())
}

/// Creates the stream and prints its info.
pub async fn run(global: &GlobalArgs, args: AddArgs) -> CliResult {
    let config = args.config()?;
    let (client, js) = jetstream::connect(global).await?;
    let stream = js
        .create_stream(config)
        .await
        .map_err(stream_error(&args.name, "create"))?;
    client.close().await;
    let info = stream.cached_info();
    if global.json {
        output::json_pretty(info)
    } else {
        output::note(format!("Stream \"{}\" was created", args.name));
        output::write_stdout(render::info(info).as_bytes())
    }
}
