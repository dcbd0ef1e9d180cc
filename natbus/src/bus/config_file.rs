//! The JSON form of a [`BusConfig`]: what `from_file` accepts, checked on the way in.
//!
//! It accepts the nested `stream` object as well as the Python NATBus's flat keys
//! (`stream_create`, `stream_name`, `stream_subjects`), `server` as well as `servers` (a
//! string, a comma list or an array), and `username` for `user`, so existing NATBus
//! configs keep working. Unknown keys are errors: a typo must not silently drop a setting.

use std::path::PathBuf;
use std::time::Duration;

use natbus_proto::jetstream::publish_retry::RetryPolicy;
use natbus_proto::jetstream::stream::StorageType;
use serde::Deserialize;

use super::config::{
    BusConfig, DEFAULT_ACK_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, StreamSettings, split_list,
};
use super::error::ConfigError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    #[serde(default, alias = "server")]
    servers: Servers,
    #[serde(default, alias = "username")]
    user: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default, alias = "creds_file", alias = "credentials")]
    creds: Option<PathBuf>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    stream: Option<StreamSettings>,
    #[serde(default)]
    stream_create: Option<bool>,
    #[serde(default)]
    stream_name: Option<String>,
    #[serde(default)]
    stream_subjects: Option<Vec<String>>,
    #[serde(default)]
    stream_storage: Option<StorageType>,
    #[serde(default)]
    queue_group: Option<String>,
    #[serde(default)]
    manual_ack: Option<bool>,
    #[serde(default)]
    request_timeout: Option<f64>,
    #[serde(default)]
    ack_timeout: Option<f64>,
}

/// One URL, a comma-separated list, or an array of them.
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum Servers {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl TryFrom<ConfigFile> for BusConfig {
    type Error = ConfigError;

    fn try_from(f: ConfigFile) -> Result<Self, ConfigError> {
        let servers = match f.servers {
            Servers::None => Vec::new(),
            Servers::One(list) => split_list(&list).collect(),
            Servers::Many(urls) => urls.iter().flat_map(|u| split_list(u)).collect(),
        };
        let flat = f.stream_create.is_some()
            || f.stream_name.is_some()
            || f.stream_subjects.is_some()
            || f.stream_storage.is_some();
        let stream = match (f.stream, flat) {
            (Some(_), true) => {
                return Err(ConfigError::Invalid(
                    "use either the \"stream\" object or the stream_* keys, not both".into(),
                ));
            }
            (Some(s), false) => Some(s),
            (None, true) => flat_stream(
                f.stream_create,
                f.stream_name,
                f.stream_subjects,
                f.stream_storage,
            )?,
            (None, false) => None,
        };
        let config = BusConfig {
            servers,
            user: f.user,
            password: f.password,
            token: f.token,
            creds: f.creds,
            name: f.name,
            stream,
            queue_group: f.queue_group,
            manual_ack: f.manual_ack.unwrap_or(false),
            request_timeout: seconds(
                "request_timeout",
                f.request_timeout,
                DEFAULT_REQUEST_TIMEOUT,
            )?,
            ack_timeout: seconds("ack_timeout", f.ack_timeout, DEFAULT_ACK_TIMEOUT)?,
            publish_retry: RetryPolicy::default(),
        };
        config.validate()?;
        Ok(config)
    }
}

/// The Python NATBus's keys: `stream_create` defaults to false there, so a name without
/// it only names the default stream.
fn flat_stream(
    create: Option<bool>,
    name: Option<String>,
    subjects: Option<Vec<String>>,
    storage: Option<StorageType>,
) -> Result<Option<StreamSettings>, ConfigError> {
    let Some(name) = name else {
        return if create == Some(false) && subjects.is_none() && storage.is_none() {
            Ok(None)
        } else {
            Err(ConfigError::Invalid(
                "stream_create, stream_subjects or stream_storage need stream_name".into(),
            ))
        };
    };
    Ok(Some(
        StreamSettings::new(name, subjects.unwrap_or_default())
            .storage(storage.unwrap_or_default())
            .create(create.unwrap_or(false)),
    ))
}

/// A duration given in seconds (fractions allowed), more than zero; one too large for a
/// `Duration` (infinity included) means "no timeout" (`Duration::MAX`).
pub(crate) fn seconds(
    what: &str,
    value: Option<f64>,
    default: Duration,
) -> Result<Duration, ConfigError> {
    let Some(secs) = value else {
        return Ok(default);
    };
    match natbus_proto::time::duration_from_secs_f64(secs) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(ConfigError::Invalid(format!(
            "{what} must be a positive number of seconds, not {secs}"
        ))),
    }
}
