//! Fuzzing the WebSocket codec: the server's frames and the upgrade response.
//!
//! Invariants, each a panic when broken:
//! - nothing panics or loops: every call with input consumes some, until the stream ends;
//! - the input fed in one piece and in chunks (the first byte picks the chunk size) gives
//!   the same data bytes, the same control frames and the same error;
//! - a data slice is part of the input, and never more data comes out than went in;
//! - a reader that failed repeats its error; one that read a close reads nothing more.

use crate::websocket::{ClientHandshake, FrameError, FrameReader, HandshakeError, ReadOutput};

/// What a reader made of a whole input.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    data: Vec<u8>,
    controls: Vec<String>,
    error: Option<FrameError>,
    closed: bool,
}

/// Feeds `pieces` in order to a fresh reader.
fn read(pieces: &[&[u8]]) -> Outcome {
    let mut reader = FrameReader::new();
    let mut out = Outcome {
        data: Vec::new(),
        controls: Vec::new(),
        error: None,
        closed: false,
    };
    'pieces: for piece in pieces {
        let mut rest = *piece;
        while !rest.is_empty() {
            match reader.read(rest) {
                Ok((0, _)) => {
                    assert!(reader.is_closed(), "input left unread by an open reader");
                    break 'pieces;
                }
                Ok((used, output)) => {
                    assert!(used <= rest.len(), "consumed more than given");
                    match output {
                        ReadOutput::Data(bytes) => {
                            assert!(bytes.len() <= used, "more data out than in");
                            out.data.extend_from_slice(bytes);
                        }
                        ReadOutput::Ping(p) => {
                            out.controls.push(format!("ping {:?}", p.as_bytes()))
                        }
                        ReadOutput::Pong(p) => {
                            out.controls.push(format!("pong {:?}", p.as_bytes()))
                        }
                        ReadOutput::Close(c) => out.controls.push(format!("close {c}")),
                        _ => {}
                    }
                    rest = &rest[used..];
                }
                Err(err) => {
                    assert_eq!(reader.read(b"\x82\x00"), Err(err.clone()), "poisoned");
                    out.error = Some(err);
                    break 'pieces;
                }
            }
        }
    }
    out.closed = reader.is_closed();
    if out.closed {
        assert_eq!(reader.read(b"\x82\x01x").map(|(n, _)| n), Ok(0), "closed");
    }
    out
}

/// `FrameReader` on arbitrary server bytes: see the module docs for what is checked.
pub fn websocket_frames(data: &[u8]) {
    let Some((&first, input)) = data.split_first() else {
        return;
    };
    let whole = read(&[input]);
    let chunks: Vec<&[u8]> = input.chunks(usize::from(first % 16) + 1).collect();
    assert_eq!(read(&chunks), whole, "chunked reading differs");
}

/// `ClientHandshake::handle_response` on arbitrary bytes, in one piece and in chunks: the
/// same verdict and the same end of the response.
pub fn websocket_handshake(data: &[u8]) {
    let Some((&first, input)) = data.split_first() else {
        return;
    };
    let respond = |pieces: &[&[u8]]| -> Result<Option<usize>, HandshakeError> {
        let mut handshake = ClientHandshake::new("h", 80, "/", false, *b"the sample nonce");
        let mut offset = 0;
        for piece in pieces {
            if let Some(end) = handshake.handle_response(piece)? {
                assert!(end <= piece.len(), "the response ends inside the piece");
                return Ok(Some(offset + end));
            }
            offset += piece.len();
        }
        Ok(None)
    };
    let whole = respond(&[input]);
    let chunks: Vec<&[u8]> = input.chunks(usize::from(first % 32) + 1).collect();
    assert_eq!(respond(&chunks), whole, "chunked response differs");
}
