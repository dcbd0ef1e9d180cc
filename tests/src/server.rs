//! A running nats-server process, owned by one test.

use crate::auth::Auth;
use crate::builder::ServerBuilder;
use crate::monitor;
use crate::ready::{self, Ports};
use crate::temp_dir::TempDir;
use crate::websocket::WebSocketListener;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to become ready before the test fails.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// How often readiness is polled.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// A nats-server process on 127.0.0.1, killed (and its temp dir removed) on drop.
///
/// Dropping also happens while a panicking test unwinds, so a failed test leaves no server
/// behind. Only a test process that is killed outright (SIGKILL, abort) can leak one.
#[derive(Debug)]
pub struct NatsServer {
    bin: PathBuf,
    args: Vec<String>,
    auth: Auth,
    silent_until_tls: bool,
    /// The config without the WebSocket block, which is added with its port at each start.
    config: String,
    websocket: Option<WebSocketListener>,
    config_path: PathBuf,
    log_path: PathBuf,
    ports_dir: PathBuf,
    store_dir: Option<PathBuf>,
    ports: Ports,
    child: Option<Child>,
    /// Held for its `Drop`, which removes the config, store and log. Declared last, so it
    /// is dropped after `Drop::drop` has killed the process that writes there.
    _dir: TempDir,
}

/// Why a spawned server did not become ready.
enum NotReady {
    Exited(ExitStatus),
    TimedOut,
}

impl NatsServer {
    /// Starts a server with the defaults: JetStream on, no auth.
    ///
    /// # Panics
    ///
    /// See [`ServerBuilder::start`].
    pub fn start() -> NatsServer {
        Self::builder().start()
    }

    /// A builder for a server with non-default settings.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// Writes the config into a fresh temp dir, spawns the server on kernel-chosen ports and
    /// waits until it is ready.
    pub(crate) fn launch(builder: ServerBuilder) -> NatsServer {
        let bin = crate::nats_server_bin();
        let dir = TempDir::new("natbus-nats-server")
            .unwrap_or_else(|e| panic!("cannot create a temp dir for nats-server: {e}"));
        let store_dir = builder.jetstream.then(|| dir.path().join("jetstream"));
        let config_path = dir.path().join("nats-server.conf");
        let ports_dir = dir.path().join("ports");
        for d in store_dir.iter().chain([&ports_dir]) {
            std::fs::create_dir_all(d)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", d.display()));
        }
        let config = builder.render_config(store_dir.as_deref());
        let on_port_taken = builder.on_port_taken;
        let mut server = NatsServer {
            bin,
            args: builder.args,
            auth: builder.auth,
            silent_until_tls: builder.silent_until_tls,
            config,
            websocket: builder.websocket,
            log_path: dir.path().join("nats-server.log"),
            config_path,
            ports_dir,
            store_dir,
            ports: Ports {
                client: 0,
                monitor: 0,
                websocket: None,
            },
            child: None,
            _dir: dir,
        };
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let mut child = server.spawn(None);
            match server.wait_ready(&mut child, deadline, true) {
                Ok(ports) => {
                    server.ports = ports;
                    server.child = Some(child);
                    return server;
                }
                // A port fixed in the config (a cluster's route port, picked free a moment
                // ago) can be briefly taken, e.g. as another connection's source port:
                // try again while there is time.
                Err(NotReady::Exited(_))
                    if Instant::now() < deadline
                        && server.log().contains("address already in use") =>
                {
                    if let Some(hook) = &on_port_taken {
                        hook.call();
                    }
                    // Retry pacing: whoever holds the port gives no signal when it lets go.
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(reason) => server.fail(child, &reason),
            }
        }
    }

