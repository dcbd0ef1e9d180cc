//! Tests of the harness itself, against the real nats-server, using only raw TCP.

use natbus_tests::NatsServer;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

/// A raw protocol connection: the reader and a writer on the same socket.
struct Raw {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Raw {
    /// Connects and returns the connection with the server's first line (its INFO).
    fn connect(port: u16) -> (Raw, String) {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("server accepts");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("set timeout");
        let writer = stream.try_clone().expect("clone socket");
        let mut raw = Raw {
            reader: BufReader::new(stream),
            writer,
        };
        let info = raw.line();
        (raw, info)
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).expect("write");
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read a line");
        line
    }

    /// Reads lines until one is not a PING (answering those) and returns it.
    fn reply(&mut self) -> String {
        loop {
            let line = self.line();
            if line != "PING\r\n" {
                return line;
            }
            self.send("PONG\r\n");
        }
    }

    /// Reads one `MSG <subject> <sid> <len>` and returns its payload.
    fn msg_payload(&mut self) -> String {
        let head = self.reply();
        assert!(head.starts_with("MSG "), "expected MSG, got {head:?}");
        let len: usize = head
            .split_whitespace()
            .last()
            .and_then(|n| n.parse().ok())
            .expect("MSG ends with a length");
        let mut payload = vec![0; len + 2];
        self.reader.read_exact(&mut payload).expect("read payload");
        String::from_utf8_lossy(&payload[..len]).into_owned()
    }

    /// Sends a request on `subject` and returns the reply's payload.
    fn request(&mut self, subject: &str, body: &str) -> String {
        self.send(&format!(
            "SUB _INBOX.harness 1\r\nPUB {subject} _INBOX.harness {}\r\n{body}\r\n",
            body.len()
        ));
        self.msg_payload()
    }
}

fn first_line(port: u16) -> String {
    Raw::connect(port).1
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn started_server_answers_info() {
    let server = NatsServer::start();
    let info = first_line(server.port());
    assert!(info.starts_with("INFO {"), "{info}");
    assert!(
        info.contains(&format!("\"port\":{}", server.port())),
        "{info}"
    );
    assert!(info.contains("\"jetstream\":true"), "{info}");
    assert_eq!(server.url(), format!("nats://127.0.0.1:{}", server.port()));
    assert_eq!(server.client_url_with_credentials(), server.url());
}

#[test]
fn stop_refuses_connections_and_restart_returns_on_the_same_port() {
    let mut server = NatsServer::start();
    let port = server.port();
    let first_pid = server.pid().expect("running server has a pid");
    assert!(server.is_running());

    server.stop();
    assert!(!server.is_running());
    assert_eq!(server.pid(), None);
    assert!(!process_exists(first_pid), "pid {first_pid} survived stop");
    let err = TcpStream::connect(("127.0.0.1", port)).expect_err("stopped server refuses");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);

    server.restart();
    assert_eq!(server.port(), port);
    assert!(server.is_running());
    assert_ne!(server.pid(), Some(first_pid));
    assert!(first_line(port).starts_with("INFO {"));

    // Restarting a running server replaces the process.
    let second_pid = server.pid();
    server.restart();
    assert_ne!(server.pid(), second_pid);
    assert!(first_line(port).starts_with("INFO {"));
}

#[test]
fn server_is_killed_when_its_owner_panics() {
    let mut pid = None;
    let result = catch_unwind(AssertUnwindSafe(|| {
        let server = NatsServer::start();
        pid = server.pid();
        panic!("test failure while the server runs");
    }));
    assert!(result.is_err());
    let pid = pid.expect("the server started before the panic");
    assert!(
        !process_exists(pid),
        "nats-server pid {pid} outlived the panic"
    );
}

