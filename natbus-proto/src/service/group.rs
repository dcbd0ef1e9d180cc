//! Groups: subject prefixes that carry a queue-group policy, and the endpoints placed in them.
//!
//! ADR-32 §3: an endpoint's subject is `[<group>.]<endpoint subject or name>`, and its queue
//! group is resolved from the endpoint outwards, first match wins:
//! 1. the endpoint disabled queueing → plain subscription (`""` in INFO/STATS);
//! 2. the endpoint's own queue group;
//! 3. the parent (innermost group, else the service) disabled queueing → plain subscription;
//! 4. the parent's queue group (a group inherits from its parent group, then the service);
//! 5. the default `q`.
//!
//! A [`Group`] stores its *inherited* policy, so steps 3–5 are one lookup on the group.

use super::config::{EndpointConfig, Metadata, QueueGroup, ServiceConfig};
use super::schema::EndpointInfo;
use super::subjects::join_subject;
use super::validate::{ConfigError, validate_group_name};

/// A subject prefix under which endpoints are added, with the queue-group policy they
/// inherit. The service itself is the root group (empty prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    prefix: String,
    queue_group: QueueGroup,
}

impl Group {
    /// The root group of a service: no prefix, the service's queue-group policy.
    pub fn root(service: &ServiceConfig) -> Self {
        Self {
            prefix: String::new(),
            queue_group: service.queue_group.clone(),
        }
    }

    /// A group nested in this one: `name` (which may be empty or have several tokens) is
    /// appended to the prefix, and a [`QueueGroup::Default`] policy inherits this group's.
    ///
    /// # Errors
    /// [`ConfigError::InvalidGroupName`] or [`ConfigError::InvalidQueueGroup`].
    pub fn group(&self, name: &str, queue_group: QueueGroup) -> Result<Group, ConfigError> {
        validate_group_name(name)?;
        queue_group.validate()?;
        Ok(Group {
            prefix: join_subject(&self.prefix, name),
            queue_group: queue_group.or_inherit(&self.queue_group),
        })
    }

    /// The subject prefix (`""` for the root).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The policy endpoints inherit here, already inherited from the enclosing levels.
    pub fn queue_group(&self) -> &QueueGroup {
        &self.queue_group
    }

    /// The queue group an endpoint with policy `endpoint` subscribes with in this group;
    /// `None` means a plain subscription.
    pub fn resolve_queue_group(&self, endpoint: &QueueGroup) -> Option<String> {
        endpoint.or_inherit(&self.queue_group).resolve()
    }

    /// Validates `endpoint` and places it in this group: its full subject and resolved queue
    /// group.
    ///
    /// # Errors
    /// The [`ConfigError`] of [`EndpointConfig::validate`].
    pub fn endpoint(&self, endpoint: &EndpointConfig) -> Result<PlacedEndpoint, ConfigError> {
        endpoint.validate()?;
        Ok(PlacedEndpoint {
            name: endpoint.name.clone(),
            subject: join_subject(&self.prefix, endpoint.local_subject()),
            queue_group: self.resolve_queue_group(&endpoint.queue_group),
            metadata: endpoint.metadata.clone(),
        })
    }
}

/// An endpoint with its subject and queue group worked out: what to subscribe to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlacedEndpoint {
    /// The endpoint name.
    pub name: String,
    /// The full subject, group prefix included.
    pub subject: String,
    /// The queue group to subscribe with; `None` for a plain subscription.
    pub queue_group: Option<String>,
    /// The endpoint metadata.
    pub metadata: Metadata,
}

