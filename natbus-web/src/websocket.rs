//! The browser's `WebSocket` as a natbus [`Socket`](natbus::Socket): a byte stream of
//! binary frames.
//!
//! The browser does the WebSocket protocol (and TLS for `wss://`); this only moves bytes.
//! What a frame holds does not matter: the NATS protocol inside is a byte stream, which
//! natbus-proto decodes across any split, and each write goes out as one frame. The JS
//! callbacks fill a queue the driver reads from; they share it through an `Rc`, which is
//! fine since all of it lives on the one browser thread (see `send.rs`).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_io::{AsyncRead, AsyncWrite};
use gloo_timers::callback::Timeout;
use js_sys::{ArrayBuffer, Uint8Array};
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

/// Bytes the browser may hold unsent before a write waits: natbus bounds its own buffer,
/// this keeps the browser's small too.
const SEND_HIGH_WATER: u32 = 1024 * 1024;
/// How often a waiting write looks at the browser's buffer again (it has no event for it).
const SEND_RETRY_MS: u32 = 5;
/// Bytes received and not yet read past which the socket is closed with an error, so a
/// stalled reader cannot make the queue grow without bound. The driver reads as soon as
/// data arrives, so in practice the queue holds a frame or two.
const MAX_UNREAD: usize = 128 * 1024 * 1024;

/// Where the socket is in its life.
enum Phase {
    Connecting,
    Open,
    /// Closed: `None` after a normal close (the reader sees the end of the stream), else
    /// why.
    Closed(Option<String>),
}

/// What the JS callbacks and the stream share.
struct State {
    phase: Phase,
    unread: VecDeque<Vec<u8>>,
    /// Bytes of `unread`'s first frame already read.
    offset: usize,
    unread_bytes: usize,
    reader: Option<Waker>,
}

impl State {
    fn wake(&mut self) {
        if let Some(waker) = self.reader.take() {
            waker.wake();
        }
    }

    fn close(&mut self, reason: Option<String>) {
        if !matches!(self.phase, Phase::Closed(_)) {
            self.phase = Phase::Closed(reason);
        }
        self.wake();
    }
}

/// The JS callbacks, kept alive as long as the socket refers to them.
struct Callbacks {
    _open: Closure<dyn FnMut()>,
    _message: Closure<dyn FnMut(MessageEvent)>,
    _close: Closure<dyn FnMut(CloseEvent)>,
}

/// The socket and its state, on the browser thread.
struct Connection {
    ws: WebSocket,
    state: Rc<RefCell<State>>,
    _callbacks: Callbacks,
    /// Wakes a write that waits for the browser's buffer to drain.
    retry: Option<Timeout>,
    /// The URL without credentials, for messages.
    url: String,
}

/// An open WebSocket, as natbus's driver reads and writes it.
pub(crate) struct WebSocketStream(SendWrapper<Connection>);

/// Opens a WebSocket to `url` and waits until it is open.
///
/// # Errors
/// A URL the browser refuses (`InvalidInput`), or a connection that closes before it
/// opens (`ConnectionRefused`: refused, unreachable, not a WebSocket server, TLS failed;
/// browsers do not say which).
pub(crate) async fn open(url: String) -> io::Result<WebSocketStream> {
    let ws = WebSocket::new(&url).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the browser refused the WebSocket URL {url}: {}",
                js_message(&e)
            ),
        )
    })?;
    ws.set_binary_type(BinaryType::Arraybuffer);
    let connection = Connection::new(ws, url);
    std::future::poll_fn(|cx| connection.poll_open(cx)).await?;
    Ok(WebSocketStream(SendWrapper::new(connection)))
}

