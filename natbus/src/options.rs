//! Connection options: a builder with the defaults of the official clients.

use std::time::Duration;

use natbus_proto::connect::Auth;
use natbus_proto::connection::ConnectionConfig;
use natbus_proto::reconnect::ReconnectPolicy;
use natbus_proto::server_addr::ServerAddr;

#[cfg(feature = "nkeys")]
use crate::auth::CredentialsSource;
use crate::error::ConnectError;
use crate::tls::TlsSettings;

/// How to connect, authenticate, keep alive and reconnect.
///
/// Every duration (here and in the rest of natbus: JetStream timeouts, fetch expiries,
/// heartbeats, service and bus options) follows one rule: `Duration::MAX`, or anything
/// from [`NEVER`](natbus_proto::time::NEVER) (100 years) up, means "no timeout"; zero
/// means "at once" (for the ping interval: no pings). No value panics.
///
/// ```
/// use std::time::Duration;
/// let options = natbus::ConnectOptions::new()
///     .server("nats://127.0.0.1:4222")
///     .name("billing")
///     .user_password("app", "s3cret")
///     .request_timeout(Duration::from_secs(2));
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub(crate) servers: Vec<String>,
    pub(crate) name: Option<String>,
    pub(crate) auth: Auth,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) drain_timeout: Duration,
    pub(crate) ping_interval: Duration,
    pub(crate) max_pings_out: u32,
    pub(crate) reconnect: ReconnectPolicy,
    pub(crate) retry_on_initial_connect: bool,
    pub(crate) reconnect_buffer_size: usize,
    pub(crate) write_buffer_size: usize,
    pub(crate) inbox_prefix: String,
    pub(crate) no_echo: bool,
    pub(crate) require_tls: bool,
    pub(crate) max_inbound_message: usize,
    pub(crate) subscription_capacity: usize,
    pub(crate) subscription_capacity_bytes: usize,
    pub(crate) seed: Option<u64>,
    #[cfg(feature = "nkeys")]
    pub(crate) credentials: Option<CredentialsSource>,
    pub(crate) tls: TlsSettings,
    /// The API prefix [`Client::jetstream`](crate::Client::jetstream) starts from.
    #[cfg(feature = "jetstream")]
    pub(crate) jetstream_prefix: natbus_proto::jetstream::api::ApiPrefix,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            servers: Vec::new(),
            name: None,
            auth: Auth::None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(30),
            ping_interval: Duration::from_secs(60),
            max_pings_out: 2,
            reconnect: ReconnectPolicy::default(),
            retry_on_initial_connect: false,
            reconnect_buffer_size: 8 * 1024 * 1024,
            write_buffer_size: 8 * 1024 * 1024,
            inbox_prefix: "_INBOX".to_owned(),
            no_echo: false,
            require_tls: false,
            max_inbound_message: 64 * 1024 * 1024,
            subscription_capacity: 65_536,
            subscription_capacity_bytes: 64 * 1024 * 1024,
            seed: None,
            #[cfg(feature = "nkeys")]
            credentials: None,
            tls: TlsSettings::default(),
            #[cfg(feature = "jetstream")]
            jetstream_prefix: Default::default(),
        }
    }
}

impl ConnectOptions {
    /// Options with the defaults (server `nats://127.0.0.1:4222` unless one is added).
    pub fn new() -> Self {
        Self::default()
    }

    /// Options from the environment, as the `nats` tools read it: `NATS_URL` (a
    /// comma-separated list), `NATS_USER` + `NATS_PASSWORD`, `NATS_TOKEN`, `NATS_NAME`.
    pub fn from_env() -> Self {
        let mut o = Self::default();
        if let Ok(url) = std::env::var("NATS_URL") {
            o = o.server(&url);
        }
        if let (Ok(user), Ok(pass)) = (std::env::var("NATS_USER"), std::env::var("NATS_PASSWORD")) {
            o = o.user_password(&user, &pass);
        }
        if let Ok(token) = std::env::var("NATS_TOKEN") {
            o = o.token(&token);
        }
        if let Ok(name) = std::env::var("NATS_NAME") {
            o = o.name(&name);
        }
        o
    }

