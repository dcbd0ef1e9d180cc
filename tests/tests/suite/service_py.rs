//! Interop: a nats-py client calls a natbus service and checks the reply envelope, the
//! ADR-32 error headers and `$SRV.PING`. Needs `scripts/setup-python` (run by
//! `scripts/test`); skipped, with a message, only when python3 is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use natbus::Runtime;
use natbus_tests::NatsServer;

use super::service::greeter;
use super::{connect, options, within};

const SCRIPT: &str = r#"
import asyncio, json, sys
import nats

async def main(url):
    nc = await nats.connect(url)
    ok = await nc.request("v1.greeter.greet", json.dumps({"name": "py"}).encode(), timeout=5)
    assert json.loads(ok.data) == {"result": {"message": "Hello py!"}}, ok.data
    assert not ok.headers or "Nats-Service-Error" not in ok.headers, ok.headers

    bad = await nc.request("v1.greeter.greet", b"not json", timeout=5)
    assert bad.headers["Nats-Service-Error-Code"] == "400", bad.headers
    assert bad.headers["Nats-Service-Error"].startswith("invalid request"), bad.headers
    body = json.loads(bad.data)
    assert body["error"]["code"] == 400 and body["error"]["message"] == bad.headers["Nats-Service-Error"], body

    missing = await nc.request("v1.greeter.greet", json.dumps({"name": "nobody"}).encode(), timeout=5)
    assert missing.headers["Nats-Service-Error-Code"] == "404", missing.headers
    assert missing.headers["Nats-Service-Error"] == "nobody is not here", missing.headers

    ping = json.loads((await nc.request("$SRV.PING.greeter", b"", timeout=5)).data)
    assert ping["type"] == "io.nats.micro.v1.ping_response" and ping["name"] == "greeter", ping
    stats = json.loads((await nc.request("$SRV.STATS.greeter." + ping["id"], b"", timeout=5)).data)
    ep = stats["endpoints"][0]
    assert (ep["num_requests"], ep["num_errors"]) == (3, 2), ep
    assert ep["last_error"] == "404:nobody is not here", ep
    await nc.close()
    print("nats-py interop OK")

asyncio.run(main(sys.argv[1]))
"#;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the repository")
        .to_path_buf()
}

pub fn python3_exists() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The venv's python, creating the venv with `scripts/setup-python` when it is missing.
pub fn venv_python() -> PathBuf {
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
    python
}

/// Runs the script on a thread (so the runtime under test keeps serving) and awaits it.
async fn run_script(rt: &Arc<dyn Runtime>, python: PathBuf, url: String) -> Output {
    run_python(rt, python, "interop", SCRIPT, url).await
}

/// Runs `script` (saved under a file named after `name`, unique per test) with `arg` on
/// a thread, so the runtime under test keeps serving, and awaits it.
pub async fn run_python(
    rt: &Arc<dyn Runtime>,
    python: PathBuf,
    name: &str,
    script: &str,
    arg: String,
) -> Output {
    let file = format!("natbus-{name}-{}.py", std::process::id());
    let path = std::env::temp_dir().join(file);
    std::fs::write(&path, script).expect("write the script");
    let (tx, rx) = futures::channel::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(Command::new(python).arg(&path).arg(arg).output());
    });
    within(rt, Duration::from_secs(60), "the nats-py script", rx)
        .await
        .expect("the script thread reports")
        .expect("run python")
}

pub async fn service_answers_nats_py(rt: Arc<dyn Runtime>) {
    if !python3_exists() {
        println!("SKIPPED service_answers_nats_py: python3 is not installed");
        return;
    }
    let python = venv_python();
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let _service = greeter(&client).await;
    let out = run_script(&rt, python, server.url()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("nats-py interop OK"),
        "nats-py script failed:\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
