//! `BusConfig`: where the bus connects, how it authenticates, the stream it ensures and the
//! defaults of its subscriptions. Built in code, read from a JSON file, or from the
//! environment (see [`BusConfig::from_env`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use natbus_proto::jetstream::api::validate_name;
use natbus_proto::jetstream::publish_retry::RetryPolicy;
use natbus_proto::server_addr::ServerAddr;
use natbus_proto::subject::{validate_queue_group, validate_subscribe};
use serde::Deserialize;

use super::config_file::ConfigFile;
use super::error::ConfigError;
pub use super::stream_settings::StreamSettings;
use crate::options::ConnectOptions;

/// Default timeout of requests (and of connecting plus the handshake).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default timeout of JetStream calls: publish acks, stream and consumer administration.
pub const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// How a [`Bus`](super::Bus) connects and what its subscriptions do by default.
///
/// ```
/// use natbus::bus::{BusConfig, StreamSettings};
/// let config = BusConfig::new()
///     .server("nats-nats-jetstream:4222")
///     .user_password("nats-user", "changeme")
///     .name("orders-svc")
///     .stream(StreamSettings::new("TEST_STREAM", ["test.stream"]))
///     .manual_ack(true);
/// assert!(config.validate().is_ok());
/// ```
///
/// The same in a JSON file, read with [`from_file`](Self::from_file) (durations are in
/// seconds; the Python NATBus's flat `stream_create`, `stream_name`, `stream_subjects`
/// and `username` keys are accepted too):
///
/// ```json
/// {
///   "servers": ["nats://nats-nats-jetstream:4222"],
///   "user": "nats-user", "password": "changeme",
///   "name": "orders-svc",
///   "stream": {"name": "TEST_STREAM", "subjects": ["test.stream"], "storage": "file"},
///   "queue_group": "orders-workers",
///   "manual_ack": true,
///   "request_timeout": 10, "ack_timeout": 5
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "ConfigFile")]
#[non_exhaustive]
pub struct BusConfig {
    /// Server URLs (`nats://host:4222`, `host:port`); empty means `nats://127.0.0.1:4222`.
    pub servers: Vec<String>,
    /// User name; sent together with `password`.
    pub user: Option<String>,
    /// Password of `user`.
    pub password: Option<String>,
    /// Token authentication (instead of user and password).
    pub token: Option<String>,
    /// A `.creds` file (user JWT and nkey seed), read when connecting.
    pub creds: Option<PathBuf>,
    /// The connection name shown in server monitoring (e.g. the service's name).
    pub name: Option<String>,
    /// The stream to ensure on connect, and the default stream of subscriptions.
    pub stream: Option<StreamSettings>,
    /// Default queue group of push subscriptions: subscribers in one group share the
    /// messages, each going to one of them.
    pub queue_group: Option<String>,
    /// Default acknowledgement mode: false (the default) acks when the handler returns
    /// `Ok` and naks (with backoff) when it returns `Err`; true leaves every ack to the
    /// handler. Either way a message failing its last delivery is dead-lettered (see
    /// [`Redelivery`](super::Redelivery)).
    pub manual_ack: bool,
    /// Timeout of requests, connecting and flushing.
    pub request_timeout: Duration,
    /// Timeout of JetStream calls: waiting for a publish ack, stream and consumer calls.
    pub ack_timeout: Duration,
    /// How [`Bus::publish`](super::Bus::publish) retries a publish that reached no stream
    /// (its leader being elected) or, for a message with a `Nats-Msg-Id`, timed out
    /// (default: as [`JetStream`](crate::jetstream::JetStream), twice after 250 ms). Set in
    /// code only.
    pub publish_retry: RetryPolicy,
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig {
            servers: Vec::new(),
            user: None,
            password: None,
            token: None,
            creds: None,
            name: None,
            stream: None,
            queue_group: None,
            manual_ack: false,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            ack_timeout: DEFAULT_ACK_TIMEOUT,
            publish_retry: RetryPolicy::default(),
        }
    }
}

/// Secrets are never printed.
impl std::fmt::Debug for BusConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |s: &Option<String>| s.as_ref().map(|_| "<redacted>");
        f.debug_struct("BusConfig")
            .field("servers", &self.servers)
            .field("user", &self.user)
            .field("password", &redact(&self.password))
            .field("token", &redact(&self.token))
            .field("creds", &self.creds)
            .field("name", &self.name)
            .field("stream", &self.stream)
            .field("queue_group", &self.queue_group)
            .field("manual_ack", &self.manual_ack)
            .field("request_timeout", &self.request_timeout)
            .field("ack_timeout", &self.ack_timeout)
            .field("publish_retry", &self.publish_retry)
            .finish()
    }
}

