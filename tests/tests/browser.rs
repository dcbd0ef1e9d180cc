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

mod webdriver;

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
    let mut command = Command::new(cargo);
    command
        .current_dir(&root)
        .args(["test", "--locked", "-p", "natbus-web", "--target"])
        .args(["wasm32-unknown-unknown", "--test", "browser"])
        // Its own target folder: the outer `cargo test` owns the usual one.
        .env("CARGO_TARGET_DIR", root.join("target/wasm"))
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner)
        .env("NATBUS_TEST_WS_URL", ws_url)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "180");
    run_within(command, BROWSER_STEP_LIMIT, log, true)
}

/// Runs `command` to its end within `limit` (killing it and failing after), with its
/// stdout (and stderr when `with_stderr`) in `log`.
fn run_within(
    mut command: Command,
    limit: Duration,
    log: &Path,
    with_stderr: bool,
) -> std::process::ExitStatus {
    let out = File::create(log).expect("a log file");
    let err = if with_stderr {
        Stdio::from(out.try_clone().expect("a second handle to the log file"))
    } else {
        Stdio::null()
    };
    let mut child = command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("the child's status") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command:?} took longer than {limit:?}:\n{}",
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

/// Serves the files of `dir` over HTTP on a free loopback port, for as long as the test
/// process runs; returns the port. Only what a page load needs: GET, a few content types.
fn serve_dir(dir: PathBuf) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("bound").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut line = String::new();
            let mut reader = BufReader::new(&stream);
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // Skip the headers.
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/");
            let path = path
                .split('?')
                .next()
                .unwrap_or("/")
                .trim_start_matches('/');
            let file = if path.is_empty() { "index.html" } else { path };
            let kind = match file.rsplit('.').next() {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript",
                Some("wasm") => "application/wasm",
                _ => "application/octet-stream",
            };
            let mut stream = &stream;
            let _ = match std::fs::read(dir.join(file)).ok().filter(|_| !file.contains("..")) {
                Some(body) => write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .and_then(|()| stream.write_all(&body)),
                None => write!(
                    stream,
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                ),
            };
        }
    });
    port
}

/// Runs `command` to its end within `limit`, returning its stdout.
fn output_within(command: Command, limit: Duration, what: &str) -> String {
    let log = std::env::temp_dir().join(format!("natbus-{what}-{}.log", std::process::id()));
    let status = run_within(command, limit, &log, false);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    assert!(status.success(), "{what} failed ({status}):\n{text}");
    text
}

/// Headless Chromium with the flags this kind of machine needs (root: no sandbox; no GPU).
fn chromium(url: &str, extra: &[&str]) -> Command {
    let mut command = Command::new("chromium");
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(["--window-size=900,700", "--virtual-time-budget=15000"])
        .args(extra)
        .arg(url);
    command
}

#[test]
fn web_example_in_headless_chromium() {
    if let Err(missing) = test_runner() {
        assert!(
            !under_ci(),
            "{missing}, and CI (CI is set) must run the browser tests"
        );
        println!("SKIPPED web example test: {missing}");
        return;
    }
    let root = repo_root();
    // The wasm folder of the browser tests, so their build is reused.
    let out = root.join("target/wasm/web-example-test");
    let mut build = Command::new("bash");
    build
        .current_dir(&root)
        .args(["scripts/web-example", "--build-only"])
        .env("WEB_EXAMPLE_PROFILE", "dev")
        .env("WEB_EXAMPLE_OUT", &out)
        .env("CARGO_TARGET_DIR", root.join("target/wasm"));
    output_within(build, BROWSER_STEP_LIMIT, "the example build");

    let ws_port = free_port();
    let server = NatsServer::builder()
        .config(&format!(
            "websocket {{ host: 127.0.0.1, port: {ws_port}, no_tls: true }}"
        ))
        .start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let client = runtime.block_on(async {
        let client = natbus_tokio::connect_with(native_options(&server.url()))
            .await
            .expect("the native client connects");
        let js = client.jetstream();
        js.ensure_stream(natbus::jetstream::StreamConfig::new("CHAT").subjects(["chat.>"]))
            .await
            .expect("the chat stream");
        // Written before the page opens: the page reads the stream from its start.
        js.publish("chat.room", "hello from native natbus")
            .await
            .expect("stored");
        client
    });
    // Written while the page is open: once its consumer exists, a live message.
    let live = {
        let client = client.clone();
        runtime.spawn(async move {
            let js = client.jetstream();
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let info = js.stream_info("CHAT").await.expect("stream info");
                if info.state.consumer_count > 0 {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the page never opened a consumer"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            client
                .publish("chat.room", "live from native natbus")
                .await
                .expect("published");
            client.flush().await.expect("flushed");
        })
    };

    let http_port = serve_dir(out);
    let url = format!("http://127.0.0.1:{http_port}/?server=ws://127.0.0.1:{ws_port}");
    let mut browser = webdriver::Browser::start();
    browser.open(&url);
    browser.wait_for_text(Duration::from_secs(120), "the stored message", |text| {
        text.contains("connected to ws://") && text.contains("hello from native natbus")
    });
    runtime
        .block_on(live)
        .expect("the live message was published");
    browser.wait_for_text(Duration::from_secs(60), "the live message", |text| {
        text.contains("live from native natbus")
    });
    drop(browser);

    let screenshot = root.join("target/web-example.png");
    let _ = std::fs::remove_file(&screenshot);
    let shot_arg = format!("--screenshot={}", screenshot.display());
    output_within(
        chromium(&url, &[shot_arg.as_str()]),
        Duration::from_secs(120),
        "chromium --screenshot",
    );
    let png = std::fs::read(&screenshot).expect("chromium wrote the screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 1000,
        "not a PNG: {} bytes",
        png.len()
    );
    println!("screenshot: {}", screenshot.display());
    runtime.block_on(client.close());
}
