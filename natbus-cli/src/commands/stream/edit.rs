//! `natbus stream edit NAME`: change some of a stream's settings in place; every setting
//! not named on the command line stays as the server has it.

use std::time::Duration;

use clap::Args;
use natbus_tokio::jetstream::StreamConfig;

use super::{add, render};
use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, Discard, stream_error};
use crate::output;

/// Arguments of `natbus stream edit`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  natbus stream edit ORDERS --max-age 24h --max-bytes 10GB\n  \
    natbus stream edit ORDERS --subjects 'orders.>,refunds.>'\n  \
    natbus stream edit ORDERS --max-msgs -1 --max-age 0   # remove both limits"
)]
pub struct EditArgs {
    /// The stream's name.
    pub name: String,
    /// Replace the subjects the stream captures, comma separated.
    #[arg(long, value_delimiter = ',', value_name = "SUBJECTS")]
    pub subjects: Option<Vec<String>>,
    /// Number of copies in a cluster (1 to 5).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub replicas: Option<u8>,
    /// Remove messages older than this (e.g. 1h); 0 for no age limit.
    #[arg(long, value_parser = duration_or_zero, value_name = "DURATION")]
    pub max_age: Option<Duration>,
    /// Keep at most this many messages; -1 for no limit.
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(-1..))]
    pub max_msgs: Option<i64>,
    /// Keep at most this many messages per subject; -1 for no limit.
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(-1..))]
    pub max_msgs_per_subject: Option<i64>,
    /// Keep at most this many bytes (e.g. 1GB); 0 for no limit.
    #[arg(long, value_parser = crate::size::parse, value_name = "BYTES")]
    pub max_bytes: Option<u64>,
    /// At a limit, drop old messages or refuse new ones.
    #[arg(long, value_enum)]
    pub discard: Option<Discard>,
    /// Window in which messages with the same Nats-Msg-Id are stored once.
    #[arg(long, value_parser = crate::duration::parse, value_name = "DURATION")]
    pub dupe_window: Option<Duration>,
    /// Allow (true) or stop (false) direct gets.
    #[arg(long, value_name = "BOOL")]
    pub allow_direct: Option<bool>,
    /// A new description.
    #[arg(long)]
    pub description: Option<String>,
    /// Set a metadata entry, KEY=VALUE; repeat for more.
    #[arg(long = "metadata", value_name = "KEY=VALUE", value_parser = crate::jetstream::parse_metadata)]
    pub metadata: Vec<(String, String)>,
    /// Remove a metadata entry; repeat for more.
    #[arg(long, value_name = "KEY")]
    pub remove_metadata: Vec<String>,
}

/// A duration, or `0` for none (no limit).
fn duration_or_zero(text: &str) -> Result<Duration, String> {
    if text.trim() == "0" {
        Ok(Duration::ZERO)
    } else {
        crate::duration::parse(text)
    }
}

impl EditArgs {
    /// `config` with the settings named on the command line changed.
    ///
    /// # Errors
    /// [`CliError::Usage`] when nothing is to change, or for an empty subject.
    pub fn apply(&self, mut config: StreamConfig) -> CliResult<StreamConfig> {
        let named = self.subjects.is_some()
            || self.replicas.is_some()
            || self.max_age.is_some()
            || self.max_msgs.is_some()
            || self.max_msgs_per_subject.is_some()
            || self.max_bytes.is_some()
            || self.discard.is_some()
            || self.dupe_window.is_some()
            || self.allow_direct.is_some()
            || self.description.is_some()
            || !self.metadata.is_empty()
            || !self.remove_metadata.is_empty();
        if !named {
            return Err(CliError::Usage(format!(
                "nothing to change: name a setting, e.g. `natbus stream edit {} --max-age 24h`",
                self.name
            )));
        }
        if let Some(list) = &self.subjects {
            config.subjects = add::subjects(list)?;
        }
        if let Some(replicas) = self.replicas {
            config.num_replicas = usize::from(replicas);
        }
        if let Some(age) = self.max_age {
            config.max_age = age;
        }
        if let Some(n) = self.max_msgs {
            config.max_msgs = n;
        }
        if let Some(n) = self.max_msgs_per_subject {
            config.max_msgs_per_subject = n;
        }
        if let Some(bytes) = self.max_bytes {
            // `size::parse` keeps sizes within i64; 0 means no limit.
            config.max_bytes = i64::try_from(bytes).ok().filter(|&b| b > 0).unwrap_or(-1);
        }
        if let Some(discard) = self.discard {
            config.discard = discard.into();
        }
        if let Some(window) = self.dupe_window {
            config.duplicate_window = window;
        }
        if let Some(direct) = self.allow_direct {
            config.allow_direct = direct;
        }
        if let Some(description) = &self.description {
            config.description = Some(description.clone());
        }
        jetstream::apply_metadata(&mut config.metadata, &self.metadata, &self.remove_metadata);
        Ok(config)
    }
}

/// Reads the stream's config, changes what was asked, and updates the stream.
pub async fn run(global: &GlobalArgs, args: EditArgs) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    let current = js
        .stream_info(&args.name)
        .await
        .map_err(stream_error(&args.name, "read"));
    let updated = match current.and_then(|info| args.apply(info.config)) {
        Ok(config) => js
            .update_stream(config)
            .await
            .map_err(stream_error(&args.name, "update")),
        Err(e) => Err(e),
    };
    client.close().await;
    let stream = updated?;
    let info = stream.cached_info();
    if global.json {
        output::json_pretty(info)
    } else {
        output::note(format!("Stream \"{}\" was updated", args.name));
        output::write_stdout(render::info(info).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(args: &[&str]) -> EditArgs {
        let mut all = vec!["edit"];
        all.extend_from_slice(args);
        crate::cli::parse_args(&all)
    }

    #[test]
    fn only_named_settings_change() {
        let mut before = StreamConfig::new("S").subjects(["s.>"]);
        before.max_msgs = 100;
        before.max_bytes = 1024;
        let after = edit(&[
            "S",
            "--max-msgs",
            "-1",
            "--max-bytes",
            "0",
            "--max-age",
            "1h",
        ])
        .apply(before.clone())
        .expect("a change");
        assert_eq!((after.max_msgs, after.max_bytes), (-1, -1));
        assert_eq!(after.max_age, Duration::from_secs(3600));
        assert_eq!(after.subjects, before.subjects);
        assert_eq!(after.discard, before.discard);
    }

    #[test]
    fn nothing_named_is_a_usage_error() {
        let e = edit(&["S"])
            .apply(StreamConfig::new("S"))
            .expect_err("no change");
        assert!(e.to_string().contains("nothing to change"), "{e}");
        let e = edit(&["S", "--subjects", "a,"]).apply(StreamConfig::new("S"));
        assert!(e.is_err());
    }
}