    /// The client URL, `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.ports.client)
    }

    /// The client port on 127.0.0.1; the same across [`restart`](Self::restart).
    pub fn port(&self) -> u16 {
        self.ports.client
    }

    /// The client URL with the configured credentials: `nats://user:pass@127.0.0.1:<port>`
    /// or `nats://token@127.0.0.1:<port>` (percent-encoded), or just [`url`](Self::url).
    pub fn client_url_with_credentials(&self) -> String {
        let userinfo = self.auth.url_userinfo();
        format!("nats://{userinfo}127.0.0.1:{}", self.ports.client)
    }

    /// The WebSocket URL, `ws://127.0.0.1:<port>` (or `wss://` with TLS), the same across
    /// [`restart`](Self::restart).
    ///
    /// # Panics
    ///
    /// When the server was built without [`websocket`](crate::ServerBuilder::websocket) or
    /// [`websocket_tls`](crate::ServerBuilder::websocket_tls).
    pub fn websocket_url(&self) -> String {
        let (Some(listener), Some(port)) = (&self.websocket, self.ports.websocket) else {
            panic!("this test server has no WebSocket listener: build it with .websocket()");
        };
        format!("{}://127.0.0.1:{port}", listener.scheme())
    }

    /// [`websocket_url`](Self::websocket_url) with the configured credentials, as
    /// [`client_url_with_credentials`](Self::client_url_with_credentials) writes them.
    pub fn websocket_url_with_credentials(&self) -> String {
        let url = self.websocket_url();
        let (scheme, rest) = url.split_once("://").unwrap_or(("ws", &url));
        format!("{scheme}://{}{rest}", self.auth.url_userinfo())
    }

    /// The JetStream store directory, or `None` when JetStream is off.
    pub fn store_dir(&self) -> Option<&Path> {
        self.store_dir.as_deref()
    }

    /// The server's log (stdout and stderr of every run so far).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Kills the server and waits for it to exit. Does nothing if it is not running.
    ///
    /// The port and store dir are kept for [`restart`](Self::restart). New servers get
    /// kernel-chosen ports, which makes it very unlikely that one takes this port meanwhile.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Errors mean the process already exited; either way it is gone after wait.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server if it runs, then starts it again on the same port with the same
    /// config and store dir, and waits until it is ready.
    ///
    /// # Panics
    ///
    /// When it is not ready within 10 seconds (retrying meanwhile, in case another process
    /// briefly holds the port); the message holds the server's log.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let mut child = self.spawn(Some(self.ports));
            match self.wait_ready(&mut child, deadline, false) {
                Ok(_) => {
                    self.child = Some(child);
                    return;
                }
                Err(NotReady::Exited(_)) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(reason) => self.fail(child, &reason),
            }
        }
    }

    /// Whether the server process is still alive (it exits on its own after lame duck mode).
    pub fn is_running(&mut self) -> bool {
        let Some(child) = &mut self.child else {
            return false;
        };
        match child.try_wait() {
            Ok(None) => true,
            Ok(Some(_)) | Err(_) => {
                self.child = None;
                false
            }
        }
    }

    /// The server's process id, or `None` when it is stopped.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Freezes the server (SIGSTOP) until the returned guard is dropped (SIGCONT): its
    /// sockets stay open but it reads, writes and answers nothing, like a stalled host.
    ///
    /// # Panics
    ///
    /// When the server is not running or `kill` fails.
    pub fn pause(&self) -> Paused<'_> {
        if let Err(e) = self.send_signal("-STOP") {
            panic!("pause: {e}");
        }
        Paused { server: self }
    }

    fn send_signal(&self, sig: &str) -> Result<(), String> {
        let pid = self.pid().ok_or("the server is not running")?;
        let status = Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .map_err(|e| format!("cannot run kill: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("kill {sig} {pid} failed"))
        }
    }

    /// Puts the server into lame duck mode (`nats-server --signal ldm=<pid>`): it closes its
    /// listener, tells clients with an `INFO` carrying `"ldm":true`, and after its grace
    /// period closes them and exits.
    ///
    /// # Panics
    ///
    /// When the server is not running or the signal cannot be sent.
    pub fn lame_duck(&mut self) {
        assert!(self.is_running(), "lame_duck: the server is not running");
        let pid = self.pid().unwrap_or_default();
        let output = Command::new(&self.bin)
            .arg("--signal")
            .arg(format!("ldm={pid}"))
            .output()
            .unwrap_or_else(|e| panic!("cannot run {} --signal: {e}", self.bin.display()));
        assert!(
            output.status.success(),
            "nats-server --signal ldm={pid} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// GETs a monitoring endpoint (e.g. `/varz`, `/subsz`, `/jsz`) and returns its JSON.
    ///
    /// # Panics
    ///
    /// When the server does not answer with `200` and JSON.
    pub fn monitor(&self, path: &str) -> serde_json::Value {
        monitor::get_json(self.ports.monitor, path).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Whether the server's `/healthz` endpoint answers 200: it is running and, with
    /// JetStream in a cluster, current with the meta group.
    pub fn is_healthy(&self) -> bool {
        monitor::get_json(self.ports.monitor, "/healthz").is_ok()
    }

    /// The server's view of its client connections, with their subscriptions
    /// (`/connz?subs=1`): e.g. `connz()["num_connections"]`,
    /// `connz()["connections"][0]["subscriptions_list"]`.
    ///
    /// # Panics
    ///
    /// As [`monitor`](Self::monitor).
    pub fn connz(&self) -> serde_json::Value {
        self.monitor("/connz?subs=1")
    }

    /// Writes the config and spawns the process on `ports`, or on kernel-chosen ports (`-1`)
    /// when `None`.
    fn spawn(&self, ports: Option<Ports>) -> Child {
        // A stale ports file from a killed run must not pass for the new one.
        if let Ok(entries) = std::fs::read_dir(&self.ports_dir) {
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let port_arg = |p: Option<u16>| p.map_or_else(|| "-1".to_owned(), |p| p.to_string());
        let mut config = self.config.clone();
        if let Some(listener) = &self.websocket {
            config.push_str(&listener.config_block(ports.and_then(|p| p.websocket)));
        }
        std::fs::write(&self.config_path, config)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", self.config_path.display()));
        let log = self.open_log();
        let log_too = log
            .try_clone()
            .unwrap_or_else(|e| panic!("cannot share {}: {e}", self.log_path.display()));
        Command::new(&self.bin)
            .arg("-c")
            .arg(&self.config_path)
            .args(["-a", "127.0.0.1", "-p"])
            .arg(port_arg(ports.map(|p| p.client)))
            .arg("-m")
            .arg(port_arg(ports.map(|p| p.monitor)))
            .arg("--ports_file_dir")
            .arg(&self.ports_dir)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_too)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.bin.display()))
    }

    /// Opens the log for appending, so a restart keeps the earlier runs' lines.
    fn open_log(&self) -> File {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", self.log_path.display()))
    }

    /// Polls until `child` has written its ports file, answers with `INFO`, and (when
    /// `expect_idle`) has let go of that probe connection.
    fn wait_ready(
        &self,
        child: &mut Child,
        deadline: Instant,
        expect_idle: bool,
    ) -> Result<Ports, NotReady> {
        let mut answered = None;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(NotReady::Exited(status));
            }
            if answered.is_none() {
                answered = ready::read_ports_file(&self.ports_dir, child.id()).filter(|ports| {
                    if self.websocket.is_some() && ports.websocket.is_none() {
                        false
                    } else if self.silent_until_tls {
                        ready::accepts(ports.client)
                    } else {
                        ready::answers_info(ports.client)
                    }
                });
            }
            // After a restart, reconnecting clients may already be back: only a fresh
            // server is expected to be idle.
            if let Some(ports) = answered
                && (!expect_idle || ready::has_no_clients(ports))
            {
                return Ok(ports);
            }
            if Instant::now() >= deadline {
                return Err(NotReady::TimedOut);
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// Kills `child` and panics with the reason and the server log.
    fn fail(&self, mut child: Child, reason: &NotReady) -> ! {
        let _ = child.kill();
        let _ = child.wait();
        let why = match reason {
            NotReady::Exited(status) => format!("exited during startup ({status})"),
            NotReady::TimedOut => format!("was not ready within {READY_TIMEOUT:?}"),
        };
        panic!(
            "nats-server {why}\n  binary: {}\n  extra args: {:?}\n--- config ---\n{}\n--- server log ---\n{}",
            self.bin.display(),
            self.args,
            std::fs::read_to_string(&self.config_path).unwrap_or_default(),
            self.log()
        )
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A server frozen by [`NatsServer::pause`]; it resumes when this is dropped.
#[must_use = "the server resumes as soon as this guard is dropped"]
pub struct Paused<'a> {
    server: &'a NatsServer,
}

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        // No panic here: this may run while a failed test unwinds.
        if let Err(e) = self.server.send_signal("-CONT") {
            eprintln!("cannot resume the paused server: {e}");
        }
    }
}