#[test]
fn user_password_rejects_a_wrong_password_and_accepts_the_right_one() {
    let server = NatsServer::builder()
        .user_password("a", "right")
        .jetstream(false)
        .start();
    assert_eq!(
        server.client_url_with_credentials(),
        format!("nats://a:right@127.0.0.1:{}", server.port())
    );

    let (mut wrong, info) = Raw::connect(server.port());
    assert!(info.contains("\"auth_required\":true"), "{info}");
    wrong.send("CONNECT {\"user\":\"a\",\"pass\":\"wrong\",\"verbose\":false}\r\nPING\r\n");
    assert_eq!(wrong.reply(), "-ERR 'Authorization Violation'\r\n");

    let (mut right, _) = Raw::connect(server.port());
    right.send("CONNECT {\"user\":\"a\",\"pass\":\"right\",\"verbose\":false}\r\nPING\r\n");
    assert_eq!(right.reply(), "PONG\r\n");
}

#[test]
fn token_rejects_a_wrong_token_and_accepts_the_right_one() {
    let server = NatsServer::builder()
        .token("s3cret")
        .jetstream(false)
        .start();
    assert_eq!(
        server.client_url_with_credentials(),
        format!("nats://s3cret@127.0.0.1:{}", server.port())
    );

    let (mut wrong, _) = Raw::connect(server.port());
    wrong.send("CONNECT {\"auth_token\":\"nope\",\"verbose\":false}\r\nPING\r\n");
    assert_eq!(wrong.reply(), "-ERR 'Authorization Violation'\r\n");

    let (mut right, _) = Raw::connect(server.port());
    right.send("CONNECT {\"auth_token\":\"s3cret\",\"verbose\":false}\r\nPING\r\n");
    assert_eq!(right.reply(), "PONG\r\n");
}

#[test]
fn parallel_servers_get_different_ports() {
    let servers: Vec<NatsServer> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(NatsServer::start)).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("start does not panic"))
            .collect()
    });
    let mut ports: Vec<u16> = servers.iter().map(NatsServer::port).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), servers.len(), "ports collided: {ports:?}");
    let mut stores: Vec<&Path> = servers.iter().filter_map(NatsServer::store_dir).collect();
    stores.sort_unstable();
    stores.dedup();
    assert_eq!(stores.len(), servers.len(), "store dirs shared: {stores:?}");
    for server in &servers {
        assert!(first_line(server.port()).starts_with("INFO {"));
    }
}

#[test]
fn jetstream_store_is_used_kept_across_restart_and_removed_on_drop() {
    let mut server = NatsServer::start();
    let store = server
        .store_dir()
        .expect("JetStream is on by default")
        .to_path_buf();
    assert!(store.is_dir(), "{}", store.display());

    let (mut raw, _) = Raw::connect(server.port());
    raw.send("CONNECT {\"verbose\":false}\r\n");
    let created = raw.request(
        "$JS.API.STREAM.CREATE.HARNESS",
        r#"{"name":"HARNESS","subjects":["harness.>"],"storage":"file"}"#,
    );
    assert!(created.contains("\"name\":\"HARNESS\""), "{created}");
    assert!(!created.contains("\"error\""), "{created}");
    drop(raw);

    server.restart();
    let (mut raw, _) = Raw::connect(server.port());
    raw.send("CONNECT {\"verbose\":false}\r\n");
    let info = raw.request("$JS.API.STREAM.INFO.HARNESS", "");
    assert!(
        info.contains("\"name\":\"HARNESS\""),
        "stream lost on restart: {info}"
    );
    drop(raw);

    drop(server);
    assert!(!store.exists(), "{} survived drop", store.display());
}

#[test]
fn jetstream_can_be_turned_off() {
    let server = NatsServer::builder().jetstream(false).start();
    assert_eq!(server.store_dir(), None);
    let info = first_line(server.port());
    assert!(!info.contains("\"jetstream\":true"), "{info}");
}

#[test]
fn extra_config_and_args_reach_the_server() {
    let server = NatsServer::builder()
        .jetstream(false)
        .config("max_payload: 2048")
        .arg("--server_name")
        .arg("harness-test")
        .start();
    let info = first_line(server.port());
    assert!(info.contains("\"max_payload\":2048"), "{info}");
    assert!(info.contains("\"server_name\":\"harness-test\""), "{info}");
}

