//! A scripted fake NATS server on loopback, for faults a real nats-server cannot be made
//! to produce: a server (or a proxy in front of one) that completes the handshake and then
//! fails every connection at once, or that announces absurd limits.
//!
//! It speaks just enough of the protocol for a client to connect: it sends INFO, answers
//! every `PING` with `PONG`, and ignores everything else the client writes. Right after the
//! PONG that completes a handshake (or a later one) it writes the scripted bytes, then
//! closes the connection or keeps it open, as scripted. Every accepted connection is counted with the instant it
//! was accepted, so a test can check how often a client came back.
//!
//! ```no_run
//! use natbus_tests::FakeServer;
//!
//! // Accepts the handshake, then sends a malformed MSG and hangs up, every time.
//! let server = FakeServer::builder()
//!     .after_handshake(b"MSG a notanumber 1\r\nx\r\n")
//!     .close_after_script(true)
//!     .start();
//! let url = server.url();
//! # let _ = url;
//! ```

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often a connection thread looks at the stop flag while the client is silent.
const POLL: Duration = Duration::from_millis(50);

/// What a [`FakeServer`] does; built with [`FakeServer::builder`].
#[derive(Debug, Clone)]
pub struct FakeServerBuilder {
    max_payload: u64,
    greeting: Option<Vec<u8>>,
    after_handshake: Vec<u8>,
    filler: u64,
    script_after_ping: usize,
    close_after_script: bool,
    version: String,
    jetstream: bool,
}

impl Default for FakeServerBuilder {
    fn default() -> Self {
        FakeServerBuilder {
            max_payload: 1024 * 1024,
            greeting: None,
            after_handshake: Vec::new(),
            filler: 0,
            script_after_ping: 1,
            close_after_script: false,
            version: "2.15.1".to_owned(),
            jetstream: false,
        }
    }
}

impl FakeServerBuilder {
    /// The `max_payload` the INFO announces (default 1 MiB).
    pub fn max_payload(mut self, bytes: u64) -> Self {
        self.max_payload = bytes;
        self
    }

    /// The `version` the INFO announces (default `2.15.1`): an older server, for the
    /// client's feature checks.
    pub fn version(mut self, version: &str) -> Self {
        self.version = version.to_owned();
        self
    }

    /// Whether the INFO announces JetStream (default no; the fake never answers its API).
    pub fn jetstream(mut self, on: bool) -> Self {
        self.jetstream = on;
        self
    }

    /// Bytes sent first instead of INFO: a server that does not speak NATS at all.
    pub fn greeting(mut self, bytes: &[u8]) -> Self {
        self.greeting = Some(bytes.to_vec());
        self
    }

    /// Bytes written right after the PONG that completes each handshake.
    pub fn after_handshake(mut self, bytes: &[u8]) -> Self {
        self.after_handshake = bytes.to_vec();
        self
    }

    /// Write the script after the `n`-th PING of each connection instead of the first (the
    /// handshake's): a test can then set up what it observes with, and trigger the script
    /// with a flush.
    pub fn script_after_ping(mut self, n: usize) -> Self {
        self.script_after_ping = n.max(1);
        self
    }

    /// Bytes of filler (`x`) written after the scripted bytes, as the body of a huge
    /// message would be, without holding them in memory.
    pub fn then_filler(mut self, bytes: u64) -> Self {
        self.filler = bytes;
        self
    }

    /// Close each connection once the scripted bytes are written (default: keep it open,
    /// answering PINGs, until the client closes it).
    pub fn close_after_script(mut self, on: bool) -> Self {
        self.close_after_script = on;
        self
    }

