//! `ServerVersion`: the `MAJOR.MINOR.PATCH` of a nats-server, from its INFO `version`.
//!
//! Only the numeric core is kept: a pre-release such as `2.12.0-RC.1` or a development build
//! such as `2.15.0-dev` compares equal to `2.12.0` / `2.15.0`, because release candidates
//! and development builds of a minor already carry that minor's features, and a feature
//! check must not refuse a server that has the feature.

use std::fmt;
use std::str::FromStr;

/// A nats-server version, ordered by `(major, minor, patch)`.
///
/// ```
/// use natbus_proto::server_version::ServerVersion;
///
/// let v: ServerVersion = "2.15.1".parse()?;
/// assert!(v >= ServerVersion::new(2, 12, 0));
/// assert_eq!("v2.12.0-RC.1".parse::<ServerVersion>()?, ServerVersion::new(2, 12, 0));
/// assert_eq!(v.to_string(), "2.15.1");
/// # Ok::<(), natbus_proto::server_version::InvalidVersion>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerVersion {
    /// Major version (2 for every current server).
    pub major: u32,
    /// Minor version: NATS adds features in minor releases.
    pub minor: u32,
    /// Patch version.
    pub patch: u32,
}

impl ServerVersion {
    /// A version from its three numbers.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A version string that is not `MAJOR.MINOR[.PATCH]` (optionally with a leading `v` and a
/// `-pre-release` or `+build` suffix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a server version: {0:?} (expected MAJOR.MINOR.PATCH, e.g. 2.15.1)")]
pub struct InvalidVersion(pub String);

impl FromStr for ServerVersion {
    type Err = InvalidVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidVersion(s.to_owned());
        let trimmed = s.trim();
        let trimmed = trimmed.strip_prefix('v').unwrap_or(trimmed);
        let core = trimmed
            .split(['-', '+'])
            .next()
            .filter(|c| !c.is_empty())
            .ok_or_else(invalid)?;
        let mut numbers = core.split('.').map(|part| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            part.parse::<u32>().map_err(|_| invalid())
        });
        let major = numbers.next().ok_or_else(invalid)??;
        let minor = numbers.next().ok_or_else(invalid)??;
        let patch = numbers.next().transpose()?.unwrap_or(0);
        if numbers.next().is_some() {
            return Err(invalid());
        }
        Ok(Self::new(major, minor, patch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_pre_release_dev_and_short_forms() {
        for (text, want) in [
            ("2.15.1", (2, 15, 1)),
            ("v2.10.26", (2, 10, 26)),
            ("2.12.0-RC.1", (2, 12, 0)),
            ("2.15.0-dev", (2, 15, 0)),
            ("2.11.3+abc", (2, 11, 3)),
            ("2.14", (2, 14, 0)),
            (" 2.9.25 ", (2, 9, 25)),
        ] {
            let v: ServerVersion = text.parse().expect(text);
            assert_eq!((v.major, v.minor, v.patch), want, "{text}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_version() {
        for text in [
            "",
            "v",
            "2",
            "2.",
            "2..1",
            "a.b.c",
            "2.15.1.4",
            "-dev",
            "2.x.1",
            "99999999999.1.0",
        ] {
            assert!(text.parse::<ServerVersion>().is_err(), "{text:?} parsed");
        }
    }

    #[test]
    fn orders_numerically_not_as_text() {
        let v = |s: &str| s.parse::<ServerVersion>().expect("valid");
        assert!(v("2.10.0") > v("2.9.25"));
        assert!(v("2.15.1") > v("2.15.0"));
        assert!(v("3.0.0") > v("2.99.99"));
        assert_eq!(v("2.12.0-RC.2"), v("2.12.0"));
    }
}
