//! Writing from the caller's task: the fast path that skips the hop to the driver.
//!
//! Normally a handle queues bytes and wakes the driver task, which writes them. On a
//! multi-thread runtime that wake-up is a thread hop on every request's latency path. When
//! the wire is idle (the driver holds nothing unwritten) the handle can instead write the
//! queued bytes itself, through the runtime's [`DirectWrite`], under the connection lock,
//! so nothing can overtake them.
//!
//! A direct write costs the caller one system call, which a tight publish loop must not
//! pay per message: the driver coalesces those into large writes. So a direct write needs
//! a credit, and a credit is renewed only when the driver reads from the socket: a
//! request/reply exchange (read, then answer) gets one direct write per exchange, while a
//! publisher that receives nothing gets one and then batches through the driver as before.

use std::io::{self, IoSlice};

use bytes::{Buf, Bytes};
use natbus_proto::connection::Connection;

use crate::runtime::DirectWrite;

/// Chunks handed to one direct write (the rest go to the driver).
const MAX_IOVECS: usize = 16;

/// The direct write path of one connection; lives behind the connection lock.
#[derive(Default)]
pub(crate) struct DirectPath {
    writer: Option<Box<dyn DirectWrite>>,
    /// One direct write is allowed; renewed by each read of the socket.
    credit: bool,
    /// The driver holds bytes it has not finished writing: the wire is busy.
    driver_busy: bool,
    /// Bytes a direct write could not place, for the driver to write before anything else.
    handoff: Vec<Bytes>,
    /// Reused buffer for the chunks of one direct write.
    scratch: Vec<Bytes>,
    /// Direct writes made (for statistics).
    writes: u64,
}

impl std::fmt::Debug for DirectPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectPath")
            .field("attached", &self.writer.is_some())
            .field("credit", &self.credit)
            .field("driver_busy", &self.driver_busy)
            .field("handoff", &self.handoff.len())
            .finish()
    }
}

/// What a direct write attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Not attempted: the driver writes, as usual.
    Declined,
    /// Everything queued was written.
    Written,
    /// Bytes were taken from the connection but some are left for the driver.
    Partial,
}

impl DirectPath {
    /// A freshly dialled socket's writer (or none, e.g. for TLS).
    pub(crate) fn attach(&mut self, writer: Option<Box<dyn DirectWrite>>) {
        self.detach();
        self.writer = writer;
        self.credit = self.writer.is_some();
    }

    /// The socket is gone or replaced (TLS): drop the writer and anything it left over.
    pub(crate) fn detach(&mut self) {
        self.writer = None;
        self.credit = false;
        self.driver_busy = false;
        self.handoff.clear();
    }

    /// The driver read `messages` messages in one read. A read of at most one message
    /// looks like an exchange (a request, a reply, a PONG) whose answer is the next write:
    /// that answer may go direct. A read of many is a stream, whose answers the driver
    /// coalesces better than one system call each.
    pub(crate) fn after_read(&mut self, messages: u64) {
        if messages <= 1 {
            self.credit = self.writer.is_some();
        }
    }

    /// Direct writes made so far.
    pub(crate) fn writes(&self) -> u64 {
        self.writes
    }

    /// The driver tells whether it holds unwritten bytes.
    pub(crate) fn set_driver_busy(&mut self, busy: bool) {
        self.driver_busy = busy;
    }

    /// Moves what a direct write left over to the driver's write queue.
    pub(crate) fn take_handoff(&mut self, into: &mut impl Extend<Bytes>) -> bool {
        let any = !self.handoff.is_empty();
        into.extend(self.handoff.drain(..));
        any
    }

    /// Writes what `conn` has queued straight to the socket, if the wire is idle and a
    /// credit is left.
    pub(crate) fn write(&mut self, conn: &mut Connection) -> Outcome {
        let Some(writer) = self.writer.as_deref() else {
            return Outcome::Declined;
        };
        if !self.credit || self.driver_busy || !self.handoff.is_empty() || !conn.is_connected() {
            return Outcome::Declined;
        }
        self.credit = false;
        if conn.poll_transmit(&mut self.scratch) == 0 {
            return Outcome::Written;
        }
        self.writes += 1;
        let written = write_chunks(writer, &self.scratch);
        let mut left = written;
        for mut chunk in self.scratch.drain(..) {
            if left >= chunk.len() {
                left -= chunk.len();
                conn.recycle(chunk);
                continue;
            }
            chunk.advance(left);
            left = 0;
            self.handoff.push(chunk);
        }
        if self.handoff.is_empty() {
            Outcome::Written
        } else {
            Outcome::Partial
        }
    }
}

