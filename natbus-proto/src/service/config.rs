//! What a user configures: the service, its endpoints, and the queue-group policy.
//!
//! These are plain values. [`ServiceConfig::validate`] and [`EndpointConfig::validate`] apply
//! the rules of ADR-32 §2; the async `Service` calls them before it subscribes anything.

use std::collections::BTreeMap;

use super::subjects::DEFAULT_API_PREFIX;
use super::validate::{
    ConfigError, validate_api_prefix, validate_endpoint_name, validate_endpoint_subject,
    validate_queue_group, validate_service_name, validate_version,
};

/// Metadata attached to a service or an endpoint: string keys to string values, kept sorted
/// so that INFO responses are deterministic.
pub type Metadata = BTreeMap<String, String>;

/// The queue group every official client uses when none is configured.
pub const DEFAULT_QUEUE_GROUP: &str = "q";

/// The queue-group policy at one level (service, group or endpoint).
///
/// Resolution walks from the endpoint outwards (see
/// [`Group::resolve_queue_group`](super::Group::resolve_queue_group)): the first level that
/// is not [`QueueGroup::Default`] decides, and if none does the queue group is `q`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum QueueGroup {
    /// Inherit from the enclosing level (the service's default is `q`).
    #[default]
    Default,
    /// Join this queue group, so that instances load-balance requests.
    Named(String),
    /// Subscribe without a queue group: every instance gets every request. INFO and STATS
    /// report the queue group as `""`.
    Disabled,
}

impl QueueGroup {
    /// Shorthand for [`QueueGroup::Named`].
    pub fn named(name: impl Into<String>) -> Self {
        Self::Named(name.into())
    }

    /// This policy, or `parent` when this one is [`QueueGroup::Default`].
    pub fn or_inherit(&self, parent: &QueueGroup) -> QueueGroup {
        match self {
            Self::Default => parent.clone(),
            other => other.clone(),
        }
    }

    /// The queue group to subscribe with when this is the outermost level: `Some("q")` for
    /// [`QueueGroup::Default`], `None` when disabled.
    pub fn resolve(&self) -> Option<String> {
        match self {
            Self::Default => Some(DEFAULT_QUEUE_GROUP.to_owned()),
            Self::Named(name) => Some(name.clone()),
            Self::Disabled => None,
        }
    }

    /// Checks a [`QueueGroup::Named`] name; the other variants are always valid.
    ///
    /// # Errors
    /// [`ConfigError::InvalidQueueGroup`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self {
            Self::Named(name) => validate_queue_group(name),
            Self::Default | Self::Disabled => Ok(()),
        }
    }
}

/// The configuration of one service (every instance of it shares this).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceConfig {
    /// The service name, `A-Z a-z 0-9 - _`; used as configured (case-sensitive) in `$SRV`
    /// subjects.
    pub name: String,
    /// The SemVer 2.0.0 version, e.g. `1.4.0`.
    pub version: String,
    /// Free text shown by `nats micro info`; empty when unset.
    pub description: String,
    /// Service metadata, fixed once the service starts.
    pub metadata: Metadata,
    /// The service-wide queue-group policy that groups and endpoints inherit.
    pub queue_group: QueueGroup,
    /// The discovery prefix, `$SRV` unless overridden (for cross-account tooling).
    pub api_prefix: String,
}

impl ServiceConfig {
    /// A configuration with a name and version and everything else unset. Nothing is
    /// checked until [`validate`](Self::validate).
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            description: String::new(),
            metadata: Metadata::new(),
            queue_group: QueueGroup::Default,
            api_prefix: DEFAULT_API_PREFIX.to_owned(),
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Adds one metadata entry (a later value for the same key replaces the earlier one).
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Sets the service-wide queue-group policy.
    pub fn queue_group(mut self, queue_group: QueueGroup) -> Self {
        self.queue_group = queue_group;
        self
    }

