//! `natbus consumer edit STREAM NAME`: change some of a durable consumer's settings in
//! place; every setting not named on the command line stays as the server has it.

use std::time::Duration;

use clap::Args;
use natbus_tokio::jetstream::ConsumerConfig;

use super::render;
use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, consumer_error};
use crate::output;

/// Arguments of `natbus consumer edit`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  natbus consumer edit ORDERS worker --ack-wait 1m --max-pending 500\n  \
    natbus consumer edit ORDERS worker --filter 'orders.eu.>'\n  \
    natbus consumer edit ORDERS worker --max-deliver -1   # no delivery limit"
)]
pub struct EditArgs {
    /// The stream's name.
    pub stream: String,
    /// The consumer's name.
    pub name: String,
    /// Only messages on this subject (wildcards allowed).
    #[arg(long, value_name = "SUBJECT")]
    pub filter: Option<String>,
    /// Give up on a message after this many deliveries; -1 for no limit.
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(-1..))]
    pub max_deliver: Option<i64>,
    /// Redeliver a message not acknowledged within this time.
    #[arg(long, value_parser = crate::duration::parse, value_name = "DURATION")]
    pub ack_wait: Option<Duration>,
    /// Most messages delivered but not yet acknowledged.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    pub max_pending: Option<i64>,
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

impl EditArgs {
    /// `config` with the settings named on the command line changed.
    ///
    /// # Errors
    /// [`CliError::Usage`] when nothing is to change, or for an empty filter.
    pub fn apply(&self, mut config: ConsumerConfig) -> CliResult<ConsumerConfig> {
        let named = self.filter.is_some()
            || self.max_deliver.is_some()
            || self.ack_wait.is_some()
            || self.max_pending.is_some()
            || self.description.is_some()
            || !self.metadata.is_empty()
            || !self.remove_metadata.is_empty();
        if !named {
            return Err(CliError::Usage(format!(
                "nothing to change: name a setting, e.g. `natbus consumer edit {} {} --ack-wait 1m`",
                self.stream, self.name
            )));
        }
        if let Some(filter) = &self.filter {
            if filter.trim().is_empty() {
                return Err(CliError::Usage("--filter needs a subject".to_owned()));
            }
            config.filter_subject = Some(filter.trim().to_owned());
            config.filter_subjects.clear();
        }
        if let Some(n) = self.max_deliver {
            config.max_deliver = Some(n);
        }
        if let Some(wait) = self.ack_wait {
            config.ack_wait = Some(wait);
        }
        if let Some(n) = self.max_pending {
            config.max_ack_pending = Some(n);
        }
        if let Some(description) = &self.description {
            config.description = Some(description.clone());
        }
        jetstream::apply_metadata(&mut config.metadata, &self.metadata, &self.remove_metadata);
        Ok(config)
    }
}

/// Reads the consumer's config, changes what was asked, and updates the consumer.
pub async fn run(global: &GlobalArgs, args: EditArgs) -> CliResult {
    let (client, js) = jetstream::connect(global).await?;
    let current = js
        .consumer_info(&args.stream, &args.name)
        .await
        .map_err(consumer_error(&args.stream, &args.name, "read"));
    let updated = match current.and_then(|info| args.apply(info.config)) {
        Ok(config) => js
            .update_consumer(&args.stream, config)
            .await
            .map_err(consumer_error(&args.stream, &args.name, "update")),
        Err(e) => Err(e),
    };
    client.close().await;
    let info = updated?;
    if global.json {
        output::json_pretty(&info)
    } else {
        output::note(format!(
            "Consumer \"{}\" on stream \"{}\" was updated",
            args.name, args.stream
        ));
        output::write_stdout(render::info(&info).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(args: &[&str]) -> EditArgs {
        let mut all = vec!["edit", "S", "c"];
        all.extend_from_slice(args);
        crate::cli::parse_args(&all)
    }

    #[test]
    fn only_named_settings_change() {
        let mut before = ConsumerConfig::durable("c");
        before.filter_subjects = vec!["a".to_owned(), "b".to_owned()];
        before.max_ack_pending = Some(10);
        let after = edit(&["--filter", "x.>", "--max-deliver", "-1", "--ack-wait", "1m"])
            .apply(before.clone())
            .expect("a change");
        assert_eq!(after.filter_subject.as_deref(), Some("x.>"));
        assert!(
            after.filter_subjects.is_empty(),
            "one filter replaces the list"
        );
        assert_eq!(after.max_deliver, Some(-1));
        assert_eq!(after.ack_wait, Some(Duration::from_secs(60)));
        assert_eq!(after.max_ack_pending, Some(10), "not named, kept");
        assert_eq!(after.durable_name, before.durable_name);
    }

    #[test]
    fn nothing_named_is_a_usage_error() {
        let e = edit(&[]).apply(ConsumerConfig::durable("c"));
        assert!(e.is_err_and(|e| e.to_string().contains("nothing to change")));
        assert!(
            edit(&["--filter", " "])
                .apply(ConsumerConfig::durable("c"))
                .is_err()
        );
    }
}
