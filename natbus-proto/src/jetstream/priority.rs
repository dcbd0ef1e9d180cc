//! Priority groups (ADR-42, nats-server 2.11+): the client's side of a pull consumer whose
//! clients share its messages by a policy.
//!
//! A consumer with `priority_policy` and `priority_groups` accepts only pull requests that
//! name one of its groups. What else a request says depends on the policy:
//!
//! - `overflow`: [`PullGroup::min_pending`] / [`PullGroup::min_ack_pending`] hold the
//!   request back until the consumer has at least that many messages pending (or
//!   unacknowledged); either threshold met is enough. A request without thresholds is
//!   served at once, so the "local" clients pull without them and the "overflow" clients
//!   with them.
//! - `pinned_client`: the server picks one waiting client and stamps each message it
//!   delivers to it with a `Nats-Pin-Id` header. That client's later requests carry the id
//!   ([`Pin`]); the others' requests wait as stand-bys. When the pinned client stops
//!   pulling for `priority_timeout`, or an administrator unpins it
//!   (`CONSUMER.UNPIN`, [`UnpinRequest`]), another waiting request is pinned, and requests
//!   still carrying the old id get status `423`: the client forgets the id and pulls on
//!   without one, as a stand-by.
//! - `prioritized` (2.12+): [`PullGroup::priority`] 0–9; the waiting requests with the
//!   lowest number are served first.
//!
//! ```
//! use natbus_proto::jetstream::priority::{Pin, PinChange, PullGroup};
//! use natbus_proto::jetstream::pull::PullRequest;
//!
//! let group = PullGroup::new("jobs").min_pending(100);
//! group.validate()?;
//! let mut pin = Pin::default();
//! let mut request = PullRequest::new(10);
//! group.apply(&mut request, &pin);
//! assert_eq!(request.to_json(), br#"{"batch":10,"group":"jobs","min_pending":100}"#);
//!
//! // A pinned-client consumer stamped a delivered message: later requests carry the id.
//! assert_eq!(pin.on_message(Some("NUID1")), PinChange::Pinned);
//! group.apply(&mut request, &pin);
//! assert_eq!(request.id.as_deref(), Some("NUID1"));
//! # Ok::<(), natbus_proto::jetstream::priority::PriorityError>(())
//! ```

use serde::{Deserialize, Serialize};

use super::pull::{PullRequest, PullStatus};

/// Longest priority group name the server accepts.
pub const MAX_GROUP_NAME_LEN: usize = 16;

/// Highest request priority of the `prioritized` policy (0 is served first).
pub const MAX_PRIORITY: u8 = 9;

/// A priority group setting the server would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PriorityError {
    /// A group name that is empty, longer than 16 bytes or has other characters than
    /// `A-Z a-z 0-9 - _ / =` (the server's error 10161/10162).
    #[error("invalid priority group name {0:?}: use 1 to 16 of A-Z, a-z, 0-9, '-', '_', '/', '='")]
    GroupName(String),
    /// A request priority above 9.
    #[error("priority {0} is out of range: use 0 (served first) to 9")]
    Priority(u8),
    /// A priority policy without groups (10159), or groups without a policy (10196).
    #[error("priority groups and a priority policy go together: set both or neither")]
    PolicyWithoutGroups,
    /// `priority_timeout` without a priority policy (10197).
    #[error("priority_timeout needs a priority policy")]
    TimeoutWithoutPolicy,
}

/// Checks a priority group name as the server does.
///
/// # Errors
/// [`PriorityError::GroupName`].
pub fn validate_group_name(name: &str) -> Result<(), PriorityError> {
    let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '=');
    if name.is_empty() || name.len() > MAX_GROUP_NAME_LEN || !name.chars().all(valid_char) {
        return Err(PriorityError::GroupName(name.to_owned()));
    }
    Ok(())
}

/// What a pull request says about its priority group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PullGroup {
    /// The group; one of the consumer's `priority_groups`.
    pub group: String,
    /// `overflow`: serve this request only while the consumer has at least this many
    /// messages pending.
    pub min_pending: Option<u64>,
    /// `overflow`: serve this request only while at least this many messages await an ack.
    pub min_ack_pending: Option<u64>,
    /// `prioritized`: 0 (served first, also the default) to 9.
    pub priority: Option<u8>,
}

impl PullGroup {
    /// Requests in `group`, with no thresholds and the default priority.
    pub fn new(group: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            min_pending: None,
            min_ack_pending: None,
            priority: None,
        }
    }

    /// `overflow`: wait until the consumer has at least `n` messages pending.
    pub fn min_pending(mut self, n: u64) -> Self {
        self.min_pending = Some(n);
        self
    }

    /// `overflow`: wait until at least `n` messages await an ack.
    pub fn min_ack_pending(mut self, n: u64) -> Self {
        self.min_ack_pending = Some(n);
        self
    }

    /// `prioritized`: this request's priority, 0 (first) to 9.
    pub fn priority(mut self, priority: u8) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Checks what the server would answer with `400 Bad Request`.
    ///
    /// # Errors
    /// [`PriorityError`] naming the problem.
    pub fn validate(&self) -> Result<(), PriorityError> {
        validate_group_name(&self.group)?;
        match self.priority {
            Some(p) if p > MAX_PRIORITY => Err(PriorityError::Priority(p)),
            _ => Ok(()),
        }
    }

    /// Writes the group, its thresholds or priority, and the pin id (if any) into
    /// `request`.
    pub fn apply(&self, request: &mut PullRequest, pin: &Pin) {
        request.group = Some(self.group.clone());
        request.min_pending = self.min_pending;
        request.min_ack_pending = self.min_ack_pending;
        request.priority = self.priority;
        request.id = pin.id.clone();
    }
}

