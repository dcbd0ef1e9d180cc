//! The server's task for one client connection: read, handle, write, until the
//! connection ends.

use std::collections::VecDeque;
use std::future::Future;
use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use futures_io::{AsyncRead, AsyncWrite};
use natbus_proto::wire::{ClientDecoder, DecodeLimits, ServerOp};

use super::Server;
use crate::pipe::End;

const READ_BUFFER: usize = 16 * 1024;

pub(crate) struct ServeConn {
    server: Server,
    id: u64,
    end: End,
    decoder: ClientDecoder,
    buf: Box<[u8]>,
    writing: VecDeque<Bytes>,
    /// A protocol error was answered with -ERR: close once it is written.
    closing: bool,
}

impl ServeConn {
    pub(crate) fn new(server: Server, id: u64, end: End) -> Self {
        ServeConn {
            server,
            id,
            end,
            decoder: ClientDecoder::new(DecodeLimits::default()),
            buf: vec![0; READ_BUFFER].into_boxed_slice(),
            writing: VecDeque::new(),
            closing: false,
        }
    }

    /// Reads once and handles every complete operation. `None` when the connection ended.
    fn read(&mut self, cx: &mut Context<'_>) -> Option<bool> {
        if self.closing {
            return Some(false);
        }
        let n = match Pin::new(&mut self.end).poll_read(cx, &mut self.buf) {
            Poll::Pending => return Some(false),
            Poll::Ready(Ok(0) | Err(_)) => return None,
            Poll::Ready(Ok(n)) => n,
        };
        self.decoder.extend(&self.buf[..n]);
        let world = self.server.world().clone();
        let mut s = self.server.lock();
        loop {
            match self.decoder.decode() {
                Ok(Some(op)) => s.handle(&world, self.id, op),
                Ok(None) => break,
                Err(e) => {
                    s.send(
                        &world,
                        self.id,
                        &ServerOp::Err(format!("Parser Error: {e}")),
                    );
                    self.closing = true;
                    break;
                }
            }
        }
        Some(true)
    }

    /// Writes what is queued. `None` when the connection ended.
    fn write(&mut self, cx: &mut Context<'_>) -> Option<bool> {
        let mut progress = false;
        loop {
            if self.writing.is_empty() {
                let mut s = self.server.lock();
                let conn = s.conns.get_mut(&self.id)?;
                if conn.out.is_empty() {
                    return Some(progress);
                }
                self.writing.push_back(conn.out.split().freeze());
            }
            let slices: Vec<IoSlice<'_>> = self.writing.iter().map(|b| IoSlice::new(b)).collect();
            match Pin::new(&mut self.end).poll_write_vectored(cx, &slices) {
                Poll::Pending => return Some(progress),
                Poll::Ready(Ok(0) | Err(_)) => return None,
                Poll::Ready(Ok(mut n)) => {
                    progress = true;
                    while n > 0 {
                        let Some(front) = self.writing.front_mut() else {
                            break;
                        };
                        let take = front.len().min(n);
                        front.advance(take);
                        n -= take;
                        if front.is_empty() {
                            self.writing.pop_front();
                        }
                    }
                }
            }
        }
    }
}

impl Future for ServeConn {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        for _ in 0..16 {
            match this.server.lock().conns.get_mut(&this.id) {
                Some(conn) => conn.waker = Some(cx.waker().clone()),
                // Cut by the server (a restart, a slow consumer).
                None => return Poll::Ready(()),
            }
            let (Some(read), Some(wrote)) = (this.read(cx), this.write(cx)) else {
                this.server
                    .world()
                    .note(format_args!("server: connection {} ended", this.id));
                this.server.lock().remove_conn(this.id);
                return Poll::Ready(());
            };
            if this.closing && this.writing.is_empty() {
                this.server.lock().remove_conn(this.id);
                return Poll::Ready(());
            }
            if !read && !wrote {
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
