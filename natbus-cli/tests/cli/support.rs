//! Running the binary with a time limit, and waiting until a child has subscribed.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use natbus_tests::NatsServer;

/// Longest any one CLI run may take in these tests.
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// What a finished run printed.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    pub fn ok(self) -> String {
        assert!(self.status.success(), "natbus failed: {self:?}");
        self.stdout
    }

    /// Asserts a failure with exactly one `natbus: error:` line on stderr and returns it.
    pub fn error_line(self) -> String {
        assert!(
            !self.status.success(),
            "natbus should have failed: {self:?}"
        );
        assert_eq!(self.status.code(), Some(1), "{self:?}");
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        let last = lines.last().copied().unwrap_or_default();
        assert!(last.starts_with("natbus: error: "), "{self:?}");
        assert!(!self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"));
        assert_eq!(
            self.stderr.matches("natbus: error:").count(),
            1,
            "one error line: {self:?}"
        );
        last.to_owned()
    }
}

/// The binary, with no NATS_* variables from the environment leaking in, and no `nats`
/// context either: the configuration directory is one that does not exist (tests of
/// contexts set `XDG_CONFIG_HOME` to their own temp dir).
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_natbus"));
    cmd.args(args)
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("natbus-cli-tests-no-config-dir"),
        )
        .env_remove("NATS_CONTEXT")
        .env_remove("NATS_URL")
        .env_remove("NATS_USER")
        .env_remove("NATS_PASSWORD")
        .env_remove("NATS_TOKEN")
        .env_remove("NATS_CREDS")
        .env_remove("NATS_NKEY")
        .env_remove("NATS_CA")
        .env_remove("NATS_CERT")
        .env_remove("NATS_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// `natbus --server <url> <args>` to completion.
pub fn natbus(server: &NatsServer, args: &[&str]) -> Run {
    let url = server.url();
    let mut all = vec!["--server", url.as_str()];
    all.extend_from_slice(args);
    run(command(&all))
}

/// Runs `cmd` to completion within [`RUN_LIMIT`].
pub fn run(mut cmd: Command) -> Run {
    finish(cmd.spawn().expect("the natbus binary runs"))
}

/// Starts `natbus --server <url> <args>` in the background.
pub fn spawn(server: &NatsServer, args: &[&str]) -> Child {
    let url = server.url();
    let mut all = vec!["--server", url.as_str()];
    all.extend_from_slice(args);
    command(&all).spawn().expect("the natbus binary runs")
}

/// Sends `child` SIGINT, as Ctrl-C does, and collects how it ended.
pub fn interrupt(child: Child) -> Run {
    let pid = child.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "SIGINT sent");
    finish(child)
}

/// Waits for `child` to exit (killing it past [`RUN_LIMIT`]) and collects its output.
///
/// Stdout and stderr are read while the child runs: output larger than a pipe buffer
/// (completion scripts are over 100 KB) would otherwise block the child forever.
pub fn finish(mut child: Child) -> Run {
    let stdout = child.stdout.take().map(read_in_background);
    let stderr = child.stderr.take().map(read_in_background);
    let deadline = Instant::now() + RUN_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting on natbus") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("natbus did not exit within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let collect = |reader: Option<JoinHandle<String>>| {
        reader
            .map(|r| r.join().expect("the output reader does not panic"))
            .unwrap_or_default()
    };
    Run {
        status,
        stdout: collect(stdout),
        stderr: collect(stderr),
    }
}

/// Reads a pipe to its end on a thread.
fn read_in_background(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        pipe.read_to_string(&mut text).expect("output is UTF-8");
        text
    })
}

/// Waits until the server counts at least `n` subscriptions over all clients.
pub fn wait_for_subscriptions(server: &NatsServer, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let connz = server.connz();
        let subs: u64 = connz["connections"]
            .as_array()
            .map(|conns| {
                conns
                    .iter()
                    .filter_map(|c| c["subscriptions"].as_u64())
                    .sum()
            })
            .unwrap_or(0);
        if subs >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "only {subs} of {n} subscriptions: {connz}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Parses every stdout line as JSON.
pub fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?} is not JSON: {e}")))
        .collect()
}

/// Parses stdout as one JSON document.
pub fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{stdout:?} is not JSON: {e}"))
}

/// `natbus --server <url> <args>` with `input` on stdin.
pub fn natbus_with_stdin(server: &NatsServer, args: &[&str], input: &[u8]) -> Run {
    use std::io::Write;
    let url = server.url();
    let mut all = vec!["--server", url.as_str()];
    all.extend_from_slice(args);
    let mut cmd = command(&all);
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("the natbus binary runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(input).expect("natbus reads stdin");
    drop(stdin);
    finish(child)
}

/// Sends stdout's lines of a running `child` over a channel, read on a thread.
pub fn stdout_lines(child: &mut Child) -> Receiver<String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// The next line within 10 seconds.
pub fn next_line(lines: &Receiver<String>) -> String {
    lines
        .recv_timeout(Duration::from_secs(10))
        .expect("the command printed a line in time")
}
