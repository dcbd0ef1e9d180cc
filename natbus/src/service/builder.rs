//! `ServiceBuilder`: name, version and options of a service, then `start`.

use std::time::Duration;

use natbus_proto::service::{QueueGroup, ServiceConfig};

use super::endpoint::Endpoint;
use super::error::StartError;
use super::handler::Handler;
use super::instance::Service;
use crate::client::Client;

/// How many handlers of one service run at once unless [`ServiceBuilder::workers`] says
/// otherwise. Bounded so that a burst of requests cannot spawn without limit.
pub const DEFAULT_WORKERS: usize = 64;

/// Configures a service; [`start`](Self::start) validates everything, subscribes, and
/// returns the running [`Service`].
///
/// ```no_run
/// # async fn demo(client: natbus::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use natbus::service::{Handler, ServiceError};
///
/// #[derive(serde::Deserialize)]
/// struct Greet { name: String }
///
/// let service = client
///     .service_builder()
///     .name("greeter")
///     .version("1.0.0")
///     .description("Says hello")
///     .workers(4)
///     .add_action("greet", Handler::typed(|req: Greet| async move {
///         if req.name.is_empty() {
///             return Err(ServiceError::new(400, "name must not be empty"));
///         }
///         Ok(serde_json::json!({"message": format!("Hello {}!", req.name)}))
///     }))
///     .start()
///     .await?;
/// // Requests to v1.greeter.greet are answered until:
/// service.stop().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a service builder does nothing until `start` is awaited"]
pub struct ServiceBuilder {
    client: Client,
    config: ServiceConfig,
    workers: usize,
    stop_timeout: Option<Duration>,
    endpoints: Vec<Endpoint>,
}

impl ServiceBuilder {
    pub(crate) fn new(client: Client) -> Self {
        ServiceBuilder {
            client,
            config: ServiceConfig::new("", ""),
            workers: DEFAULT_WORKERS,
            stop_timeout: None,
            endpoints: Vec::new(),
        }
    }

    /// The service name (required): letters, digits, `-` and `_`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.config.name = name.into();
        self
    }

    /// The version (required): any SemVer 2.0.0 version, e.g. `1.4.0` or `2.0.0-rc.1`, or a
    /// bare major (`"1"`, as nats-client-py services write it) or major.minor (`"1.2"`),
    /// which is completed to `1.0.0` / `1.2.0` for the Service API. The major number goes
    /// into action subjects (`v1.…`).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.config.version = complete_version(version.into());
        self
    }

    /// A description shown by `nats micro info`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.config.description = description.into();
        self
    }

    /// Adds a service metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.metadata.insert(key.into(), value.into());
        self
    }

    /// The queue group endpoints join unless they say otherwise (default `q`).
    pub fn queue_group(mut self, name: impl Into<String>) -> Self {
        self.config.queue_group = QueueGroup::named(name);
        self
    }

    /// No queue group by default: every instance gets every request (endpoints may still
    /// name their own).
    pub fn no_queue_group(mut self) -> Self {
        self.config.queue_group = QueueGroup::Disabled;
        self
    }

    /// Replaces the `$SRV` discovery prefix (for cross-account tooling).
    pub fn api_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.config.api_prefix = prefix.into();
        self
    }

    /// At most `workers` handlers of this service run at once (at least 1; default
    /// [`DEFAULT_WORKERS`]). Further requests wait in their subscription's buffer.
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// How long [`Service::stop`] waits for running handlers (default: the client's drain
    /// timeout).
    pub fn stop_timeout(mut self, timeout: Duration) -> Self {
        self.stop_timeout = Some(timeout);
        self
    }

    /// Adds an endpoint.
    pub fn add_endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoints.push(endpoint);
        self
    }

    /// Adds an action on `v{major}.{service}.{action}` (see [`Endpoint::action`]).
    pub fn add_action(self, action: impl Into<String>, handler: Handler) -> Self {
        self.add_endpoint(Endpoint::action(action, handler))
    }

    /// Validates the configuration and every endpoint, then subscribes and starts serving.
    ///
    /// # Errors
    /// [`StartError::Config`] before anything is subscribed; [`StartError::Subscribe`] when
    /// the connection refuses (then nothing stays subscribed).
    pub async fn start(self) -> Result<Service, StartError> {
        Service::start(
            self.client,
            self.config,
            self.workers,
            self.stop_timeout,
            self.endpoints,
        )
        .await
    }
}

/// `"1"` → `"1.0.0"` and `"1.2"` → `"1.2.0"` (numbers without leading zeros, as SemVer
/// writes them); anything else unchanged, for SemVer validation to judge.
fn complete_version(version: String) -> String {
    let number = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let parts: Vec<&str> = version.split('.').collect();
    match parts[..] {
        [major] if number(major) => format!("{major}.0.0"),
        [major, minor] if number(major) && number(minor) => format!("{major}.{minor}.0"),
        _ => version,
    }
}

#[cfg(test)]
mod tests {
    use super::complete_version;

    #[test]
    fn short_versions_are_completed_and_semver_is_kept() {
        for (given, used) in [
            ("1", "1.0.0"),
            ("12", "12.0.0"),
            ("0", "0.0.0"),
            ("1.2", "1.2.0"),
            ("1.2.3", "1.2.3"),
            ("2.0.0-rc.1+build.5", "2.0.0-rc.1+build.5"),
            // Not completed: left for validation to refuse.
            ("01", "01"),
            ("v1", "v1"),
            ("", ""),
            ("1.", "1."),
        ] {
            assert_eq!(complete_version(given.to_owned()), used, "{given}");
        }
    }
}
