//! The command line: global connection flags and the list of commands.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use natbus_tokio::context::Context;

use crate::commands::{
    account, bench, completions, consumer, context, counter, kv, object, publish, reply, request,
    server, service, stream, subscribe,
};

/// natbus: talk to NATS from the command line.
///
/// The connection comes from the selected `nats` context (or --context NAME), with
/// --server (or NATS_URL), --user/--password, --token, --creds or --nkey, and TLS files
/// overriding it. Use `natbus <command> --help` for each command.
#[derive(Debug, Parser)]
#[command(
    name = "natbus",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Connection and output options, valid for every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts, before or after the command name.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connection and output options")]
pub struct GlobalArgs {
    /// NATS server URL(s), comma separated: nats://, tls://, or ws:// and wss:// for a
    /// server's WebSocket port (with an optional path, e.g. wss://host/nats). Default: the
    /// context's URL, else nats://127.0.0.1:4222.
    #[arg(
        short,
        long,
        global = true,
        env = "NATS_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub server: Option<String>,
    /// The `nats` context to connect with (default: the selected one, see `natbus
    /// context`); the other flags override its settings.
    #[arg(long, global = true, env = "NATS_CONTEXT", value_name = "NAME")]
    pub context: Option<String>,
    /// User name to authenticate with (needs --password).
    #[arg(long, global = true, env = "NATS_USER", requires = "password")]
    pub user: Option<String>,
    /// Password to authenticate with.
    #[arg(long, global = true, env = "NATS_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Token to authenticate with.
    #[arg(
        long,
        global = true,
        env = "NATS_TOKEN",
        hide_env_values = true,
        conflicts_with = "user"
    )]
    pub token: Option<String>,
    /// Credentials file (user JWT + nkey seed, as `nsc` writes it).
    #[arg(long, global = true, env = "NATS_CREDS", value_name = "FILE")]
    pub creds: Option<PathBuf>,
    /// File holding a user nkey seed (`SU…`) to authenticate with.
    #[arg(
        long,
        global = true,
        env = "NATS_NKEY",
        value_name = "SEED_FILE",
        conflicts_with = "creds"
    )]
    pub nkey: Option<PathBuf>,
    /// CA certificate(s) (PEM) to trust instead of the system store.
    #[arg(long, global = true, env = "NATS_CA", value_name = "FILE")]
    pub tlsca: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS (needs --tlskey).
    #[arg(
        long,
        global = true,
        env = "NATS_CERT",
        value_name = "FILE",
        requires = "tlskey"
    )]
    pub tlscert: Option<PathBuf>,
    /// Client private key (PEM) for mutual TLS (needs --tlscert).
    #[arg(
        long,
        global = true,
        env = "NATS_KEY",
        value_name = "FILE",
        requires = "tlscert"
    )]
    pub tlskey: Option<PathBuf>,
    /// Start TLS before the server's INFO (servers with `handshake_first`).
    #[arg(long, global = true)]
    pub tlsfirst: bool,
    /// Time allowed to connect and for each request or wait, e.g. 2s, 500ms.
    #[arg(long, global = true, default_value = "5s", value_parser = crate::duration::parse)]
    pub timeout: Duration,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Connection name shown in server monitoring.
    #[arg(long, global = true, default_value = "natbus-cli", value_name = "NAME")]
    pub name: String,
    /// The connection settings: the context with the flags above applied over it, filled
    /// in by [`crate::settings::resolve`] before a command runs.
    #[arg(skip)]
    pub settings: Context,
}

impl GlobalArgs {
    /// The server URL(s) the command connects to.
    pub fn server_url(&self) -> &str {
        self.settings.server_url()
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Publish a message (or --count messages) to a subject.
    #[command(name = "pub")]
    Pub(publish::PubArgs),
    /// Subscribe to a subject and print the messages.
    #[command(name = "sub")]
    Sub(subscribe::SubArgs),
    /// Send a request and print the reply.
    #[command(name = "req", alias = "request")]
    Req(request::ReqArgs),
    /// Answer requests on a subject with a fixed body or an echo.
    Reply(reply::ReplyArgs),
    /// Discover and inspect services (the NATS Service API, `$SRV.*`).
    #[command(alias = "micro")]
    Service(service::ServiceArgs),
    /// Manage JetStream streams: add, ls, info, edit, rm, purge, get, view.
    #[command(alias = "str")]
    Stream(stream::StreamArgs),
    /// Manage JetStream consumers and pull messages: add, ls, info, edit, rm, next.
    #[command(alias = "con")]
    Consumer(consumer::ConsumerArgs),
    /// Add to and read the counters of a stream made with --allow-counter: add, get.
    Counter(counter::CounterArgs),
    /// Use key-value buckets: add, info, put, create, update, get, del, purge, ls, watch,
    /// history, rm.
    Kv(kv::KvArgs),
    /// Store files in object stores: add, put, get, info, ls, del, rm, status, watch, seal,
    /// link.
    #[command(alias = "obj")]
    Object(object::ObjectArgs),
    /// Measure publish/subscribe, request/reply or JetStream throughput and latency.
    Bench(bench::BenchArgs),
    /// Inspect the server.
    Server(server::ServerArgs),
    /// Show the account's JetStream usage and limits.
    Account(account::AccountArgs),
    /// Manage `nats` contexts (shared with the nats tool): ls, show, select, save.
    #[command(alias = "ctx")]
    Context(context::ContextArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
}

/// Parses `argv` (program name first) into one command's arguments, for unit tests of
/// the code that reads them.
#[cfg(test)]
pub fn parse_args<T: clap::Args>(argv: &[&str]) -> T {
    #[derive(clap::Parser)]
    struct Wrapper<T: clap::Args> {
        #[command(flatten)]
        inner: T,
    }
    <Wrapper<T> as clap::Parser>::try_parse_from(argv)
        .expect("valid flags")
        .inner
}