impl PlacedEndpoint {
    /// How INFO and STATS describe this endpoint.
    pub fn info(&self) -> EndpointInfo {
        EndpointInfo::new(
            self.name.clone(),
            self.subject.clone(),
            self.queue_group.as_deref(),
            self.metadata.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use QueueGroup::{Default as D, Disabled as X};

    fn n(name: &str) -> QueueGroup {
        QueueGroup::named(name)
    }

    /// Resolves through a service, a chain of groups (outer to inner) and an endpoint.
    fn resolve(service: QueueGroup, groups: &[QueueGroup], endpoint: QueueGroup) -> Option<String> {
        let config = ServiceConfig::new("svc", "1.0.0").queue_group(service);
        let mut group = Group::root(&config);
        for (i, policy) in groups.iter().enumerate() {
            group = group
                .group(&format!("g{i}"), policy.clone())
                .expect("test groups are valid");
        }
        let placed = group
            .endpoint(&EndpointConfig::new("e").queue_group(endpoint))
            .expect("test endpoint is valid");
        placed.queue_group
    }

    #[test]
    fn queue_group_resolution_table() {
        let s = |q: &str| Some(q.to_owned());
        let cases: Vec<(QueueGroup, Vec<QueueGroup>, QueueGroup, Option<String>)> = vec![
            // 1. endpoint disabled wins over everything.
            (n("svc"), vec![n("grp")], X, None),
            // 2. endpoint's own queue group.
            (X, vec![X], n("ep"), s("ep")),
            (n("svc"), vec![n("grp")], n("ep"), s("ep")),
            // 3. parent disabled.
            (n("svc"), vec![X], D, None),
            (X, vec![], D, None),
            (X, vec![D], D, None),
            // 4. parent's queue group; a group inherits from the service, inner over outer.
            (n("svc"), vec![], D, s("svc")),
            (n("svc"), vec![D], D, s("svc")),
            (n("svc"), vec![n("grp")], D, s("grp")),
            (D, vec![n("outer"), D], D, s("outer")),
            (D, vec![n("outer"), n("inner")], D, s("inner")),
            (D, vec![X, n("inner")], D, s("inner")),
            (D, vec![n("outer"), X], D, None),
            // 5. default q.
            (D, vec![], D, s("q")),
            (D, vec![D, D], D, s("q")),
        ];
        for (service, groups, endpoint, want) in cases {
            let got = resolve(service.clone(), &groups, endpoint.clone());
            assert_eq!(
                got, want,
                "service {service:?}, groups {groups:?}, endpoint {endpoint:?}"
            );
        }
    }

    #[test]
    fn subjects_compose() {
        let config = ServiceConfig::new("billing", "1.4.0");
        let root = Group::root(&config);
        let charge = EndpointConfig::new("charge");
        assert_eq!(root.endpoint(&charge).expect("valid").subject, "charge");
        let v1 = root.group("v1", D).expect("valid group");
        let billing = v1.group("billing", D).expect("valid group");
        assert_eq!(billing.prefix(), "v1.billing");
        assert_eq!(
            billing.endpoint(&charge).expect("valid").subject,
            "v1.billing.charge"
        );
        let empty = billing.group("", D).expect("empty group adds nothing");
        assert_eq!(empty.prefix(), "v1.billing");
        let custom = EndpointConfig::new("custom").subject("custom.>");
        let placed = billing.endpoint(&custom).expect("valid");
        assert_eq!(placed.subject, "v1.billing.custom.>");
        assert_eq!(placed.info().queue_group, "q");
    }

    #[test]
    fn invalid_pieces_are_reported() {
        let root = Group::root(&ServiceConfig::new("billing", "1.4.0"));
        assert!(matches!(
            root.group("a.>", D),
            Err(ConfigError::InvalidGroupName { .. })
        ));
        assert!(matches!(
            root.group("a", n("bad queue")),
            Err(ConfigError::InvalidQueueGroup { .. })
        ));
        assert!(matches!(
            root.endpoint(&EndpointConfig::new("")),
            Err(ConfigError::InvalidEndpointName { .. })
        ));
        let disabled = root
            .endpoint(&EndpointConfig::new("e").queue_group(X))
            .expect("valid");
        assert_eq!(
            disabled.info().queue_group,
            "",
            "disabled reports an empty queue group"
        );
    }
}
