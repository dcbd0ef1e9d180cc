//! A connection driver that panics (a bug) closes the client with the panic's message and
//! ends every wait, instead of leaving them all hanging. The panic is injected by a
//! runtime that wraps the one under test: its dial panics, or its sockets panic in
//! `poll_read` once armed.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::io::{AsyncRead, AsyncWrite};
use natbus::{
    BoxFuture, ClientEvent, CommandError, ConnectError, Dialed, FlushError, RequestError,
    RequestOptions, Runtime, Socket,
};
use natbus_tests::NatsServer;

use super::{WAIT, connect, options, wait_for_event, within};

const DIAL_PANIC: &str = "injected panic in the dial";
const READ_PANIC: &str = "injected panic in poll_read";

/// `inner`, except that a dial panics when `dial_panics`, and every socket it dials
/// panics in `poll_read` while `read_panics` is set.
struct PanickingRuntime {
    inner: Arc<dyn Runtime>,
    dial_panics: bool,
    read_panics: Arc<AtomicBool>,
}

impl PanickingRuntime {
    fn wrap(inner: Arc<dyn Runtime>, dial_panics: bool, reads_armed: bool) -> Arc<Self> {
        Arc::new(PanickingRuntime {
            inner,
            dial_panics,
            read_panics: Arc::new(AtomicBool::new(reads_armed)),
        })
    }

    fn arm_reads(&self) {
        self.read_panics.store(true, Ordering::SeqCst);
    }
}

impl Runtime for PanickingRuntime {
    fn connect(&self, host: &str, port: u16) -> BoxFuture<io::Result<Dialed>> {
        if self.dial_panics {
            return Box::pin(std::future::poll_fn(|_| -> Poll<io::Result<Dialed>> {
                panic!("{DIAL_PANIC}")
            }));
        }
        let dial = self.inner.connect(host, port);
        let armed = self.read_panics.clone();
        Box::pin(async move {
            let (socket, direct) = dial.await?.into_parts();
            let dialed = Dialed::new(Box::new(PanickingSocket {
                inner: socket,
                armed,
            }));
            Ok(match direct {
                Some(direct) => dialed.with_direct_writer(direct),
                None => dialed,
            })
        })
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<()> {
        self.inner.sleep_until(deadline)
    }

    fn spawn(&self, future: BoxFuture<()>) {
        self.inner.spawn(future);
    }

    fn now(&self) -> Instant {
        self.inner.now()
    }
}

/// A socket whose reads panic while `armed`; everything else passes through.
struct PanickingSocket {
    inner: Box<dyn Socket>,
    armed: Arc<AtomicBool>,
}

impl AsyncRead for PanickingSocket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        assert!(!self.armed.load(Ordering::SeqCst), "{READ_PANIC}");
        Pin::new(&mut *self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for PanickingSocket {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.inner).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.inner).poll_close(cx)
    }
}

/// Connects on `rt`, which panics in the dial or in the handshake's first read; the
/// connect must fail at once with an error naming the panic.
async fn first_connect_fails(rt: &Arc<dyn Runtime>, panicking: Arc<dyn Runtime>, panic: &str) {
    let server = NatsServer::start();
    let connecting = natbus::connect_with(panicking, options(&server.url()));
    let result = within(rt, WAIT, "the connect to fail", connecting).await;
    match result {
        Err(e @ ConnectError::Closed(_)) => {
            let text = e.to_string();
            assert!(
                text.contains("connection driver panicked") && text.contains(panic),
                "the error names the panic: {text}"
            );
        }
        Err(other) => panic!("expected a closed error naming the panic, got {other:?}"),
        Ok(_) => panic!("connected although the driver panicked"),
    }
}

/// A panic in the dial or in the handshake fails `connect_with` with the panic's message.
pub async fn driver_panic_at_first_connect_fails_the_connect(rt: Arc<dyn Runtime>) {
    let dial = PanickingRuntime::wrap(rt.clone(), true, false);
    first_connect_fails(&rt, dial, DIAL_PANIC).await;
    let read = PanickingRuntime::wrap(rt.clone(), false, true);
    first_connect_fails(&rt, read, READ_PANIC).await;
}

/// A panic on an established connection ends a pending request, a flush, a subscriber
/// and the event stream (with a `Closed` event naming the panic); the client reports
/// itself closed with that reason, and later calls fail at once.
pub async fn driver_panic_when_connected_ends_every_wait(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let panicking = PanickingRuntime::wrap(rt.clone(), false, false);
    let client = connect(
        &(panicking.clone() as Arc<dyn Runtime>),
        options(&server.url()),
    )
    .await;
    let mut sub = client.subscribe("panic.sub").await.expect("subscribe");
    // A responder that never answers, so the request is still waiting at the panic.
    let responder = connect(&rt, options(&server.url())).await;
    let mut requests = responder.subscribe("panic.req").await.expect("subscribe");
    responder.flush().await.expect("flush");
    client.flush().await.expect("flush");
    let mut events = client.events();

    let request = client.request_with(
        "panic.req",
        "",
        RequestOptions {
            headers: None,
            timeout: Some(Duration::from_secs(600)),
        },
    );
    let panic_once_requested = async {
        within(&rt, WAIT, "the request at the responder", requests.next())
            .await
            .expect("the request arrives");
        panicking.arm_reads();
        // Waiting for the PONG makes the driver read, and so panic.
        client.flush().await
    };
    let (replied, flushed) = within(&rt, WAIT, "the request and the flush to end", async {
        futures::join!(request, panic_once_requested)
    })
    .await;
    assert!(
        matches!(replied, Err(RequestError::Closed)),
        "the request fails as closed: {replied:?}"
    );
    assert!(
        matches!(flushed, Err(FlushError::Closed)),
        "the flush fails as closed: {flushed:?}"
    );

    let ended = within(&rt, WAIT, "the subscriber to end", sub.next()).await;
    assert!(ended.is_none(), "the subscriber ends: {ended:?}");
    let closed = wait_for_event(&rt, &mut events, "the Closed event", |e| {
        matches!(e, ClientEvent::Closed { .. })
    })
    .await;
    let ClientEvent::Closed { reason, .. } = closed else {
        unreachable!("wait_for_event returned a Closed event");
    };
    assert!(
        reason.contains("connection driver panicked") && reason.contains(READ_PANIC),
        "the Closed event names the panic: {reason}"
    );
    let after = within(&rt, WAIT, "the event stream to end", events.next()).await;
    assert!(after.is_none(), "no event after Closed: {after:?}");

    assert!(client.is_closed());
    let why = client.close_reason().expect("a close reason").to_string();
    assert!(
        why.contains(READ_PANIC),
        "close_reason names the panic: {why}"
    );
    let published = client.publish("panic.sub", "late").await;
    assert!(
        matches!(published, Err(CommandError::Closed)),
        "a late publish fails as closed: {published:?}"
    );
    let late = within(&rt, WAIT, "a late request", client.request("panic.req", "")).await;
    assert!(
        matches!(late, Err(RequestError::Publish(CommandError::Closed))),
        "a late request fails as closed: {late:?}"
    );
    within(&rt, WAIT, "close after the panic", client.close()).await;
    within(&rt, WAIT, "drain after the panic", client.drain())
        .await
        .expect("a drain of a closed client returns at once");
    // The other client is unaffected.
    responder
        .flush()
        .await
        .expect("the other client still works");
}
