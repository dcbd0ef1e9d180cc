//! natbus in a browser: the native half of the browser tests.
//!
//! A page cannot start processes, so this test does it for the wasm tests in
//! `natbus-web/tests/browser.rs`: it starts a nats-server with a WebSocket listener, runs
//! native natbus responders the page talks to, and then runs those wasm tests in headless
//! Chromium (`cargo test --target wasm32-unknown-unknown`, with `wasm-bindgen-test-runner`
//! as the target's runner, which drives Chromium through ChromeDriver). The server's URL is
//! compiled into the wasm tests (`NATBUS_TEST_WS_URL`).
//!
//! The native side answers on:
//! - `native.echo`: replies `native echo: <payload>`;
//! - `native.kv.get`: reads the key named by the payload from the `web` bucket with its own
//!   client and replies with the value;
//! - `native.restart-please`: replies, then restarts the server on the same ports.
//!
//! The tools (the wasm target, Chromium, ChromeDriver, wasm-bindgen-cli at the version in
//! Cargo.lock) come from `scripts/install-browser-tools`, which `scripts/test` runs. Without
//! them the test is skipped with a message, except under CI (`CI` set), where it fails.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use natbus::{Client, ConnectOptions};
use natbus_tests::NatsServer;

/// The wasm build (cold: every dependency for wasm32) plus the browser run.
const BROWSER_STEP_LIMIT: Duration = Duration::from_secs(20 * 60);
/// Pacing of the wait for the cargo process; the deadline is what bounds it.
const POLL: Duration = Duration::from_millis(200);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the repository")
        .to_path_buf()
}

fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// `wasm-bindgen-test-runner` from `$NATBUS_BROWSER_TOOLS` (the folder
/// `scripts/install-browser-tools` prints) or `PATH`, when ChromeDriver is there too.
fn test_runner() -> Result<PathBuf, String> {
    let runner = std::env::var_os("NATBUS_BROWSER_TOOLS")
        .map(|dir| PathBuf::from(dir).join("wasm-bindgen-test-runner"))
        .filter(|p| p.is_file())
        .or_else(|| on_path("wasm-bindgen-test-runner"))
        .ok_or("wasm-bindgen-test-runner is not installed")?;
    on_path("chromedriver").ok_or("chromedriver is not installed")?;
    Ok(runner)
}

/// A free loopback port for the WebSocket listener: fixed in the server's config, so a
/// restart keeps it.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn native_options(url: &str) -> ConnectOptions {
    ConnectOptions::new()
        .server(url)
        .reconnect_delay(
            Duration::from_millis(20),
            Duration::from_millis(200),
            Duration::from_millis(20),
        )
        .max_reconnects(None)
}

/// Answers `subject` with `answer(payload)` until the client closes.
async fn respond<F, Fut>(client: &Client, subject: &str, answer: F)
where
    F: Fn(Client, natbus::Bytes) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = String> + Send,
{
    let mut sub = client.subscribe(subject).await.expect("subscribe");
    let client = client.clone();
    tokio::spawn(async move {
        while let Some(msg) = sub.next().await {
            let Some(reply) = msg.reply else { continue };
            let text = answer(client.clone(), msg.payload).await;
            let _ = client.publish(reply.as_str(), text).await;
        }
    });
}

/// Starts the native responders on `client`.
async fn start_responders(client: &Client, server: Arc<Mutex<NatsServer>>) {
    respond(client, "native.echo", |_, payload| async move {
        format!("native echo: {}", String::from_utf8_lossy(&payload))
    })
    .await;
    respond(client, "native.kv.get", |client, key| async move {
        let key = String::from_utf8_lossy(&key).into_owned();
        let value = match client.jetstream().key_value("web").await {
            Ok(store) => store.get(&key).await.map(|v| v.unwrap_or_default()),
            Err(e) => Err(e),
        };
        match value {
            Ok(v) => String::from_utf8_lossy(&v).into_owned(),
            Err(e) => format!("native read failed: {e}"),
        }
    })
    .await;
    let mut restarts = client
        .subscribe("native.restart-please")
        .await
        .expect("subscribe");
    let client = client.clone();
    tokio::spawn(async move {
        while let Some(msg) = restarts.next().await {
            if let Some(reply) = msg.reply {
                let _ = client.publish(reply.as_str(), "restarting").await;
                // The reply must be out before the server goes away.
                let _ = client.flush().await;
            }
            let server = server.clone();
            let restarted =
                tokio::task::spawn_blocking(move || server.lock().map(|mut s| s.restart()).is_ok())
                    .await;
            assert!(matches!(restarted, Ok(true)), "restart failed");
        }
    });
}

/// Runs the wasm tests in headless Chromium against `ws_url`; the output goes to `log`.
fn run_wasm_tests(runner: &Path, ws_url: &str, log: &Path) -> std::process::ExitStatus {
    let root = repo_root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = File::create(log).expect("a log file");
    let err = out.try_clone().expect("a second handle to the log file");
    let mut child = Command::new(cargo)
        .current_dir(&root)
        .args(["test", "--locked", "-p", "natbus-web", "--target"])
        .args(["wasm32-unknown-unknown", "--test", "browser"])
        // Its own target folder: the outer `cargo test` owns the usual one.
        .env("CARGO_TARGET_DIR", root.join("target/wasm"))
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner)
        .env("NATBUS_TEST_WS_URL", ws_url)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "180")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("cargo starts");
    let deadline = Instant::now() + BROWSER_STEP_LIMIT;
    loop {
        if let Some(status) = child.try_wait().expect("cargo's status") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the browser tests took longer than {BROWSER_STEP_LIMIT:?}:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(POLL);
    }
}

#[test]
fn browser_suite_in_headless_chromium() {
    let runner = match test_runner() {
        Ok(runner) => runner,
        Err(missing) => {
            assert!(
                !under_ci(),
                "{missing}, and CI (CI is set) must run the browser tests: run \
                 scripts/install-browser-tools"
            );
            println!("SKIPPED browser tests: {missing} (run scripts/install-browser-tools)");
            return;
        }
    };
    let ws_port = free_port();
    let server = NatsServer::builder()
        .config(&format!(
            "websocket {{ host: 127.0.0.1, port: {ws_port}, no_tls: true }}"
        ))
        .start();
    let url = server.url();
    let server = Arc::new(Mutex::new(server));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let client = runtime.block_on(async {
        let client = natbus_tokio::connect_with(native_options(&url))
            .await
            .expect("the native client connects");
        start_responders(&client, server.clone()).await;
        client.flush().await.expect("responders subscribed");
        client
    });

    let log = repo_root().join("target/browser-tests.log");
    let started = Instant::now();
    let status = run_wasm_tests(&runner, &format!("ws://127.0.0.1:{ws_port}"), &log);
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    println!("{output}");
    println!("browser step took {:.1?}", started.elapsed());
    let server_log = server.lock().map(|s| s.log()).unwrap_or_default();
    assert!(
        status.success() && output.contains("test result: ok"),
        "the browser tests failed ({status}):\n{output}\nserver log:\n{server_log}"
    );
    runtime.block_on(client.close());
}

