//! NATS contexts: the named connection settings of the `nats` command-line tool.
//!
//! Operators keep their servers and credentials as contexts, one JSON file each in
//! `$XDG_CONFIG_HOME/nats/context/NAME.json` (`~/.config/nats/context/` without
//! `XDG_CONFIG_HOME`), and the name of the selected one in `nats/context.txt` beside that
//! directory. natbus reads and writes the same files, so one `nats context select` serves
//! both tools:
//!
//! ```no_run
//! # fn demo() -> Result<(), natbus::context::ContextError> {
//! let options = natbus::ConnectOptions::from_context("prod")?.name("billing");
//! // or the one `nats context select` chose:
//! let options = natbus::ConnectOptions::from_selected_context()?;
//! # let _ = options; Ok(()) }
//! ```
//!
//! [`ContextStore`] lists, loads, saves and selects contexts in a given configuration
//! directory; [`Context`] is one file's settings and turns into [`ConnectOptions`].
//!
//! The file format is the `nats` tool's: every field a string, an empty string meaning
//! "not set" (natbus writes them all, as `nats` does), `tls_first` a boolean. Fields natbus
//! does not know are kept when it rewrites a file.

mod apply;
mod error;
/// Only credential and TLS paths are expanded; its tests run in every build.
#[cfg_attr(not(any(feature = "nkeys", feature = "tls")), allow(dead_code))]
mod expand;
mod store;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use error::ContextError;
pub use store::ContextStore;

use crate::ConnectOptions;

/// The server a context without a `url` connects to, as in the `nats` tool.
pub const DEFAULT_URL: &str = "nats://127.0.0.1:4222";

/// One context: the settings in a `NAME.json` file, by the `nats` tool's field names.
///
/// `None` stands for a field that is absent or an empty string in the file. Paths (`creds`,
/// `nkey`, `cert`, `key`, `ca`) may start with `~/` and hold `$VAR` or `${VAR}`, expanded
/// when the context is turned into [`ConnectOptions`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Context {
    /// A note for people (`description`).
    #[serde(default, with = "empty_is_none")]
    pub description: Option<String>,
    /// Server URL(s), comma separated (`url`); [`DEFAULT_URL`] when absent.
    #[serde(default, with = "empty_is_none")]
    pub url: Option<String>,
    /// A SOCKS5 proxy (`socks_proxy`); natbus refuses contexts that set one.
    #[serde(default, with = "empty_is_none")]
    pub socks_proxy: Option<String>,
    /// Token authentication (`token`).
    #[serde(default, with = "empty_is_none")]
    pub token: Option<String>,
    /// User name (`user`), with [`password`](Self::password).
    #[serde(default, with = "empty_is_none")]
    pub user: Option<String>,
    /// Password of [`user`](Self::user) (`password`).
    #[serde(default, with = "empty_is_none")]
    pub password: Option<String>,
    /// Path of a `.creds` file (`creds`).
    #[serde(default, with = "empty_is_none")]
    pub creds: Option<String>,
    /// Path of a file holding a user nkey seed (`nkey`).
    #[serde(default, with = "empty_is_none")]
    pub nkey: Option<String>,
    /// Client certificate (PEM) for mutual TLS (`cert`), with [`key`](Self::key).
    #[serde(default, with = "empty_is_none")]
    pub cert: Option<String>,
    /// Private key (PEM) of [`cert`](Self::cert) (`key`).
    #[serde(default, with = "empty_is_none")]
    pub key: Option<String>,
    /// CA certificates (PEM) to trust instead of the system store (`ca`).
    #[serde(default, with = "empty_is_none")]
    pub ca: Option<String>,
    /// An `nsc://` lookup of credentials (`nsc`); natbus refuses contexts that set one.
    #[serde(default, with = "empty_is_none")]
    pub nsc: Option<String>,
    /// JetStream domain (`jetstream_domain`).
    #[serde(default, with = "empty_is_none")]
    pub jetstream_domain: Option<String>,
    /// JetStream API prefix (`jetstream_api_prefix`); wins over the domain when both are set.
    #[serde(default, with = "empty_is_none")]
    pub jetstream_api_prefix: Option<String>,
    /// JetStream advisory prefix (`jetstream_event_prefix`); kept, not used by the client.
    #[serde(default, with = "empty_is_none")]
    pub jetstream_event_prefix: Option<String>,
    /// Prefix of reply subjects (`inbox_prefix`).
    #[serde(default, with = "empty_is_none")]
    pub inbox_prefix: Option<String>,
    /// A user JWT (`user_jwt`), signed for with the seed in [`nkey`](Self::nkey).
    #[serde(default, with = "empty_is_none")]
    pub user_jwt: Option<String>,
    /// The `nats` tool's colour scheme (`color_scheme`); kept, not used.
    #[serde(default, with = "empty_is_none")]
    pub color_scheme: Option<String>,
    /// TLS before the server's INFO (`tls_first`).
    #[serde(default)]
    pub tls_first: bool,
    /// Fields natbus does not know, written back unchanged.
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
    /// Where the context was loaded from, for error messages.
    #[serde(skip)]
    origin: Option<(String, PathBuf)>,
}

