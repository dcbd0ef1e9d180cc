//! Finding the `nats-server` executable.

use std::path::{Path, PathBuf};

/// The environment variable that names the `nats-server` binary to test against.
const ENV_VAR: &str = "NATS_SERVER_BIN";

/// Returns the `nats-server` executable the harness runs.
///
/// Looked up in order: the `NATS_SERVER_BIN` environment variable (set by `scripts/test`),
/// the workspace-local `.tools/bin/nats-server` (where `scripts/install-nats-server` puts
/// the pinned version), then `nats-server` on `PATH`.
///
/// # Panics
///
/// When `NATS_SERVER_BIN` names a missing file, or no binary is found at all; the message
/// says to run `scripts/install-nats-server`.
pub fn nats_server_bin() -> PathBuf {
    if let Some(path) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{ENV_VAR}={} does not name a file; unset it or run scripts/install-nats-server",
            path.display()
        );
        return path;
    }
    let local = workspace_root().join(".tools/bin/nats-server");
    if local.is_file() {
        return local;
    }
    if let Some(found) = on_path("nats-server") {
        return found;
    }
    panic!(
        "nats-server not found (checked ${ENV_VAR}, {}, and PATH); \
         run `bash scripts/install-nats-server` from the workspace root",
        local.display()
    )
}

/// The workspace root: this crate lives in `<root>/tests`.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Finds `name` in one of the directories of `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_root_holds_the_workspace_manifest() {
        let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml"))
            .expect("the workspace root has a Cargo.toml");
        assert!(manifest.contains("[workspace]"), "{manifest}");
    }

    #[test]
    fn on_path_misses_a_name_nobody_has() {
        assert_eq!(on_path("natbus-no-such-binary-4f1c"), None);
    }
}
