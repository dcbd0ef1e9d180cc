//! The configuration rules of ADR-32 §2 and the error that names a broken one.
//!
//! nats.go enforces every rule here; async-nats only checks the service name and version.
//! natbus checks all of them, and a little more where the server would refuse the subject
//! anyway (empty tokens), so that a mistake is reported before anything is subscribed.

use super::semver;

/// A service, group or endpoint configuration that breaks an ADR-32 rule.
///
/// Returned before anything is subscribed, so fixing the configuration is always enough.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The service name is empty or has a character outside `A-Z a-z 0-9 - _`.
    #[error(
        "invalid service name {name:?}: {reason}; use one or more of A-Z, a-z, 0-9, '-' and '_'"
    )]
    InvalidServiceName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The version is not SemVer 2.0.0.
    #[error(
        "invalid service version {version:?}: {reason}; use SemVer 2.0.0 such as 1.0.0 or 0.3.12-rc.1"
    )]
    InvalidVersion {
        /// The version as given.
        version: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An endpoint name is empty or has a character outside `A-Z a-z 0-9 - _`.
    #[error(
        "invalid endpoint name {name:?}: {reason}; use one or more of A-Z, a-z, 0-9, '-' and '_' (set a subject for anything else)"
    )]
    InvalidEndpointName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An endpoint subject is not a subject the endpoint can subscribe to.
    #[error("invalid endpoint subject {subject:?}: {reason}")]
    InvalidEndpointSubject {
        /// The subject as given.
        subject: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A group name is not a usable subject prefix.
    #[error("invalid group name {name:?}: {reason}")]
    InvalidGroupName {
        /// The group name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A queue group name cannot be used.
    #[error(
        "invalid queue group {queue_group:?}: {reason} (use QueueGroup::Disabled to subscribe without one)"
    )]
    InvalidQueueGroup {
        /// The queue group as given.
        queue_group: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The discovery prefix that replaces `$SRV` is not a literal subject prefix.
    #[error("invalid service API prefix {prefix:?}: {reason}; use a literal subject such as $SRV")]
    InvalidApiPrefix {
        /// The prefix as given.
        prefix: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.contains('.') {
        return Err("it contains '.'");
    }
    if !name.bytes().all(is_name_byte) {
        return Err("it contains a character that is not allowed");
    }
    Ok(())
}

fn has_whitespace(s: &str) -> bool {
    s.chars().any(char::is_whitespace)
}

/// Checks the subject-level rules shared by endpoint subjects and group names.
fn check_tokens(s: &str) -> Result<(), &'static str> {
    if has_whitespace(s) {
        return Err("it contains whitespace");
    }
    if s.split('.').any(str::is_empty) {
        return Err("it has an empty token (a leading, trailing or doubled '.')");
    }
    Ok(())
}

/// Checks a service name: one or more of `A-Z a-z 0-9 - _`.
///
/// # Errors
/// [`ConfigError::InvalidServiceName`].
pub fn validate_service_name(name: &str) -> Result<(), ConfigError> {
    check_name(name).map_err(|reason| ConfigError::InvalidServiceName {
        name: name.to_owned(),
        reason,
    })
}

/// Checks a service version against SemVer 2.0.0 (the grammar of semver.org's regex).
///
/// # Errors
/// [`ConfigError::InvalidVersion`].
pub fn validate_version(version: &str) -> Result<(), ConfigError> {
    semver::check(version).map_err(|reason| ConfigError::InvalidVersion {
        version: version.to_owned(),
        reason,
    })
}

/// Checks an endpoint name: the same charset as a service name.
///
/// # Errors
/// [`ConfigError::InvalidEndpointName`].
pub fn validate_endpoint_name(name: &str) -> Result<(), ConfigError> {
    check_name(name).map_err(|reason| ConfigError::InvalidEndpointName {
        name: name.to_owned(),
        reason,
    })
}

/// Checks an endpoint subject: no whitespace, no empty token, `>` only as the last
/// character. `*` and a final `>` wildcard are allowed.
///
/// # Errors
/// [`ConfigError::InvalidEndpointSubject`].
pub fn validate_endpoint_subject(subject: &str) -> Result<(), ConfigError> {
    let fail = |reason| ConfigError::InvalidEndpointSubject {
        subject: subject.to_owned(),
        reason,
    };
    if subject.is_empty() {
        return Err(fail("it is empty"));
    }
    if subject.starts_with("$SRV.") || subject == "$SRV" {
        return Err(fail(
            "endpoint subjects must not use the $SRV discovery namespace",
        ));
    }
    check_tokens(subject).map_err(fail)?;
    if subject.find('>').is_some_and(|i| i + 1 != subject.len()) {
        return Err(fail("'>' may only be the last character"));
    }
    Ok(())
}

