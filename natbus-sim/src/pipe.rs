//! In-memory TCP connections: two byte streams with latency, bounded buffers, partial
//! reads and writes, stalls and cuts.
//!
//! A [`Link`] is one connection; each direction is a [`Half`]: the bytes a writer put in,
//! each segment stamped with the virtual time it reaches the reader. The client's end is
//! a `futures-io` socket plus a [`natbus::DirectWrite`], so both of natbus's write paths
//! run; the server model reads and writes the other end the same way.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use futures_io::{AsyncRead, AsyncWrite};

use crate::clock::TimerKey;
use crate::world::World;

/// How a link behaves; drawn per link from the run's network profile.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinkShape {
    /// One-way latency range.
    pub(crate) latency: (Duration, Duration),
    /// Bytes a direction buffers before writes block (socket buffers of both peers).
    pub(crate) capacity: usize,
    /// Writes and reads take a random part of what they are offered.
    pub(crate) split: bool,
}

/// The client's side is 0, the server's side 1: side `s` writes into `halves[s]`.
pub(crate) const CLIENT: usize = 0;
pub(crate) const SERVER: usize = 1;

pub(crate) struct Link {
    /// Numbered in dial order, for the trace.
    pub(crate) id: u64,
    world: Arc<World>,
    state: Mutex<LinkState>,
}

struct LinkState {
    halves: [Half; 2],
    /// Set when the connection was reset: every operation fails with it.
    reset: Option<io::ErrorKind>,
    shape: LinkShape,
}

#[derive(Default)]
struct Half {
    segments: VecDeque<(Duration, Bytes)>,
    queued: usize,
    /// The writer closed: the reader gets end-of-file after the data.
    fin: bool,
    /// The reader is gone: writes fail.
    reader_gone: bool,
    /// Nothing is delivered before this time.
    stalled_until: Duration,
    reader: Option<Waker>,
    writer: Option<Waker>,
    read_timer: Option<TimerKey>,
}

impl Half {
    fn wake_all(&mut self) {
        for w in [self.reader.take(), self.writer.take()]
            .into_iter()
            .flatten()
        {
            w.wake();
        }
    }
}

