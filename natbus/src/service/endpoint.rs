//! `Endpoint`: the description of one endpoint before it is added to a service.

use natbus_proto::service::{
    ConfigError, EndpointConfig, Group, PlacedEndpoint, QueueGroup, ServiceConfig, action_subject,
    major_version,
};

use super::handler::Handler;

/// Where an endpoint listens, below its groups.
#[derive(Debug, Clone)]
enum Place {
    /// The configured subject, else the name (ADR-32).
    Subject,
    /// The natbus action subject `v{major}.{service}.{name}` (the seed's `prefix_topic`).
    Action,
}

/// One endpoint: a name, a handler, and optionally a subject, groups, a queue-group policy
/// and metadata.
///
/// ```
/// use natbus::service::{Endpoint, Handler, ServiceError};
///
/// let echo = Endpoint::new("echo", Handler::typed(|s: String| async move { Ok::<_, ServiceError>(s) }))
///     .group("tools")
///     .subject("echo.v2")
///     .metadata("owner", "platform");
/// # let _ = echo;
/// ```
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub(crate) config: EndpointConfig,
    pub(crate) groups: Vec<(String, QueueGroup)>,
    place: Place,
    pub(crate) handler: Handler,
}

impl Endpoint {
    /// An endpoint listening on its name (ADR-32 default).
    pub fn new(name: impl Into<String>, handler: Handler) -> Self {
        Endpoint {
            config: EndpointConfig::new(name),
            groups: Vec::new(),
            place: Place::Subject,
            handler,
        }
    }

    /// An action: an endpoint on `v{major}.{service}.{action}`, the subject the Python
    /// services natbus replaces use (`v1.greeter.greet`). Groups still prefix it.
    pub fn action(action: impl Into<String>, handler: Handler) -> Self {
        Endpoint {
            place: Place::Action,
            ..Endpoint::new(action, handler)
        }
    }

    /// Listens on `subject` (below any groups) instead of the name; wildcards allowed.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.config = self.config.subject(subject);
        self.place = Place::Subject;
        self
    }

    /// Puts the endpoint under group `name` (a subject prefix, may hold several tokens),
    /// inside any groups added before.
    pub fn group(self, name: impl Into<String>) -> Self {
        self.group_with_queue(name, QueueGroup::Default)
    }

    /// Like [`group`](Self::group), with that group's own queue-group policy.
    pub fn group_with_queue(mut self, name: impl Into<String>, queue_group: QueueGroup) -> Self {
        self.groups.push((name.into(), queue_group));
        self
    }

    /// Joins queue group `name` instead of the inherited one.
    pub fn queue_group(mut self, name: impl Into<String>) -> Self {
        self.config = self.config.queue_group(QueueGroup::named(name));
        self
    }

    /// Opts out of queue groups: every instance of the service gets every message (for
    /// example to update a local cache).
    pub fn no_queue_group(mut self) -> Self {
        self.config = self.config.queue_group(QueueGroup::Disabled);
        self
    }

    /// Adds an endpoint metadata entry (shown by `nats micro info`).
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config = self.config.metadata(key, value);
        self
    }

    /// Validates the endpoint and computes its full subject and queue group.
    pub(crate) fn place(&self, service: &ServiceConfig) -> Result<PlacedEndpoint, ConfigError> {
        let mut group = Group::root(service);
        for (name, queue_group) in &self.groups {
            group = group.group(name, queue_group.clone())?;
        }
        match self.place {
            Place::Subject => group.endpoint(&self.config),
            Place::Action => {
                let major = major_version(&service.version);
                let subject = action_subject(major, &service.name, &self.config.name);
                group.endpoint(&self.config.clone().subject(subject))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use natbus_proto::service::ServiceError;

    fn handler() -> Handler {
        Handler::typed(|_: ()| async { Ok::<_, ServiceError>(()) })
    }

    #[test]
    fn actions_use_the_versioned_subject() {
        let config = ServiceConfig::new("greeter", "1.2.0");
        let placed = Endpoint::action("greet", handler())
            .place(&config)
            .expect("valid");
        assert_eq!(placed.subject, "v1.greeter.greet");
        assert_eq!(placed.queue_group.as_deref(), Some("q"));
        let placed = Endpoint::action("greet", handler())
            .no_queue_group()
            .place(&config)
            .expect("valid");
        assert_eq!(placed.queue_group, None);
    }

    #[test]
    fn groups_and_subjects_compose() {
        let config = ServiceConfig::new("billing", "1.0.0");
        let placed = Endpoint::new("charge", handler())
            .group_with_queue("api", QueueGroup::named("workers"))
            .group("v1")
            .place(&config)
            .expect("valid");
        assert_eq!(placed.subject, "api.v1.charge");
        assert_eq!(placed.queue_group.as_deref(), Some("workers"));
        assert!(
            Endpoint::new("bad name", handler()).place(&config).is_err(),
            "names are validated"
        );
    }
}
