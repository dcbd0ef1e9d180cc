//! Learning a server's ports and telling when it is ready for clients.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

/// The ports a server listens on, all on 127.0.0.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ports {
    /// The client (NATS protocol) port.
    pub(crate) client: u16,
    /// The HTTP monitoring port.
    pub(crate) monitor: u16,
    /// The WebSocket port, when the server has a `websocket { }` block.
    pub(crate) websocket: Option<u16>,
}

/// Reads the ports file (`<exe>_<pid>.ports`) that the server process `pid` writes into
/// `dir` once its listeners are bound. `None` until the file exists and is complete.
///
/// Starting with port `-1` and reading this file is how the harness gets a free port
/// without a race: the kernel picks it, and no other process can be handed it meanwhile.
/// Matching the pid also proves that *this* process bound the port, not some other server
/// that took it while ours was stopped.
pub(crate) fn read_ports_file(dir: &Path, pid: u32) -> Option<Ports> {
    let suffix = format!("_{pid}.ports");
    let entries = std::fs::read_dir(dir).ok()?;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().ends_with(&suffix) {
            let text = std::fs::read_to_string(entry.path()).ok()?;
            return parse_ports(&text);
        }
    }
    None
}

/// Parses `{"nats":["nats://127.0.0.1:4222"],"monitoring":["http://127.0.0.1:8222"]}`,
/// with `"websocket":["ws://127.0.0.1:8080"]` when there is a WebSocket listener.
fn parse_ports(text: &str) -> Option<Ports> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let port_of = |key: &str| -> Option<u16> {
        let url = json.get(key)?.get(0)?.as_str()?;
        url.rsplit_once(':')?.1.parse().ok()
    };
    Some(Ports {
        client: port_of("nats")?,
        monitor: port_of("monitoring")?,
        websocket: port_of("websocket"),
    })
}

/// Whether a NATS server on 127.0.0.1:`port` accepts a connection and sends `INFO {` as its
/// first line: the moment a client can use it.
pub(crate) fn answers_info(port: u16) -> bool {
    first_line(port).is_some_and(|line| line.starts_with("INFO {"))
}

/// Whether 127.0.0.1:`port` accepts a TCP connection, for servers that stay silent until the
/// client starts TLS.
pub(crate) fn accepts(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

/// Whether the server on `ports` counts no client connections, i.e. it has noticed that the
/// readiness probe closed. Without this wait, a test that asks the server about its
/// connections right after start can still see the probe.
pub(crate) fn has_no_clients(ports: Ports) -> bool {
    // Both views must agree: `/varz` and `/connz` are updated at slightly different moments
    // while a connection closes, and tests read either.
    let zero = |path: &str, field: &str| {
        crate::monitor::get_json(ports.monitor, path)
            .is_ok_and(|v| v.get(field).and_then(|n| n.as_u64()) == Some(0))
    };
    zero("/varz", "connections") && zero("/connz", "num_connections")
}

/// The first line the server on `port` sends, if it sends one within a second.
fn first_line(port: u16) -> Option<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).ok()?;
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_ports_file_format() {
        let text = r#"{"nats":["nats://127.0.0.1:42301"],"monitoring":["http://127.0.0.1:37919"]}"#;
        assert_eq!(
            parse_ports(text),
            Some(Ports {
                client: 42301,
                monitor: 37919,
                websocket: None,
            })
        );
        let text = r#"{"nats":["nats://127.0.0.1:1"],"monitoring":["http://127.0.0.1:2"],"websocket":["ws://127.0.0.1:3"]}"#;
        assert_eq!(parse_ports(text).and_then(|p| p.websocket), Some(3));
    }

    #[test]
    fn incomplete_ports_file_is_not_ready() {
        assert_eq!(parse_ports(r#"{"nats":["nats://127.0.0.1:4"#), None);
        assert_eq!(parse_ports(r#"{"nats":["nats://127.0.0.1:4222"]}"#), None);
        assert_eq!(parse_ports(""), None);
    }

    #[test]
    fn a_closed_port_does_not_answer() {
        // Bind then drop to find a port that is (almost certainly) closed right now.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("loopback bind works");
        let port = listener
            .local_addr()
            .expect("bound socket has an address")
            .port();
        drop(listener);
        assert!(!answers_info(port));
    }

    #[test]
    fn a_non_nats_listener_is_not_ready() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("loopback bind works");
        let port = listener
            .local_addr()
            .expect("bound socket has an address")
            .port();
        let server = std::thread::spawn(move || {
            use std::io::Write;
            let (mut conn, _) = listener.accept().expect("the probe connects");
            conn.write_all(b"HTTP/1.1 400 Bad Request\r\n")
                .expect("write to loopback");
        });
        assert!(!answers_info(port));
        server.join().expect("server thread does not panic");
    }
}