impl Link {
    pub(crate) fn new(id: u64, world: Arc<World>, shape: LinkShape) -> Arc<Self> {
        Arc::new(Link {
            id,
            world,
            state: Mutex::new(LinkState {
                halves: [Half::default(), Half::default()],
                reset: None,
                shape,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, LinkState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// True until the link is reset or both ends closed.
    pub(crate) fn is_open(&self) -> bool {
        let s = self.lock();
        s.reset.is_none() && !(s.halves[0].fin && s.halves[1].fin)
    }

    /// Resets the connection: buffered bytes are lost and both ends fail from now on.
    pub(crate) fn reset(&self) {
        let mut s = self.lock();
        if s.reset.is_some() {
            return;
        }
        s.reset = Some(io::ErrorKind::ConnectionReset);
        for half in &mut s.halves {
            half.segments.clear();
            half.queued = 0;
            if let Some(key) = half.read_timer.take() {
                self.world.clock.remove_timer(key);
            }
            half.wake_all();
        }
    }

    /// Delivers nothing written by `side` until `until` (virtual time).
    pub(crate) fn stall(&self, side: usize, until: Duration) {
        let mut s = self.lock();
        let half = &mut s.halves[side];
        half.stalled_until = half.stalled_until.max(until);
    }

    /// Ends every stall now.
    pub(crate) fn heal(&self) {
        let mut s = self.lock();
        for half in &mut s.halves {
            half.stalled_until = Duration::ZERO;
            half.wake_all();
        }
    }

    pub(crate) fn set_shape(&self, shape: LinkShape) {
        self.lock().shape = shape;
    }

    /// Writes from `side`; `waker` is `None` for a direct write, which never waits.
    fn write(
        &self,
        side: usize,
        bufs: &[IoSlice<'_>],
        waker: Option<&Waker>,
    ) -> Poll<io::Result<usize>> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let mut s = self.lock();
        if let Some(kind) = s.reset {
            return Poll::Ready(Err(kind.into()));
        }
        let shape = s.shape;
        let half = &mut s.halves[side];
        if half.fin || half.reader_gone {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        if total == 0 {
            return Poll::Ready(Ok(0));
        }
        let space = shape.capacity.saturating_sub(half.queued);
        if space == 0 {
            if let Some(w) = waker {
                half.writer = Some(w.clone());
            }
            return Poll::Pending;
        }
        let mut n = total.min(space);
        let now = self.world.clock.elapsed();
        let latency = {
            let mut rng = self.world.rng();
            if shape.split && rng.percent(50) {
                n = rng.range(1, n as u64) as usize;
            }
            rng.duration(shape.latency.0, shape.latency.1)
        };
        let mut data = BytesMut::with_capacity(n);
        for buf in bufs {
            let take = buf.len().min(n - data.len());
            data.extend_from_slice(&buf[..take]);
            if data.len() == n {
                break;
            }
        }
        let last = half.segments.back().map_or(Duration::ZERO, |(at, _)| *at);
        half.segments
            .push_back(((now + latency).max(last), data.freeze()));
        half.queued += n;
        if let Some(w) = half.reader.take() {
            w.wake();
        }
        Poll::Ready(Ok(n))
    }

    fn read(&self, side: usize, buf: &mut [u8], waker: &Waker) -> Poll<io::Result<usize>> {
        let mut s = self.lock();
        if let Some(kind) = s.reset {
            return Poll::Ready(Err(kind.into()));
        }
        let split = s.shape.split;
        let half = &mut s.halves[1 - side];
        if let Some(key) = half.read_timer.take() {
            self.world.clock.remove_timer(key);
        }
        let now = self.world.clock.elapsed();
        let Some(&(first_at, _)) = half.segments.front() else {
            if half.fin {
                return Poll::Ready(Ok(0));
            }
            half.reader = Some(waker.clone());
            return Poll::Pending;
        };
        let due = first_at.max(half.stalled_until);
        if now < due {
            half.read_timer = Some(self.world.clock.add_timer(due, waker.clone()));
            half.reader = Some(waker.clone());
            return Poll::Pending;
        }
        let mut max = buf.len();
        if split && self.world.rng().percent(50) {
            max = self.world.rng().range(1, max as u64) as usize;
        }
        let mut n = 0;
        while n < max {
            let Some((at, seg)) = half.segments.front_mut() else {
                break;
            };
            if *at > now {
                break;
            }
            let take = seg.len().min(max - n);
            buf[n..n + take].copy_from_slice(&seg[..take]);
            seg.advance(take);
            n += take;
            if seg.is_empty() {
                half.segments.pop_front();
            }
        }
        half.queued -= n;
        if let Some(w) = half.writer.take() {
            w.wake();
        }
        Poll::Ready(Ok(n))
    }

    /// `side` closed its end: the peer reads end-of-file after the data; writes to `side`
    /// fail.
    pub(crate) fn close(&self, side: usize) {
        let mut s = self.lock();
        s.halves[side].fin = true;
        s.halves[side].wake_all();
        let other = &mut s.halves[1 - side];
        other.reader_gone = true;
        other.segments.clear();
        other.queued = 0;
        other.wake_all();
    }
}

/// One end of a link: a socket for natbus (the client side) or for the server model.
pub(crate) struct End {
    pub(crate) link: Arc<Link>,
    side: usize,
}

impl End {
    pub(crate) fn pair(link: &Arc<Link>) -> (End, End) {
        (
            End {
                link: link.clone(),
                side: CLIENT,
            },
            End {
                link: link.clone(),
                side: SERVER,
            },
        )
    }
}

impl Drop for End {
    fn drop(&mut self) {
        self.link.close(self.side);
    }
}

impl AsyncRead for End {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.link.read(self.side, buf, cx.waker())
    }
}

impl AsyncWrite for End {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.link
            .write(self.side, &[IoSlice::new(buf)], Some(cx.waker()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.link.write(self.side, bufs, Some(cx.waker()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut s = self.link.lock();
        s.halves[self.side].fin = true;
        if let Some(w) = s.halves[self.side].reader.take() {
            w.wake();
        }
        Poll::Ready(Ok(()))
    }
}

/// The client's direct writer to its link, as the real adapters hand out a duplicate of
/// the socket's descriptor.
pub(crate) struct DirectEnd {
    pub(crate) link: Arc<Link>,
}

impl natbus::DirectWrite for DirectEnd {
    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self.link.write(CLIENT, bufs, None) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}