/// What a delivery or status did to the pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinChange {
    /// Nothing changed.
    Unchanged,
    /// The server pinned this client (a first or a new pin id).
    Pinned,
    /// The pin is gone: the server pinned another client or was told to unpin.
    Lost,
}

/// The pin id a `pinned_client` group gave this client: kept across requests, so every
/// request after the first pinned delivery asks to stay pinned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pin {
    id: Option<String>,
}

impl Pin {
    /// The current pin id, while pinned.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Records a delivered message's `Nats-Pin-Id` header (`None` when it has none).
    pub fn on_message(&mut self, pin_id: Option<&str>) -> PinChange {
        match pin_id.map(str::trim) {
            Some(id) if !id.is_empty() && self.id.as_deref() != Some(id) => {
                self.id = Some(id.to_owned());
                PinChange::Pinned
            }
            _ => PinChange::Unchanged,
        }
    }

    /// Records a status reply: a `423` (pin id mismatch) means another client is pinned
    /// now, so the id is forgotten and the next requests are stand-bys.
    pub fn on_status(&mut self, status: &PullStatus) -> PinChange {
        if *status == PullStatus::PinIdMismatch {
            self.forget()
        } else {
            PinChange::Unchanged
        }
    }

    /// Forgets the pin id (e.g. after this client unpinned its group).
    pub fn forget(&mut self) -> PinChange {
        match self.id.take() {
            Some(_) => PinChange::Lost,
            None => PinChange::Unchanged,
        }
    }
}

/// The body of `CONSUMER.UNPIN.<stream>.<consumer>`: unpin the group's client, so the
/// server pins another waiting request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnpinRequest {
    /// The priority group to unpin.
    pub group: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::pull::classify_pull_status;

    #[test]
    fn group_names_as_the_server_checks_them() {
        for good in ["jobs", "A-z_0/9=", "x", &"g".repeat(16)] {
            assert_eq!(validate_group_name(good), Ok(()), "{good}");
        }
        for bad in ["", "with space", "dot.ted", "star*", &"g".repeat(17), "ü"] {
            assert_eq!(
                validate_group_name(bad),
                Err(PriorityError::GroupName(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn requests_carry_the_policy_fields() {
        let pin = Pin::default();
        let mut r = PullRequest::new(5);
        PullGroup::new("g").min_ack_pending(3).apply(&mut r, &pin);
        assert_eq!(
            r.to_json(),
            br#"{"batch":5,"group":"g","min_ack_pending":3}"#
        );
        PullGroup::new("g").priority(2).apply(&mut r, &pin);
        assert_eq!(r.to_json(), br#"{"batch":5,"group":"g","priority":2}"#);
        assert_eq!(PullGroup::new("g").priority(9).validate(), Ok(()));
        assert_eq!(
            PullGroup::new("g").priority(10).validate(),
            Err(PriorityError::Priority(10))
        );
        assert!(PullGroup::new("a b").validate().is_err());
    }

    #[test]
    fn the_pin_follows_headers_and_423() {
        let mut pin = Pin::default();
        assert_eq!(pin.on_message(None), PinChange::Unchanged);
        assert_eq!(pin.on_message(Some("")), PinChange::Unchanged);
        assert_eq!(pin.on_message(Some("A")), PinChange::Pinned);
        assert_eq!(pin.on_message(Some("A")), PinChange::Unchanged);
        assert_eq!(pin.on_message(None), PinChange::Unchanged, "kept");
        assert_eq!(pin.id(), Some("A"));
        let timeout = classify_pull_status(408, "Request Timeout");
        assert_eq!(pin.on_status(&timeout), PinChange::Unchanged);
        assert_eq!(pin.on_message(Some("B")), PinChange::Pinned, "re-pinned");
        let mut r = PullRequest::new(1);
        PullGroup::new("g").apply(&mut r, &pin);
        assert_eq!(r.to_json(), br#"{"batch":1,"group":"g","id":"B"}"#);
        for description in ["Nats-Pin-Id mismatch", "Nats-Wrong-Pin-Id"] {
            pin.on_message(Some("C"));
            let status = classify_pull_status(423, description);
            assert_eq!(pin.on_status(&status), PinChange::Lost, "{description}");
            assert_eq!(pin.id(), None);
            assert_eq!(pin.on_status(&status), PinChange::Unchanged);
        }
        PullGroup::new("g").apply(&mut r, &pin);
        assert_eq!(r.id, None, "stand-by requests carry no id");
        assert_eq!(
            serde_json::to_string(&UnpinRequest { group: "g".into() }).expect("json"),
            r#"{"group":"g"}"#
        );
    }
}