    /// Adds a server URL, or several separated by commas (`nats://host:4222`,
    /// `nats://user:pass@host`, `host:port`).
    pub fn server(mut self, url: &str) -> Self {
        self.servers.extend(
            url.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
        self
    }

    /// The connection name shown in server monitoring.
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// Authenticate with a user name and password.
    pub fn user_password(mut self, user: &str, password: &str) -> Self {
        self.auth = Auth::UserPassword {
            user: user.to_owned(),
            password: password.to_owned(),
        };
        self
    }

    /// Authenticate with a token.
    pub fn token(mut self, token: &str) -> Self {
        self.auth = Auth::Token(token.to_owned());
        self
    }

    /// Authenticate with any [`Auth`] method (nkey and JWT take a nonce signer).
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Time allowed for TCP connect plus the handshake (default 5 s; `Duration::MAX`:
    /// no limit).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Default timeout of [`Client::request`](crate::Client::request) and of flushes
    /// (default 10 s; `Duration::MAX`: wait forever).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Upper bound of [`Client::drain`](crate::Client::drain) (default 30 s;
    /// `Duration::MAX`: none).
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.drain_timeout = timeout;
        self
    }

    /// How often to PING the server (default 60 s; zero or `Duration::MAX` disables).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }

    /// Unanswered PINGs before the connection counts as stale (default 2).
    pub fn max_pings_out(mut self, max: u32) -> Self {
        self.max_pings_out = max;
        self
    }

    /// Reconnect after a lost connection (default on).
    pub fn reconnect(mut self, on: bool) -> Self {
        self.reconnect.enabled = on;
        self
    }

    /// Attempts per server before it leaves the pool (`None` = unlimited; default 60).
    pub fn max_reconnects(mut self, max: Option<u32>) -> Self {
        self.reconnect.max_reconnects_per_server = max;
        self
    }

    /// Backoff between passes over the pool: first delay, cap, and random jitter added
    /// (`Duration::MAX`: a failed pass is never retried).
    pub fn reconnect_delay(mut self, initial: Duration, max: Duration, jitter: Duration) -> Self {
        self.reconnect.initial_delay = initial;
        self.reconnect.max_delay = max;
        self.reconnect.jitter = jitter;
        self
    }

    /// Keep the configured server order instead of shuffling it.
    pub fn retain_server_order(mut self, on: bool) -> Self {
        self.reconnect.randomize = !on;
        self
    }

    /// Ignore servers the cluster advertises; use only the configured ones.
    pub fn ignore_discovered_servers(mut self, on: bool) -> Self {
        self.reconnect.ignore_discovered = on;
        self
    }

    /// Keep retrying when the first connect fails, instead of returning an error.
    pub fn retry_on_initial_connect(mut self, on: bool) -> Self {
        self.retry_on_initial_connect = on;
        self
    }

    /// Bytes of publishes kept while disconnected (default 8 MiB).
    pub fn reconnect_buffer_size(mut self, bytes: usize) -> Self {
        self.reconnect_buffer_size = bytes;
        self
    }

    /// Bytes of publishes that may wait for the socket while connected (default 8 MiB);
    /// past it `publish` waits and `try_publish` fails.
    pub fn write_buffer_size(mut self, bytes: usize) -> Self {
        self.write_buffer_size = bytes;
        self
    }

    /// Prefix of reply subjects (default `_INBOX`).
    pub fn inbox_prefix(mut self, prefix: &str) -> Self {
        self.inbox_prefix = prefix.to_owned();
        self
    }

    /// Do not deliver this connection's own publishes to its own subscriptions.
    pub fn no_echo(mut self) -> Self {
        self.no_echo = true;
        self
    }

    /// Require TLS even if the server does not ask for it.
    pub fn require_tls(mut self, on: bool) -> Self {
        self.require_tls = on;
        self
    }

    /// Largest message (headers plus payload) accepted from the server (default 64 MiB,
    /// the server's own hard maximum). The server's `max_payload` does not raise it: a
    /// larger message drops the connection with a protocol error naming its size and this
    /// limit (a [`ClientEvent::Disconnected`](crate::ClientEvent::Disconnected)), before
    /// any of its body is buffered.
    pub fn max_inbound_message(mut self, bytes: usize) -> Self {
        self.max_inbound_message = bytes.max(1);
        self
    }

    /// Per-subscription buffer limits: messages and bytes (defaults 65 536 and 64 MiB).
    /// Messages beyond them are dropped and reported as a slow consumer.
    pub fn subscription_capacity(mut self, messages: usize, bytes: usize) -> Self {
        self.subscription_capacity = messages.max(1);
        self.subscription_capacity_bytes = bytes.max(1);
        self
    }

    /// Fixes the seed of all randomness (server shuffling, jitter, inbox ids), for tests.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    pub(crate) fn connection_config(&self) -> Result<ConnectionConfig, ConnectError> {
        let urls: Vec<&str> = if self.servers.is_empty() {
            vec!["nats://127.0.0.1:4222"]
        } else {
            self.servers.iter().map(String::as_str).collect()
        };
        let servers = urls
            .iter()
            .map(|u| u.parse::<ServerAddr>().map_err(ConnectError::InvalidUrl))
            .collect::<Result<Vec<_>, _>>()?;
        // ConnectionConfig is non-exhaustive, so it is built from its defaults.
        let mut c = ConnectionConfig::default();
        c.servers = servers;
        c.reconnect = self.reconnect.clone();
        c.retry_on_initial_connect = self.retry_on_initial_connect;
        c.name = self.name.clone();
        c.auth = self.auth.clone();
        c.echo = !self.no_echo;
        c.ping_interval = self.ping_interval;
        c.max_pings_out = self.max_pings_out;
        c.connect_timeout = self.connect_timeout;
        c.inbox_prefix = self.inbox_prefix.clone();
        c.write_buffer_limit = self.write_buffer_size;
        c.reconnect_buffer_limit = self.reconnect_buffer_size;
        c.max_inbound_message = self.max_inbound_message;
        c.require_tls = self.require_tls;
        #[cfg(feature = "nkeys")]
        if let Some(credentials) = &self.credentials {
            c.auth = credentials.resolve().map_err(ConnectError::Credentials)?;
        }
        self.tls
            .apply(&mut c)
            .map_err(|e| ConnectError::Tls(e.to_string()))?;
        c.version = env!("CARGO_PKG_VERSION").to_owned();
        Ok(c)
    }
}
