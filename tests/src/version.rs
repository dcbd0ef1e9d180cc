//! The version of the nats-server under test, so that a test of a feature newer than the
//! server can say so and skip itself, and a test can expect what that server does.

use std::fmt;
use std::process::Command;
use std::sync::OnceLock;

/// A nats-server release, ordered by version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerVersion {
    /// Major version (2).
    pub major: u32,
    /// Minor version (e.g. 10 for 2.10.26).
    pub minor: u32,
    /// Patch version.
    pub patch: u32,
}

impl ServerVersion {
    /// The version `major.minor.patch`.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        ServerVersion {
            major,
            minor,
            patch,
        }
    }

    /// Parses `nats-server --version` output (`nats-server: v2.10.26`) or a bare version
    /// (`2.10.26`); a pre-release suffix (`-RC.1`) is ignored.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_prefix("nats-server:").unwrap_or(text).trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let core = text.split(['-', '+', ' ']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
        let version = ServerVersion::new(parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then_some(version)
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The version of the server binary the harness runs ([`crate::nats_server_bin`]), read
/// once from `nats-server --version`.
///
/// # Panics
///
/// When the binary cannot be run or its version cannot be read.
pub fn server_version() -> ServerVersion {
    static VERSION: OnceLock<ServerVersion> = OnceLock::new();
    *VERSION.get_or_init(|| {
        let bin = crate::nats_server_bin();
        let out = Command::new(&bin)
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {} --version: {e}", bin.display()));
        let text = String::from_utf8_lossy(&out.stdout);
        ServerVersion::parse(&text)
            .unwrap_or_else(|| panic!("cannot read the version of {} from {text:?}", bin.display()))
    })
}

/// True when the server under test is `min` or newer. Otherwise prints why `test` is
/// skipped (it needs `feature`, which came with `min`) and returns false, so the test can
/// return early:
///
/// ```no_run
/// use natbus_tests::{ServerVersion, server_at_least};
///
/// if !server_at_least(ServerVersion::new(2, 11, 0), "my_test", "per-message TTL") {
///     return;
/// }
/// ```
pub fn server_at_least(min: ServerVersion, test: &str, feature: &str) -> bool {
    let running = server_version();
    if running >= min {
        return true;
    }
    println!("SKIPPED {test}: {feature} needs nats-server {min} or newer; this is {running}");
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_nats_server_prints() {
        let v = ServerVersion::parse("nats-server: v2.10.26\n").expect("parses");
        assert_eq!(v, ServerVersion::new(2, 10, 26));
        assert_eq!(v.to_string(), "2.10.26");
        assert_eq!(
            ServerVersion::parse("2.12.0-RC.3"),
            Some(ServerVersion::new(2, 12, 0))
        );
    }

    #[test]
    fn rejects_what_is_not_a_version() {
        for bad in [
            "",
            "nats-server",
            "v2.10",
            "2.x.1",
            "2.10.26.1",
            "nats-server: vnext",
        ] {
            assert_eq!(ServerVersion::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn orders_numerically() {
        assert!(ServerVersion::new(2, 10, 26) < ServerVersion::new(2, 11, 0));
        assert!(ServerVersion::new(2, 9, 99) < ServerVersion::new(2, 10, 0));
    }
}