impl BusConfig {
    /// The defaults: local server, no auth, no stream, automatic acks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a JSON config file.
    ///
    /// # Errors
    /// [`ConfigError::Read`] when the file cannot be read, [`ConfigError::Parse`] naming
    /// the line and field when it is not a valid config.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// Parses a JSON config.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] when it is not a valid config.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        serde_json::from_str(text).map_err(|source| ConfigError::Parse {
            path: PathBuf::from("<json>"),
            source,
        })
    }

    /// Adds a server URL, or several separated by commas.
    pub fn server(mut self, url: &str) -> Self {
        self.servers.extend(split_list(url));
        self
    }

    /// Authenticates with a user and password.
    pub fn user_password(mut self, user: &str, password: &str) -> Self {
        self.user = Some(user.to_owned());
        self.password = Some(password.to_owned());
        self
    }

    /// Authenticates with a token.
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// Authenticates with a `.creds` file.
    pub fn creds(mut self, path: impl AsRef<Path>) -> Self {
        self.creds = Some(path.as_ref().to_owned());
        self
    }

    /// Names the connection.
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// Sets the stream to ensure on connect.
    pub fn stream(mut self, stream: StreamSettings) -> Self {
        self.stream = Some(stream);
        self
    }

    /// Sets the default queue group of push subscriptions.
    pub fn queue_group(mut self, group: &str) -> Self {
        self.queue_group = Some(group.to_owned());
        self
    }

    /// Sets the default acknowledgement mode (true: the handler acks).
    pub fn manual_ack(mut self, manual: bool) -> Self {
        self.manual_ack = manual;
        self
    }

    /// Sets the request timeout.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the JetStream call timeout.
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.ack_timeout = timeout;
        self
    }

    /// Sets how [`Bus::publish`](super::Bus::publish) retries.
    ///
    /// ```
    /// use natbus::bus::BusConfig;
    /// use natbus::jetstream::RetryPolicy;
    /// // Every message gets an id, so a timed-out publish is retried without a duplicate.
    /// let config = BusConfig::new().publish_retry(RetryPolicy::default().attempts(10).generate_msg_id(true));
    /// assert_eq!(config.publish_retry.retries(), 10);
    /// ```
    pub fn publish_retry(mut self, policy: RetryPolicy) -> Self {
        self.publish_retry = policy;
        self
    }

    /// Checks everything that can be checked before connecting.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] saying which setting is wrong and how.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for url in &self.servers {
            url.parse::<ServerAddr>()
                .map_err(|e| invalid(format!("server '{url}': {e}")))?;
        }
        match (&self.user, &self.password) {
            (Some(_), None) => return Err(invalid("user is set but password is not")),
            (None, Some(_)) => return Err(invalid("password is set but user is not")),
            _ => {}
        }
        if self.token.is_some() && self.user.is_some() {
            return Err(invalid("set either token or user and password, not both"));
        }
        if let Some(stream) = &self.stream {
            validate_name(&stream.name)
                .map_err(|e| invalid(format!("stream name '{}': {e}", stream.name)))?;
            if stream.create && stream.subjects.is_empty() {
                return Err(invalid(format!(
                    "stream '{}' is to be created but has no subjects",
                    stream.name
                )));
            }
            for s in &stream.subjects {
                validate_subscribe(s).map_err(|e| invalid(format!("stream subject '{s}': {e}")))?;
            }
        }
        if let Some(group) = &self.queue_group {
            validate_queue_group(group)
                .map_err(|e| invalid(format!("queue group '{group}': {e}")))?;
        }
        for (what, t) in [
            ("request_timeout", self.request_timeout),
            ("ack_timeout", self.ack_timeout),
        ] {
            if t.is_zero() {
                return Err(invalid(format!("{what} must be more than zero")));
            }
        }
        Ok(())
    }

    /// The connection options this config stands for; add TLS or other settings to them
    /// and connect the client yourself, then hand it to
    /// [`Bus::with_client`](super::Bus::with_client).
    pub fn connect_options(&self) -> ConnectOptions {
        let mut o = ConnectOptions::new()
            .request_timeout(self.request_timeout)
            .connect_timeout(self.request_timeout);
        for url in &self.servers {
            o = o.server(url);
        }
        if let Some(name) = &self.name {
            o = o.name(name);
        }
        if let (Some(user), Some(password)) = (&self.user, &self.password) {
            o = o.user_password(user, password);
        }
        if let Some(token) = &self.token {
            o = o.token(token);
        }
        if let Some(creds) = &self.creds {
            o = o.credentials_file(creds);
        }
        o
    }
}

fn invalid(reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid(reason.into())
}

/// The non-empty, trimmed items of a comma-separated list.
pub(crate) fn split_list(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
