//! Subjects of the Service API: discovery (`$SRV.<VERB>[.<name>[.<id>]]`), endpoint
//! subjects under groups, and natbus action subjects (`v{major}.{service}.{action}`).

/// The default discovery prefix.
pub const DEFAULT_API_PREFIX: &str = "$SRV";

/// A discovery verb: which question a `$SRV` request asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `PING`: who is there (answered with a `PingResponse`).
    Ping,
    /// `INFO`: what endpoints an instance has (answered with an `InfoResponse`).
    Info,
    /// `STATS`: request counters per endpoint (answered with a `StatsResponse`).
    Stats,
}

impl Verb {
    /// All verbs, in the order instances subscribe to them.
    pub const ALL: [Verb; 3] = [Verb::Ping, Verb::Info, Verb::Stats];

    /// The subject token: `PING`, `INFO` or `STATS`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Ping => "PING",
            Verb::Info => "INFO",
            Verb::Stats => "STATS",
        }
    }
}

/// Whom a discovery request addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Every instance of every service: `$SRV.<VERB>`.
    All,
    /// Every instance of one service: `$SRV.<VERB>.<name>` (case-sensitive).
    Service(&'a str),
    /// One instance: `$SRV.<VERB>.<name>.<id>`.
    Instance {
        /// The service name.
        name: &'a str,
        /// The instance id.
        id: &'a str,
    },
}

/// The discovery subject for `verb` and `target` under `prefix` (normally
/// [`DEFAULT_API_PREFIX`]), e.g. `$SRV.PING.billing`.
pub fn discovery_subject(prefix: &str, verb: Verb, target: Target<'_>) -> String {
    let verb = verb.as_str();
    match target {
        Target::All => format!("{prefix}.{verb}"),
        Target::Service(name) => format!("{prefix}.{verb}.{name}"),
        Target::Instance { name, id } => format!("{prefix}.{verb}.{name}.{id}"),
    }
}

/// The nine subjects one instance subscribes to (plainly, without a queue group, so that
/// every instance answers), each with the verb it answers.
pub fn instance_subjects(prefix: &str, name: &str, id: &str) -> [(Verb, String); 9] {
    let targets = [
        Target::All,
        Target::Service(name),
        Target::Instance { name, id },
    ];
    std::array::from_fn(|i| {
        let verb = Verb::ALL[i / 3];
        (verb, discovery_subject(prefix, verb, targets[i % 3]))
    })
}

/// Joins a group prefix and a subject with `.`; an empty side adds nothing
/// (`api` + `v1` → `api.v1`, `""` + `charge` → `charge`).
pub fn join_subject(prefix: &str, subject: &str) -> String {
    match (prefix.is_empty(), subject.is_empty()) {
        (true, _) => subject.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{subject}"),
    }
}

/// The natbus action subject `v{version}.{service}.{action}` used by the products natbus
/// serves (their `prefix_topic`).
///
/// `version` is the *major* version string, taken as given: `"1"` gives `v1.greeter.greet`.
/// Pass a full SemVer through [`major_version`](super::major_version) first
/// (`"1.4.0"` → `"1"`). Nothing is validated here; the pieces should be valid subject tokens
/// (no `.`, spaces or wildcards), which service and endpoint names always are.
pub fn action_subject(version: &str, service: &str, action: &str) -> String {
    format!("v{version}.{service}.{action}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_subjects() {
        assert_eq!(
            discovery_subject("$SRV", Verb::Ping, Target::All),
            "$SRV.PING"
        );
        assert_eq!(
            discovery_subject("$SRV", Verb::Info, Target::Service("billing")),
            "$SRV.INFO.billing"
        );
        assert_eq!(
            discovery_subject(
                "acct.$SRV",
                Verb::Stats,
                Target::Instance {
                    name: "Billing",
                    id: "K8nJ3xQ0pW2vYt6RbL9sDa"
                }
            ),
            "acct.$SRV.STATS.Billing.K8nJ3xQ0pW2vYt6RbL9sDa"
        );
    }

    #[test]
    fn nine_instance_subjects() {
        let subjects = instance_subjects("$SRV", "billing", "ID");
        let expected = [
            (Verb::Ping, "$SRV.PING"),
            (Verb::Ping, "$SRV.PING.billing"),
            (Verb::Ping, "$SRV.PING.billing.ID"),
            (Verb::Info, "$SRV.INFO"),
            (Verb::Info, "$SRV.INFO.billing"),
            (Verb::Info, "$SRV.INFO.billing.ID"),
            (Verb::Stats, "$SRV.STATS"),
            (Verb::Stats, "$SRV.STATS.billing"),
            (Verb::Stats, "$SRV.STATS.billing.ID"),
        ];
        assert_eq!(subjects.len(), expected.len());
        for ((verb, subject), (want_verb, want_subject)) in subjects.iter().zip(expected) {
            assert_eq!((*verb, subject.as_str()), (want_verb, want_subject));
        }
    }

    #[test]
    fn joins() {
        assert_eq!(join_subject("api", "v1"), "api.v1");
        assert_eq!(join_subject("", "charge"), "charge");
        assert_eq!(join_subject("v1.billing", ""), "v1.billing");
        assert_eq!(join_subject("v1.billing", "charge"), "v1.billing.charge");
    }

    #[test]
    fn action_subjects() {
        assert_eq!(action_subject("1", "greeter", "greet"), "v1.greeter.greet");
        assert_eq!(
            action_subject(
                super::super::major_version("2.0.1"),
                "orders",
                "order_created"
            ),
            "v2.orders.order_created"
        );
    }
}