impl Connection {
    fn new(ws: WebSocket, url: String) -> Self {
        let state = Rc::new(RefCell::new(State {
            phase: Phase::Connecting,
            unread: VecDeque::new(),
            offset: 0,
            unread_bytes: 0,
            reader: None,
        }));
        let on_open = {
            let state = state.clone();
            Closure::<dyn FnMut()>::new(move || {
                let mut state = state.borrow_mut();
                state.phase = Phase::Open;
                state.wake();
            })
        };
        let on_message = {
            let state = state.clone();
            let ws = ws.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                receive(&mut state.borrow_mut(), &ws, &event);
            })
        };
        let on_close = {
            let state = state.clone();
            let url = url.clone();
            Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
                let mut state = state.borrow_mut();
                let reason = close_reason(&state.phase, &url, &event);
                state.close(reason);
            })
        };
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Connection {
            ws,
            state,
            _callbacks: Callbacks {
                _open: on_open,
                _message: on_message,
                _close: on_close,
            },
            retry: None,
            url,
        }
    }

    fn poll_open(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = self.state.borrow_mut();
        match &state.phase {
            Phase::Open => Poll::Ready(Ok(())),
            Phase::Closed(reason) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                reason
                    .clone()
                    .unwrap_or_else(|| format!("{} closed", self.url)),
            ))),
            Phase::Connecting => {
                state.reader = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut guard = self.state.borrow_mut();
        let state = &mut *guard;
        if let Some(frame) = state.unread.front() {
            let rest = &frame[state.offset..];
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            state.offset += n;
            state.unread_bytes -= n;
            if state.offset == frame.len() {
                state.unread.pop_front();
                state.offset = 0;
            }
            return Poll::Ready(Ok(n));
        }
        match &state.phase {
            Phase::Closed(None) => Poll::Ready(Ok(0)),
            Phase::Closed(Some(reason)) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                reason.clone(),
            ))),
            Phase::Connecting | Phase::Open => {
                state.reader = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Phase::Closed(reason) = &self.state.borrow().phase {
            let reason = reason
                .clone()
                .unwrap_or_else(|| format!("{} closed", self.url));
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::BrokenPipe, reason)));
        }
        if self.ws.buffered_amount() > SEND_HIGH_WATER {
            let waker = cx.waker().clone();
            self.retry = Some(Timeout::new(SEND_RETRY_MS, move || waker.wake()));
            return Poll::Pending;
        }
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if total == 0 {
            return Poll::Ready(Ok(0));
        }
        // One frame per write, copied straight into JS memory.
        let Ok(len) = u32::try_from(total) else {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a single write of 4 GiB or more",
            )));
        };
        let frame = Uint8Array::new_with_length(len);
        let mut at = 0u32;
        for buf in bufs {
            // Each slice is shorter than the total, which fits in a u32.
            let end = at + buf.len() as u32;
            frame.subarray(at, end).copy_from(buf);
            at = end;
        }
        self.ws
            .send_with_array_buffer(&frame.buffer())
            .map_err(|e| io::Error::new(io::ErrorKind::BrokenPipe, js_message(&e)))?;
        Poll::Ready(Ok(total))
    }
}

impl Drop for Connection {
    /// Closes the socket and unhooks the callbacks, which are about to be freed.
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        // Closing an already closed socket does nothing; closing never fails for code-less calls.
        let _ = self.ws.close();
    }
}

/// Queues the bytes of one received frame.
fn receive(state: &mut State, ws: &WebSocket, event: &MessageEvent) {
    let data = event.data();
    let bytes = match data.dyn_ref::<ArrayBuffer>() {
        Some(buffer) => Uint8Array::new(buffer).to_vec(),
        // nats-server sends binary frames; a text frame is still the same byte stream.
        None => data.as_string().unwrap_or_default().into_bytes(),
    };
    if bytes.is_empty() || matches!(state.phase, Phase::Closed(_)) {
        return;
    }
    state.unread_bytes += bytes.len();
    if state.unread_bytes > MAX_UNREAD {
        state.close(Some(format!(
            "more than {MAX_UNREAD} received bytes were not read; the WebSocket was closed"
        )));
        let _ = ws.close();
        return;
    }
    state.unread.push_back(bytes);
    state.wake();
}

/// Why the socket closed, or `None` for a normal close of an open socket.
fn close_reason(phase: &Phase, url: &str, event: &CloseEvent) -> Option<String> {
    let code = event.code();
    let detail = match event.reason() {
        reason if reason.is_empty() => format!("close code {code}"),
        reason => format!("close code {code}: {reason}"),
    };
    match phase {
        // The browser hides why (refused, unreachable, not a WebSocket server, TLS): code 1006.
        Phase::Connecting => Some(format!("could not open a WebSocket to {url} ({detail})")),
        Phase::Open if event.was_clean() && code == 1000 => None,
        _ => Some(format!("the WebSocket to {url} closed ({detail})")),
    }
}

/// The message of a JS exception.
fn js_message(value: &wasm_bindgen::JsValue) -> String {
    match value.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    }
}

impl AsyncRead for WebSocketStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}

impl AsyncWrite for WebSocketStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, &[io::IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, bufs)
    }

    /// The browser sends what it was given on its own; there is nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let _ = self.0.ws.close();
        Poll::Ready(Ok(()))
    }
}