    /// Replaces the `$SRV` discovery prefix.
    pub fn api_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.api_prefix = prefix.into();
        self
    }

    /// Applies the ADR-32 rules to the name, version, queue group and prefix.
    ///
    /// # Errors
    /// The first [`ConfigError`] found, in that order.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate_service_name(&self.name)?;
        validate_version(&self.version)?;
        self.queue_group.validate()?;
        validate_api_prefix(&self.api_prefix)
    }
}

/// The configuration of one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointConfig {
    /// The endpoint name, `A-Z a-z 0-9 - _`; names need not be unique.
    pub name: String,
    /// The subject below the group prefix; the name when `None`.
    pub subject: Option<String>,
    /// This endpoint's queue-group policy (inherits when [`QueueGroup::Default`]).
    pub queue_group: QueueGroup,
    /// Endpoint metadata, fixed once added.
    pub metadata: Metadata,
}

impl EndpointConfig {
    /// An endpoint listening on its own name. Nothing is checked until
    /// [`validate`](Self::validate).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            subject: None,
            queue_group: QueueGroup::Default,
            metadata: Metadata::new(),
        }
    }

    /// Listens on `subject` (below the group prefix) instead of the name.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets this endpoint's queue-group policy.
    pub fn queue_group(mut self, queue_group: QueueGroup) -> Self {
        self.queue_group = queue_group;
        self
    }

    /// Adds one metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The subject below the group prefix: the configured subject, else the name.
    pub fn local_subject(&self) -> &str {
        self.subject.as_deref().unwrap_or(&self.name)
    }

    /// Applies the ADR-32 rules to the name, subject and queue group.
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate_endpoint_name(&self.name)?;
        validate_endpoint_subject(self.local_subject())?;
        self.queue_group.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_config_builds_and_validates() {
        let c = ServiceConfig::new("billing", "1.4.0")
            .description("Invoices and charges")
            .metadata("region", "eu")
            .queue_group(QueueGroup::named("workers"));
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.api_prefix, "$SRV");
        assert_eq!(c.metadata.get("region").map(String::as_str), Some("eu"));

        let bad = ServiceConfig::new("billing", "1.4");
        assert!(matches!(
            bad.validate(),
            Err(ConfigError::InvalidVersion { .. })
        ));
        let bad = ServiceConfig::new("bil.ling", "1.4.0");
        assert!(matches!(
            bad.validate(),
            Err(ConfigError::InvalidServiceName { .. })
        ));
        let bad = c.clone().queue_group(QueueGroup::named(""));
        assert!(matches!(
            bad.validate(),
            Err(ConfigError::InvalidQueueGroup { .. })
        ));
        let bad = c.api_prefix("$SRV.*");
        assert!(matches!(
            bad.validate(),
            Err(ConfigError::InvalidApiPrefix { .. })
        ));
    }

    #[test]
    fn endpoint_config_defaults_subject_to_name() {
        let e = EndpointConfig::new("charge");
        assert_eq!(e.local_subject(), "charge");
        assert_eq!(e.validate(), Ok(()));
        let e = EndpointConfig::new("custom").subject("billing.custom.>");
        assert_eq!(e.local_subject(), "billing.custom.>");
        assert_eq!(e.validate(), Ok(()));
        // A name that is not a valid name fails even when a subject is set.
        let e = EndpointConfig::new("cu.stom").subject("custom");
        assert!(matches!(
            e.validate(),
            Err(ConfigError::InvalidEndpointName { .. })
        ));
        let e = EndpointConfig::new("custom").subject("a.>.b");
        assert!(matches!(
            e.validate(),
            Err(ConfigError::InvalidEndpointSubject { .. })
        ));
    }

    #[test]
    fn queue_group_inheritance() {
        let named = QueueGroup::named("w");
        assert_eq!(QueueGroup::Default.or_inherit(&named), named);
        assert_eq!(
            QueueGroup::Disabled.or_inherit(&named),
            QueueGroup::Disabled
        );
        assert_eq!(QueueGroup::Default.resolve(), Some("q".to_owned()));
        assert_eq!(QueueGroup::Disabled.resolve(), None);
        assert_eq!(named.resolve(), Some("w".to_owned()));
    }
}
