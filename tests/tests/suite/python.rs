//! Running nats-py scripts beside a suite test: natbus must interoperate with other clients,
//! so some tests let the Python client (from PyPI, installed by `scripts/setup-python`) do
//! the other half of the conversation.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use natbus::Runtime;

use super::within;

/// How long one script may run: it starts a Python interpreter and talks to a local server.
pub const SCRIPT_LIMIT: Duration = Duration::from_secs(60);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the repository")
        .to_path_buf()
}

fn python3_exists() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The venv's python with nats-py, creating the venv with `scripts/setup-python` when it is
/// missing; `None` (after saying the test is skipped) only when there is no python3 at all.
pub fn nats_py(test: &str) -> Option<PathBuf> {
    if !python3_exists() {
        println!("SKIPPED {test}: python3 is not installed");
        return None;
    }
    let root = repo_root();
    let python = root.join(".tools/venv/bin/python");
    let has_nats = |p: &Path| {
        Command::new(p)
            .args(["-c", "import nats"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has_nats(&python) {
        let setup = Command::new("bash")
            .arg(root.join("scripts/setup-python"))
            .output()
            .expect("run scripts/setup-python");
        assert!(
            setup.status.success() && has_nats(&python),
            "scripts/setup-python could not install nats-py: {}",
            String::from_utf8_lossy(&setup.stderr)
        );
    }
    Some(python)
}

/// Runs `script` (saved under a file named after `name`, unique per test process) with `arg`
/// on a thread, so the runtime under test keeps serving while it runs, and panics with the
/// script's output unless it exits 0 and prints `ok_line`.
pub async fn run_python(
    rt: &Arc<dyn Runtime>,
    python: PathBuf,
    name: &str,
    script: &str,
    arg: String,
    ok_line: &str,
) {
    let file = format!("natbus-{name}-{}.py", std::process::id());
    let path = std::env::temp_dir().join(file);
    std::fs::write(&path, script).expect("write the script");
    let (tx, rx) = futures::channel::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(Command::new(python).arg(&path).arg(arg).output());
    });
    let out = within(rt, SCRIPT_LIMIT, "the nats-py script", rx)
        .await
        .expect("the script thread reports")
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.lines().any(|l| l == ok_line),
        "nats-py script {name} failed:\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
