//! [`BusConfig`] from environment variables, the way containers are configured.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `NATBUS_SERVER` | server URL or comma-separated URLs (else `NATS_URL`) |
//! | `NATBUS_USER`, `NATBUS_PASSWORD` | user and password (else `NATS_USER`, `NATS_PASSWORD`) |
//! | `NATBUS_TOKEN` | token (else `NATS_TOKEN`) |
//! | `NATBUS_CREDS` | path of a `.creds` file (else `NATS_CREDS`) |
//! | `NATBUS_NAME` | connection name |
//! | `NATBUS_STREAM` | stream to ensure |
//! | `NATBUS_STREAM_SUBJECTS` | its subjects, comma-separated |
//! | `NATBUS_STREAM_STORAGE` | `file` (default) or `memory` |
//! | `NATBUS_STREAM_CREATE` | `false` to only use an existing stream (default `true`) |
//! | `NATBUS_QUEUE_GROUP` | default queue group of push subscriptions |
//! | `NATBUS_MANUAL_ACK` | `true` to leave acks to handlers (default `false`) |
//! | `NATBUS_REQUEST_TIMEOUT`, `NATBUS_ACK_TIMEOUT` | timeouts in seconds |
//!
//! Empty variables count as unset. Booleans are `true`/`false`, `1`/`0`, `yes`/`no`,
//! `on`/`off`.

use natbus_proto::jetstream::stream::StorageType;

use super::config::{
    BusConfig, DEFAULT_ACK_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, StreamSettings, split_list,
};
use super::config_file::seconds;
use super::error::ConfigError;

/// Server URLs (comma-separated); `NATS_URL` is read when it is unset.
pub const ENV_SERVER: &str = "NATBUS_SERVER";
/// User name.
pub const ENV_USER: &str = "NATBUS_USER";
/// Password.
pub const ENV_PASSWORD: &str = "NATBUS_PASSWORD";
/// Token.
pub const ENV_TOKEN: &str = "NATBUS_TOKEN";
/// Path of a `.creds` file.
pub const ENV_CREDS: &str = "NATBUS_CREDS";
/// Connection name.
pub const ENV_NAME: &str = "NATBUS_NAME";
/// Stream name.
pub const ENV_STREAM: &str = "NATBUS_STREAM";
/// Stream subjects, comma-separated.
pub const ENV_STREAM_SUBJECTS: &str = "NATBUS_STREAM_SUBJECTS";
/// Stream storage: `file` or `memory`.
pub const ENV_STREAM_STORAGE: &str = "NATBUS_STREAM_STORAGE";
/// Whether to create the stream (default true).
pub const ENV_STREAM_CREATE: &str = "NATBUS_STREAM_CREATE";
/// Default queue group of push subscriptions.
pub const ENV_QUEUE_GROUP: &str = "NATBUS_QUEUE_GROUP";
/// Manual acks (default false).
pub const ENV_MANUAL_ACK: &str = "NATBUS_MANUAL_ACK";
/// Request timeout in seconds.
pub const ENV_REQUEST_TIMEOUT: &str = "NATBUS_REQUEST_TIMEOUT";
/// JetStream call timeout in seconds.
pub const ENV_ACK_TIMEOUT: &str = "NATBUS_ACK_TIMEOUT";

impl BusConfig {
    /// Reads the config from the process environment (see the table in this module's
    /// docs: `NATBUS_SERVER` or `NATS_URL`, `NATBUS_USER`, `NATBUS_PASSWORD`, …).
    ///
    /// # Errors
    /// [`ConfigError::Env`] naming the variable with a bad value, or
    /// [`ConfigError::Invalid`] for settings that do not fit together.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the config through `lookup`, which returns a variable's value: the same as
    /// [`from_env`](Self::from_env) for a map, a file of secrets, or a test.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let either = |ours: &str, nats: &str| get(ours).or_else(|| get(nats));
        let mut config = BusConfig::new();
        if let Some(list) = either(ENV_SERVER, "NATS_URL") {
            config.servers = split_list(&list).collect();
        }
        config.user = either(ENV_USER, "NATS_USER");
        config.password = either(ENV_PASSWORD, "NATS_PASSWORD");
        config.token = either(ENV_TOKEN, "NATS_TOKEN");
        config.creds = either(ENV_CREDS, "NATS_CREDS").map(Into::into);
        config.name = get(ENV_NAME);
        config.queue_group = get(ENV_QUEUE_GROUP);
        if let Some(v) = get(ENV_MANUAL_ACK) {
            config.manual_ack = boolean(ENV_MANUAL_ACK, &v)?;
        }
        config.stream = stream(&get)?;
        config.request_timeout = timeout(
            ENV_REQUEST_TIMEOUT,
            get(ENV_REQUEST_TIMEOUT),
            DEFAULT_REQUEST_TIMEOUT,
        )?;
        config.ack_timeout = timeout(ENV_ACK_TIMEOUT, get(ENV_ACK_TIMEOUT), DEFAULT_ACK_TIMEOUT)?;
        config.validate()?;
        Ok(config)
    }
}

fn stream(get: &impl Fn(&str) -> Option<String>) -> Result<Option<StreamSettings>, ConfigError> {
    let subjects = get(ENV_STREAM_SUBJECTS);
    let Some(name) = get(ENV_STREAM) else {
        if let Some(s) = subjects {
            return Err(bad(
                ENV_STREAM_SUBJECTS,
                &s,
                format!("it needs {ENV_STREAM} too"),
            ));
        }
        return Ok(None);
    };
    let mut settings = StreamSettings::new(
        name,
        subjects.as_deref().map(split_list).into_iter().flatten(),
    );
    if let Some(v) = get(ENV_STREAM_STORAGE) {
        settings.storage = match v.trim().to_ascii_lowercase().as_str() {
            "file" => StorageType::File,
            "memory" => StorageType::Memory,
            _ => return Err(bad(ENV_STREAM_STORAGE, &v, "expected file or memory")),
        };
    }
    if let Some(v) = get(ENV_STREAM_CREATE) {
        settings.create = boolean(ENV_STREAM_CREATE, &v)?;
    }
    Ok(Some(settings))
}

fn boolean(variable: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(bad(variable, value, "expected true or false")),
    }
}

fn timeout(
    variable: &str,
    value: Option<String>,
    default: std::time::Duration,
) -> Result<std::time::Duration, ConfigError> {
    let Some(v) = value else {
        return Ok(default);
    };
    let secs = v
        .trim()
        .parse::<f64>()
        .map_err(|_| bad(variable, &v, "expected a number of seconds"))?;
    seconds(variable, Some(secs), default)
        .map_err(|_| bad(variable, &v, "expected a positive number of seconds"))
}

fn bad(variable: &str, value: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Env {
        variable: variable.to_owned(),
        value: value.to_owned(),
        reason: reason.into(),
    }
}