#[test]
fn invalid_config_panics_with_the_server_log() {
    let result = catch_unwind(|| {
        NatsServer::builder()
            .config("this_is_not_an_option: {{{")
            .start()
    });
    let message = panic_message(&*result.expect_err("a broken config cannot start"));
    assert!(message.contains("exited during startup"), "{message}");
    assert!(message.contains("this_is_not_an_option"), "{message}");
}

#[test]
fn connz_shows_connections_and_subscriptions() {
    let server = NatsServer::builder().jetstream(false).start();
    assert_eq!(server.connz()["num_connections"], 0);

    let (mut raw, _) = Raw::connect(server.port());
    raw.send("CONNECT {\"verbose\":false,\"name\":\"raw\"}\r\nSUB harness.watch 7\r\nPING\r\n");
    assert_eq!(raw.reply(), "PONG\r\n");

    let connz = server.connz();
    assert_eq!(connz["num_connections"], 1, "{connz}");
    let conn = &connz["connections"][0];
    assert_eq!(conn["name"], "raw", "{connz}");
    assert_eq!(conn["subscriptions_list"][0], "harness.watch", "{connz}");
    assert!(server.monitor("/varz")["server_id"].is_string());
}

#[test]
fn lame_duck_tells_clients_and_closes_the_listener() {
    let mut server = NatsServer::builder().jetstream(false).start();
    let port = server.port();
    let (mut raw, _) = Raw::connect(port);
    // Protocol 1 asks for asynchronous INFO updates, which carry the lame duck flag.
    raw.send("CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n");
    assert_eq!(raw.reply(), "PONG\r\n");

    server.lame_duck();
    // Other INFO updates (e.g. one acknowledging CONNECT) may come first.
    let mut infos = Vec::new();
    loop {
        let info = raw.reply();
        assert!(info.starts_with("INFO {"), "{info}");
        if info.contains("\"ldm\":true") {
            break;
        }
        infos.push(info);
        assert!(infos.len() < 5, "no lame duck INFO among {infos:?}");
    }

    // The listener closes as lame duck mode begins; allow it a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "listener still open in lame duck mode"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        server.is_running(),
        "the grace period keeps the process alive"
    );
}

#[test]
fn a_config_port_briefly_taken_is_retried() {
    // Another socket holds the route port, as a connection's source port can, until the
    // first attempt has failed on it.
    let holder = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = holder.local_addr().expect("its address").port();
    let mut holder = Some(holder);
    let server = NatsServer::builder()
        .jetstream(false)
        .config(&format!(
            "server_name: solo\ncluster {{\n  name: held\n  listen: \"127.0.0.1:{port}\"\n}}\n"
        ))
        .on_port_taken(move || drop(holder.take()))
        .start();
    assert!(first_line(server.port()).starts_with("INFO "));
    assert!(
        server.log().contains("address already in use"),
        "the first attempt met the taken port"
    );
}

#[test]
fn server_version_is_the_version_the_server_announces() {
    let server = NatsServer::builder().jetstream(false).start();
    let info = first_line(server.port());
    let json = info
        .strip_prefix("INFO ")
        .unwrap_or_else(|| panic!("not an INFO line: {info:?}"));
    let info: serde_json::Value = serde_json::from_str(json.trim()).expect("INFO is JSON");
    let running = natbus_tests::server_version();
    assert_eq!(info["version"], running.to_string());
    assert!(natbus_tests::server_at_least(
        running,
        "server_version_is_the_version_the_server_announces",
        "nothing"
    ));
    let next = natbus_tests::ServerVersion::new(running.major, running.minor + 1, 0);
    assert!(!natbus_tests::server_at_least(
        next,
        "server_version_is_the_version_the_server_announces",
        "a feature of the next release"
    ));
}
