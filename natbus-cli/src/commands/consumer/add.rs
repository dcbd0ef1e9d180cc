//! `natbus consumer add STREAM NAME`: a durable consumer config from flags; unset flags
//! keep the server's defaults.

use std::time::Duration;

use clap::Args;
use natbus_tokio::jetstream::{ConsumerConfig, DeliverPolicy, PriorityPolicy};

use super::render;
use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::jetstream::{self, Ack, Priority, consumer_error};
use crate::output;

/// Arguments of `natbus consumer add`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  natbus consumer add ORDERS worker --filter 'orders.new'\n  \
    natbus consumer add ORDERS audit --deliver last-per-subject --ack none\n  \
    natbus consumer add ORDERS mirror --push --target deliver.orders --deliver-group g\n  \
    natbus consumer add ORDERS worker --priority-policy pinned --priority-group jobs \
    --priority-timeout 30s\n  \
    natbus consumer add ORDERS audit --metadata owner=billing --metadata tier=1"
)]
pub struct AddArgs {
    /// The stream's name.
    pub stream: String,
    /// The consumer's (durable) name.
    pub name: String,
    /// A pull consumer: clients ask for messages (the default).
    #[arg(long, conflicts_with_all = ["push", "target"])]
    pub pull: bool,
    /// A push consumer: the server sends messages to --target.
    #[arg(long, requires = "target")]
    pub push: bool,
    /// Subject a push consumer delivers to.
    #[arg(long, visible_alias = "deliver-subject", value_name = "SUBJECT")]
    pub target: Option<String>,
    /// Queue group that shares a push consumer's messages.
    #[arg(long, value_name = "GROUP", requires = "target")]
    pub deliver_group: Option<String>,
    /// How messages are acknowledged.
    #[arg(long, value_enum, default_value = "explicit")]
    pub ack: Ack,
    /// Where to start: all, new, last, last-per-subject, or a stream sequence.
    #[arg(long, default_value = "all", value_parser = crate::jetstream::parse_deliver, value_name = "POLICY")]
    pub deliver: DeliverPolicy,
    /// Only messages on this subject (wildcards allowed).
    #[arg(long, value_name = "SUBJECT")]
    pub filter: Option<String>,
    /// Give up on a message after this many deliveries.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    pub max_deliver: Option<i64>,
    /// Redeliver a message not acknowledged within this time (server default 30s).
    #[arg(long, value_parser = crate::duration::parse, value_name = "DURATION")]
    pub ack_wait: Option<Duration>,
    /// Most messages delivered but not yet acknowledged (server default 1000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    pub max_pending: Option<i64>,
    /// A description of the consumer.
    #[arg(long)]
    pub description: Option<String>,
    /// Share the messages among the consumer's clients by a priority policy (pull
    /// consumers; nats-server 2.11+, prioritized 2.12+). Pulls then name the group
    /// (`consumer next --group`).
    #[arg(long, value_enum, value_name = "POLICY", requires = "priority_group")]
    pub priority_policy: Option<Priority>,
    /// The priority group (1-16 of A-Z a-z 0-9 - _ / =), with --priority-policy.
    #[arg(long, value_name = "GROUP", requires = "priority_policy")]
    pub priority_group: Option<String>,
    /// pinned: pin another client when the pinned one has not pulled for this long
    /// (server default 2m).
    #[arg(long, value_parser = crate::duration::parse, value_name = "DURATION",
          requires = "priority_policy")]
    pub priority_timeout: Option<Duration>,
    /// A metadata entry, KEY=VALUE; repeat for more.
    #[arg(long = "metadata", value_name = "KEY=VALUE", value_parser = crate::jetstream::parse_metadata)]
    pub metadata: Vec<(String, String)>,
}

impl AddArgs {
    /// The config these flags describe.
    ///
    /// # Errors
    /// [`CliError::Usage`] for an empty filter or target.
    pub fn config(&self) -> CliResult<ConsumerConfig> {
        let mut config = ConsumerConfig::durable(&self.name)
            .ack(self.ack.into())
            .deliver(self.deliver);
        if let Some(filter) = &self.filter {
            if filter.trim().is_empty() {
                return Err(CliError::Usage("--filter needs a subject".to_owned()));
            }
            config = config.filter(filter.trim());
        }
        if let Some(target) = &self.target {
            if target.trim().is_empty() {
                return Err(CliError::Usage("--target needs a subject".to_owned()));
            }
            config = config.push(target.trim());
            config.deliver_group = self.deliver_group.clone();
        }
        config.max_deliver = self.max_deliver;
        config.ack_wait = self.ack_wait;
        config.max_ack_pending = self.max_pending;
        config.description = self.description.clone();
        if let (Some(policy), Some(group)) = (self.priority_policy, &self.priority_group) {
            config = config.priority(PriorityPolicy::from(policy), [group.trim()]);
            config.priority_timeout = self.priority_timeout;
        }
        jetstream::apply_metadata(&mut config.metadata, &self.metadata, &[]);
        config
            .validate()
            .map_err(|e| CliError::Usage(e.to_string()))?;
        Ok(config)
    }
}

/// Creates the consumer and prints its info.
pub async fn run(global: &GlobalArgs, args: AddArgs) -> CliResult {
    let config = args.config()?;
    let (client, js) = jetstream::connect(global).await?;
    let info = js
        .create_consumer(&args.stream, config)
        .await
        .map_err(consumer_error(&args.stream, &args.name, "create"))?;
    client.close().await;
    if global.json {
        output::json_pretty(&info)
    } else {
        output::note(format!(
            "Consumer \"{}\" was created on stream \"{}\"",
            args.name, args.stream
        ));
        output::write_stdout(render::info(&info).as_bytes())
    }
}