/// Checks a group name: empty (adds nothing), or a subject prefix of one or more tokens
/// without whitespace and without `>`.
///
/// # Errors
/// [`ConfigError::InvalidGroupName`].
pub fn validate_group_name(name: &str) -> Result<(), ConfigError> {
    if name.is_empty() {
        return Ok(());
    }
    let fail = |reason| ConfigError::InvalidGroupName {
        name: name.to_owned(),
        reason,
    };
    check_tokens(name).map_err(fail)?;
    if name.contains('>') {
        return Err(fail("a group is a prefix, so it cannot contain '>'"));
    }
    Ok(())
}

/// Checks a queue group name: not empty, no whitespace, `>` only at the end (the rule
/// nats.go applies).
///
/// # Errors
/// [`ConfigError::InvalidQueueGroup`].
pub fn validate_queue_group(queue_group: &str) -> Result<(), ConfigError> {
    let fail = |reason| ConfigError::InvalidQueueGroup {
        queue_group: queue_group.to_owned(),
        reason,
    };
    if queue_group.is_empty() {
        return Err(fail("it is empty"));
    }
    if has_whitespace(queue_group) {
        return Err(fail("it contains whitespace"));
    }
    if queue_group
        .find('>')
        .is_some_and(|i| i + 1 != queue_group.len())
    {
        return Err(fail("'>' may only be the last character"));
    }
    Ok(())
}

/// Checks a replacement for the `$SRV` prefix: a literal subject (no wildcards, no
/// whitespace, no empty token).
///
/// # Errors
/// [`ConfigError::InvalidApiPrefix`].
pub fn validate_api_prefix(prefix: &str) -> Result<(), ConfigError> {
    let fail = |reason| ConfigError::InvalidApiPrefix {
        prefix: prefix.to_owned(),
        reason,
    };
    if prefix.is_empty() {
        return Err(fail("it is empty"));
    }
    check_tokens(prefix).map_err(fail)?;
    if prefix.contains(['*', '>']) {
        return Err(fail("it contains a wildcard"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["billing", "Billing-2", "a_b", "0", "A-Z_a-z_0-9"] {
            assert_eq!(validate_service_name(ok), Ok(()), "{ok:?}");
            assert_eq!(validate_endpoint_name(ok), Ok(()), "{ok:?}");
        }
        for bad in ["", "a.b", "a b", "a*", "a>", "ü", "a\tb", "$SRV", "a/b"] {
            assert!(validate_service_name(bad).is_err(), "{bad:?}");
            assert!(validate_endpoint_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn endpoint_subjects() {
        for ok in [
            "charge",
            "v1.billing.charge",
            "billing.custom.>",
            "a.*.c",
            ">",
            "a.b>",
        ] {
            assert_eq!(validate_endpoint_subject(ok), Ok(()), "{ok:?}");
        }
        for bad in [
            "",
            "a b",
            "a.>.c",
            "a>b",
            ".a",
            "a.",
            "a..b",
            "a\r\nb",
            "$SRV.PING",
            "$SRV",
        ] {
            assert!(validate_endpoint_subject(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn group_names() {
        for ok in ["", "api", "v1.billing", "a.*"] {
            assert_eq!(validate_group_name(ok), Ok(()), "{ok:?}");
        }
        for bad in ["a.>", ">", "a b", "a..b", ".a", "a."] {
            assert!(validate_group_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn queue_groups() {
        for ok in ["q", "workers", "a.b", "a>"] {
            assert_eq!(validate_queue_group(ok), Ok(()), "{ok:?}");
        }
        for bad in ["", "a b", "a>b", "\t"] {
            assert!(validate_queue_group(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn api_prefixes() {
        for ok in ["$SRV", "acct.$SRV"] {
            assert_eq!(validate_api_prefix(ok), Ok(()), "{ok:?}");
        }
        for bad in ["", "$SRV.", "a.*", "a.>", "a b"] {
            assert!(validate_api_prefix(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn messages_are_actionable() {
        let e = validate_version("1.02.0").expect_err("leading zero is invalid");
        assert_eq!(
            e.to_string(),
            "invalid service version \"1.02.0\": a number in MAJOR.MINOR.PATCH has a \
             leading zero; use SemVer 2.0.0 such as 1.0.0 or 0.3.12-rc.1"
        );
        let e = validate_service_name("bill ing").expect_err("space is invalid");
        assert!(e.to_string().contains("A-Z, a-z, 0-9, '-' and '_'"), "{e}");
    }
}
