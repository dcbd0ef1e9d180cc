//! Opening a WebSocket natively: TCP through the runtime, TLS for `wss://`, the upgrade.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

use crate::tls::ClientConfig;
use natbus_proto::websocket::{ClientHandshake, FrameWriter, HandshakeError};

use super::WebSocketTarget;
use super::stream::WebSocketStream;
use crate::runtime::{Dialed, Runtime, Socket};
use crate::tls;

/// Bytes read from the socket per read call, the upgrade response included.
const READ_BUFFER: usize = 64 * 1024;

/// Dials `target`, runs TLS with `tls` when it is given, and makes the upgrade. The
/// caller's connect timeout bounds it all (the driver drops this future at the deadline).
pub(super) async fn open(
    runtime: Arc<dyn Runtime>,
    target: WebSocketTarget,
    mut handshake: ClientHandshake,
    writer: FrameWriter,
    tls: Option<Arc<ClientConfig>>,
) -> io::Result<Dialed> {
    // A direct writer would write around the framing: only the stream writes.
    let (socket, _direct) = runtime
        .connect(target.host(), target.port())
        .await?
        .into_parts();
    let mut socket = match tls {
        Some(config) => tls::upgrade(config, target.tls_server_name(), socket).await?,
        None => socket,
    };
    write_all(&mut socket, handshake.request()).await?;
    let mut read_buf = vec![0u8; READ_BUFFER].into_boxed_slice();
    loop {
        let n = poll_fn(|cx| Pin::new(&mut *socket).poll_read(cx, &mut read_buf)).await?;
        if n == 0 {
            return Err(refused(handshake.handle_eof()));
        }
        if let Some(end) = handshake.handle_response(&read_buf[..n]).map_err(refused)? {
            let stream = WebSocketStream::new(socket, writer, read_buf, end, n);
            return Ok(Dialed::new(Box::new(stream)));
        }
    }
}

fn refused(e: HandshakeError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

async fn write_all(socket: &mut Box<dyn Socket>, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match poll_fn(|cx| Pin::new(&mut **socket).poll_write(cx, bytes)).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => bytes = &bytes[n..],
        }
    }
    poll_fn(|cx| Pin::new(&mut **socket).poll_flush(cx)).await
}