impl Context {
    /// An empty context (every field unset).
    pub fn new() -> Self {
        Self::default()
    }

    /// The name it was loaded under, when it came from a [`ContextStore`].
    pub fn name(&self) -> Option<&str> {
        self.origin.as_ref().map(|(name, _)| name.as_str())
    }

    /// The file it was loaded from, when it came from a [`ContextStore`].
    pub fn path(&self) -> Option<&Path> {
        self.origin.as_ref().map(|(_, path)| path.as_path())
    }

    /// The server URL(s) it connects to: [`url`](Self::url), else [`DEFAULT_URL`].
    pub fn server_url(&self) -> &str {
        self.url.as_deref().unwrap_or(DEFAULT_URL)
    }

    /// Connect options with these settings and the defaults for everything else.
    ///
    /// # Errors
    /// [`ContextError::Unsupported`] for settings natbus cannot honour (a SOCKS proxy, an
    /// `nsc` lookup, or a setting whose Cargo feature is off), [`ContextError::Invalid`]
    /// for a certificate without its key or a user JWT without a seed. Credential and TLS
    /// files are read when connecting, so a missing one fails the connect, naming it.
    pub fn connect_options(&self) -> Result<ConnectOptions, ContextError> {
        self.apply(ConnectOptions::new())
    }

    /// Describes the context for messages: its name and file when it has them.
    fn describe(&self) -> String {
        match &self.origin {
            Some((name, path)) => format!("context '{name}' ({})", path.display()),
            None => "the context".to_owned(),
        }
    }
}

impl ConnectOptions {
    /// Options from the `nats` context `name` (`$XDG_CONFIG_HOME/nats/context/NAME.json`,
    /// or under `~/.config`): servers, credentials, TLS files, inbox prefix, JetStream
    /// domain or API prefix. Further builder calls override what the context set.
    ///
    /// # Errors
    /// A [`ContextError`] naming the file when it is missing or not a valid context, and
    /// as [`Context::connect_options`].
    pub fn from_context(name: &str) -> Result<Self, ContextError> {
        ContextStore::from_env()?.load(name)?.connect_options()
    }

    /// Options from the context selected with `nats context select` (or `natbus context
    /// select`), named in `nats/context.txt`.
    ///
    /// # Errors
    /// [`ContextError::NoneSelected`] when no context is selected, and as
    /// [`from_context`](Self::from_context).
    pub fn from_selected_context() -> Result<Self, ContextError> {
        let store = ContextStore::from_env()?;
        match store.load_selected()? {
            Some(context) => context.connect_options(),
            None => Err(ContextError::NoneSelected {
                path: store.selection_file(),
            }),
        }
    }
}

/// Serde of the `nats` tool's optional strings: absent, `null` and `""` all mean unset,
/// and unset is written as `""`.
mod empty_is_none {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<String>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value.as_deref().unwrap_or(""))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<String>, D::Error> {
        let value = Option::<String>::deserialize(deserializer)?;
        Ok(value.filter(|s| !s.is_empty()))
    }
}