    /// Binds a free loopback port and starts accepting.
    ///
    /// # Panics
    /// When no loopback port can be bound (the test cannot run then).
    pub fn start(self) -> FakeServer {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap_or_else(|e| panic!("fake server: cannot bind a loopback port: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("fake server: no local address: {e}"))
            .port();
        let state = Arc::new(State {
            script: self,
            stop: AtomicBool::new(false),
            accepted: Mutex::new(Vec::new()),
            written: AtomicU64::new(0),
            threads: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let state = state.clone();
            std::thread::spawn(move || accept_loop(&listener, &state))
        };
        FakeServer {
            port,
            state,
            acceptor: Some(acceptor),
        }
    }
}

/// What the accept loop and the connection threads share with the test.
#[derive(Debug)]
struct State {
    script: FakeServerBuilder,
    stop: AtomicBool,
    /// When each connection was accepted, in order.
    accepted: Mutex<Vec<Instant>>,
    /// Scripted bytes the clients accepted, over all connections.
    written: AtomicU64,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

/// A fake NATS server on 127.0.0.1; it stops (and its threads end) when dropped.
#[derive(Debug)]
pub struct FakeServer {
    port: u16,
    state: Arc<State>,
    acceptor: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// A builder; the default server only handshakes and answers PINGs.
    pub fn builder() -> FakeServerBuilder {
        FakeServerBuilder::default()
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The instants at which connections were accepted so far, in order.
    pub fn accepted(&self) -> Vec<Instant> {
        lock(&self.state.accepted).clone()
    }

    /// Bytes of the script the clients' sockets accepted so far, over all connections.
    pub fn script_bytes_written(&self) -> u64 {
        self.state.written.load(Ordering::Relaxed)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::Relaxed);
        // Wakes the blocking accept so it sees the stop flag.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let threads = std::mem::take(&mut *lock(&self.state.threads));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn accept_loop(listener: &TcpListener, state: &Arc<State>) {
    for stream in listener.incoming() {
        if state.stop.load(Ordering::Relaxed) {
            return;
        }
        let Ok(stream) = stream else { continue };
        lock(&state.accepted).push(Instant::now());
        let conn_state = state.clone();
        let thread = std::thread::spawn(move || {
            // A client that hangs up mid-way is an ordinary end of a connection here.
            let _ = serve(stream, &conn_state);
        });
        let mut threads = lock(&state.threads);
        threads.retain(|t| !t.is_finished());
        threads.push(thread);
    }
}

/// Plays one connection: INFO, PONG for every PING, the script after the first PONG.
fn serve(stream: TcpStream, state: &State) -> std::io::Result<()> {
    stream.set_read_timeout(Some(POLL))?;
    // A client that stops reading must not keep this thread (and the test's drop) waiting.
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    let mut writer = stream.try_clone()?;
    let info = format!(
        "INFO {{\"server_id\":\"FAKE\",\"server_name\":\"fake\",\"version\":{:?},\
         \"proto\":1,\"headers\":true,\"jetstream\":{},\"max_payload\":{}}}\r\n",
        state.script.version, state.script.jetstream, state.script.max_payload
    );
    match &state.script.greeting {
        Some(greeting) => writer.write_all(greeting)?,
        None => writer.write_all(info.as_bytes())?,
    }
    let mut reader = BufReader::new(stream);
    let mut pings = 0;
    let mut line = Vec::new();
    while !state.stop.load(Ordering::Relaxed) {
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return Ok(()),
            Ok(_) if !line.ends_with(b"\n") => continue,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                continue;
            }
            Err(e) => return Err(e),
        }
        let is_ping = line.trim_ascii().eq_ignore_ascii_case(b"PING");
        line.clear();
        if !is_ping {
            continue;
        }
        writer.write_all(b"PONG\r\n")?;
        pings += 1;
        if pings != state.script.script_after_ping {
            continue;
        }
        write_script(&mut writer, state)?;
        if state.script.close_after_script {
            return writer.shutdown(Shutdown::Both);
        }
    }
    Ok(())
}

/// Writes the script and the filler in pieces, counting what the client's socket accepted.
fn write_script(writer: &mut TcpStream, state: &State) -> std::io::Result<()> {
    const PIECE: usize = 64 * 1024;
    let mut send = |piece: &[u8]| -> std::io::Result<bool> {
        if state.stop.load(Ordering::Relaxed) {
            return Ok(false);
        }
        writer.write_all(piece)?;
        state
            .written
            .fetch_add(piece.len() as u64, Ordering::Relaxed);
        Ok(true)
    };
    for piece in state.script.after_handshake.chunks(PIECE) {
        if !send(piece)? {
            return Ok(());
        }
    }
    let filler = [b'x'; PIECE];
    let mut left = state.script.filler;
    while left > 0 {
        let n = usize::try_from(left).map_or(PIECE, |l| l.min(PIECE));
        if !send(&filler[..n])? {
            return Ok(());
        }
        left -= n as u64;
    }
    Ok(())
}