/// One vectored write of up to [`MAX_IOVECS`] chunks; a failure counts as nothing
/// written, and the driver meets the same error on its own write and handles it.
fn write_chunks(writer: &dyn DirectWrite, chunks: &[Bytes]) -> usize {
    let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
    let mut count = 0;
    for (slot, chunk) in slices.iter_mut().zip(chunks) {
        *slot = IoSlice::new(chunk);
        count += 1;
    }
    match writer.try_write_vectored(&slices[..count]) {
        Ok(n) => n,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
        Err(e) => {
            tracing::debug!(%e, "direct write failed; the driver takes over");
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use natbus_proto::time::Instant;
    use std::sync::{Arc, Mutex};

    use natbus_proto::connection::ConnectionConfig;

    use super::*;

    /// A socket stand-in that takes at most `accept` bytes per write and records them.
    #[derive(Clone)]
    struct Recorder {
        accept: usize,
        wire: Arc<Mutex<Vec<u8>>>,
    }

    impl DirectWrite for Recorder {
        fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            if self.accept == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let mut wire = self.wire.lock().expect("test lock");
            let mut taken = 0;
            for buf in bufs {
                let n = buf.len().min(self.accept - taken);
                wire.extend_from_slice(&buf[..n]);
                taken += n;
            }
            Ok(taken)
        }
    }

    fn recorder(accept: usize) -> Recorder {
        Recorder {
            accept,
            wire: Arc::default(),
        }
    }

    /// A connection that finished its handshake, with nothing queued.
    fn connected() -> Connection {
        let now = Instant::now();
        let mut config = ConnectionConfig::default();
        config.servers = vec!["nats://127.0.0.1:4222".parse().expect("url")];
        let mut conn = Connection::new(config, 1, now).expect("a server");
        while conn.poll_action().is_some() {}
        conn.handle_connected(now);
        conn.handle_read(
            b"INFO {\"server_id\":\"S\",\"headers\":true,\"max_payload\":1024}\r\n",
            now,
        );
        conn.poll_transmit(&mut Vec::new());
        conn.handle_read(b"PONG\r\n", now);
        conn.poll_transmit(&mut Vec::new());
        assert!(conn.is_connected());
        conn
    }

    fn publish(conn: &mut Connection, payload: &'static str) {
        conn.publish("a.b", None, None, Bytes::from_static(payload.as_bytes()))
            .expect("publish");
    }

    #[test]
    fn writes_once_per_credit_and_reads_of_one_message_renew_it() {
        let wire = recorder(usize::MAX);
        let mut direct = DirectPath::default();
        direct.attach(Some(Box::new(wire.clone())));
        let mut conn = connected();
        publish(&mut conn, "one");
        assert_eq!(direct.write(&mut conn), Outcome::Written);
        assert_eq!(&*wire.wire.lock().expect("lock"), b"PUB a.b 3\r\none\r\n");
        assert_eq!(conn.pending_bytes(), 0);
        publish(&mut conn, "two");
        assert_eq!(direct.write(&mut conn), Outcome::Declined, "credit spent");
        direct.after_read(5);
        assert_eq!(direct.write(&mut conn), Outcome::Declined, "a bulk read");
        direct.after_read(1);
        assert_eq!(direct.write(&mut conn), Outcome::Written);
        assert_eq!(direct.writes(), 2);
        assert_eq!(
            &*wire.wire.lock().expect("lock"),
            b"PUB a.b 3\r\none\r\nPUB a.b 3\r\ntwo\r\n"
        );
    }

    #[test]
    fn declines_while_the_driver_writes_or_without_a_writer() {
        let mut conn = connected();
        publish(&mut conn, "x");
        let mut direct = DirectPath::default();
        assert_eq!(direct.write(&mut conn), Outcome::Declined, "no writer");
        direct.attach(Some(Box::new(recorder(usize::MAX))));
        direct.set_driver_busy(true);
        assert_eq!(direct.write(&mut conn), Outcome::Declined, "driver busy");
        direct.set_driver_busy(false);
        direct.detach();
        direct.after_read(1);
        assert_eq!(direct.write(&mut conn), Outcome::Declined, "detached");
        assert_eq!(conn.pending_bytes(), "PUB a.b 1\r\nx\r\n".len());
    }

    #[test]
    fn a_partial_write_hands_the_rest_to_the_driver_in_order() {
        let wire = recorder(7);
        let mut direct = DirectPath::default();
        direct.attach(Some(Box::new(wire.clone())));
        let mut conn = connected();
        publish(&mut conn, "hello");
        publish(&mut conn, "world");
        assert_eq!(direct.write(&mut conn), Outcome::Partial);
        direct.after_read(1);
        publish(&mut conn, "later");
        assert_eq!(
            direct.write(&mut conn),
            Outcome::Declined,
            "handoff pending"
        );
        let mut driver = Vec::new();
        assert!(direct.take_handoff(&mut driver));
        conn.poll_transmit(&mut driver);
        let mut all = wire.wire.lock().expect("lock").clone();
        assert_eq!(all.len(), 7);
        all.extend(driver.concat());
        assert_eq!(
            all,
            b"PUB a.b 5\r\nhello\r\nPUB a.b 5\r\nworld\r\nPUB a.b 5\r\nlater\r\n"
        );
    }

    #[test]
    fn a_full_socket_leaves_everything_to_the_driver() {
        let mut direct = DirectPath::default();
        direct.attach(Some(Box::new(recorder(0))));
        let mut conn = connected();
        publish(&mut conn, "x");
        assert_eq!(direct.write(&mut conn), Outcome::Partial);
        let mut driver = Vec::new();
        assert!(direct.take_handoff(&mut driver));
        assert_eq!(driver.concat(), b"PUB a.b 1\r\nx\r\n");
    }
}
