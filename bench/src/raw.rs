//! A raw NATS publisher over a blocking socket: pre-encoded PUB frames in large writes.
//!
//! It is the ceiling for `pub` (no client does less work than copying bytes that were
//! encoded beforehand), and the publisher of the memory and allocation children, where it
//! must not allocate per message or be counted against the client under test.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Bytes per write.
const WRITE_SIZE: usize = 64 * 1024;

/// A connected, handshaken raw connection.
pub struct RawConn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl RawConn {
    /// Connects to `nats://host:port`, reads INFO, sends CONNECT and waits for the PONG.
    pub fn connect(url: &str) -> io::Result<RawConn> {
        let addr = url.trim_start_matches("nats://");
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut conn = RawConn {
            reader: BufReader::new(stream.try_clone()?),
            stream,
        };
        let mut line = String::new();
        conn.reader.read_line(&mut line)?;
        if !line.starts_with("INFO ") {
            return Err(io::Error::other(format!("expected INFO, got {line:?}")));
        }
        conn.stream
            .write_all(b"CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1}\r\n")?;
        conn.ping_pong()?;
        Ok(conn)
    }

    /// Sends PING and waits for PONG: the server has processed everything before it.
    pub fn ping_pong(&mut self) -> io::Result<()> {
        self.stream.write_all(b"PING\r\n")?;
        let mut line = String::new();
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(io::Error::other("server closed the raw connection"));
            }
            match line.trim_end() {
                "PONG" => return Ok(()),
                "PING" => self.stream.write_all(b"PONG\r\n")?,
                l if l.starts_with("-ERR") => return Err(io::Error::other(l.to_owned())),
                _ => {}
            }
        }
    }

    /// Publishes `n` messages of `payload_len` bytes to `subject`; with `paced`, never more
    /// than `window` ahead of what the consumer counted. Returns the time until the server
    /// confirmed it processed them all.
    pub fn publish(
        &mut self,
        subject: &str,
        payload_len: usize,
        n: usize,
        paced: Option<(&AtomicUsize, usize)>,
    ) -> io::Result<Duration> {
        let frame = frame(subject, payload_len);
        let per_write = (WRITE_SIZE / frame.len()).clamp(1, n.max(1));
        let chunk = frame.repeat(per_write);
        let start = Instant::now();
        let mut sent = 0;
        while sent < n {
            if let Some((received, window)) = paced {
                wait_for_consumer(received, sent, window)?;
            }
            let count = per_write.min(n - sent);
            self.stream.write_all(&chunk[..count * frame.len()])?;
            sent += count;
        }
        self.ping_pong()?;
        Ok(start.elapsed())
    }
}

/// One encoded `PUB subject len\r\npayload\r\n`.
pub fn frame(subject: &str, payload_len: usize) -> Vec<u8> {
    let mut f = format!("PUB {subject} {payload_len}\r\n").into_bytes();
    f.resize(f.len() + payload_len, b'x');
    f.extend_from_slice(b"\r\n");
    f
}

/// Sleeps briefly while `sent` is more than `window` ahead of `received`, for at most 60 s.
fn wait_for_consumer(received: &AtomicUsize, sent: usize, window: usize) -> io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while sent > received.load(Ordering::Acquire) + window {
        if Instant::now() > deadline {
            return Err(io::Error::other("the consumer stopped receiving"));
        }
        std::thread::sleep(Duration::from_micros(50));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_is_a_complete_pub() {
        assert_eq!(frame("a.b", 3), b"PUB a.b 3\r\nxxx\r\n");
    }
}
