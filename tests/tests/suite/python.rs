//! Running nats-py scripts beside a suite test: natbus must interoperate with other clients,
//! so some tests let the Python client (from PyPI, installed by `scripts/setup-python`) do
//! the other half of the conversation.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use natbus::{Client, Runtime};

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

/// Whether this is a CI run (`CI` set and not empty, as CI services and `.ci/run` set it).
fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// The venv's python with nats-py, creating the venv with `scripts/setup-python` when it is
/// missing; `None` (after saying the test is skipped) only when there is no python3 at all.
///
/// # Panics
///
/// Under CI when python3 is missing: CI must run the interop tests, not skip them.
pub fn nats_py(test: &str) -> Option<PathBuf> {
    if !python3_exists() {
        assert!(
            !under_ci(),
            "{test}: python3 is not installed, and CI (CI is set) must run the nats-py \
             interop tests: install python3"
        );
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

/// The subject a script publishes on once its side is set up.
pub const READY_SUBJECT: &str = "interop.py.ready";
/// The subject natbus publishes on once its side is done, for a script that waits.
pub const DONE_SUBJECT: &str = "interop.py.done";

/// A natbus half of a conversation with a script: an `Err` says what differed.
pub type Side = futures::future::BoxFuture<'static, Result<(), String>>;

/// A script for [`converse`]: where to find it and what it prints when all went well.
pub struct Script<'a> {
    /// The venv's python ([`nats_py`]).
    pub python: PathBuf,
    /// Names the script's file.
    pub name: &'a str,
    /// The Python source; it gets the server URL as its one argument.
    pub source: &'a str,
    /// The line it prints on success.
    pub ok_line: &'a str,
}

/// Runs `script` against `url` as [`run_python`] does while `client` does natbus's half:
/// `side` starts once the script publishes on [`READY_SUBJECT`], and [`DONE_SUBJECT`] is
/// published when it ends. Panics when either half fails.
pub async fn converse(
    rt: &Arc<dyn Runtime>,
    client: &Client,
    url: String,
    script: Script<'_>,
    side: Side,
) {
    let Script {
        python,
        name,
        source,
        ok_line,
    } = script;
    let mut ready = client.subscribe(READY_SUBJECT).await.expect("subscribe");
    client.flush().await.expect("flush");
    let (result_tx, result_rx) = futures::channel::oneshot::channel();
    let waiter = rt.clone();
    let signaller = client.clone();
    rt.spawn(Box::pin(async move {
        // Python takes a while to start: as long as the script itself may take.
        let ready = within(
            &waiter,
            SCRIPT_LIMIT,
            "nats-py's ready signal",
            ready.next(),
        )
        .await;
        let result = match ready {
            Some(_) => side.await,
            None => Err("the ready subscription closed".to_owned()),
        };
        let _ = signaller.publish(DONE_SUBJECT, "").await;
        let _ = result_tx.send(result);
    }));
    run_python(rt, python, name, source, url, ok_line).await;
    let result = within(rt, SCRIPT_LIMIT, "natbus's side", result_rx).await;
    assert_eq!(result, Ok(Ok(())), "natbus's side of {name}");
}
