//! The codec on literal bytes: RFC 6455's own examples, splits at every byte, limits, bad
//! handshakes; and proptest round trips.

use super::frame::{FrameHeader, MAX_HEADER_LEN, Opcode, apply_mask};
use super::handshake::accept_for_test;
use super::*;

/// RFC 6455 §1.3's example key ("the sample nonce") and its accept value.
const KEY: [u8; 16] = *b"the sample nonce";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

fn ok_response() -> String {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {ACCEPT}\r\n\r\n"
    )
}

fn handshake() -> ClientHandshake {
    ClientHandshake::new("server.example.com", 80, "/chat", false, KEY)
}

/// Everything a reader makes of `input` fed in pieces of `step` bytes: the data bytes
/// concatenated and the control frames, in order.
fn read_all(input: &[u8], step: usize) -> Result<(Vec<u8>, Vec<String>), FrameError> {
    let mut reader = FrameReader::new();
    let (mut data, mut controls) = (Vec::new(), Vec::new());
    for piece in input.chunks(step.max(1)) {
        let mut rest = piece;
        while !rest.is_empty() && !reader.is_closed() {
            let (used, output) = reader.read(rest)?;
            assert!(used > 0, "non-empty input is always consumed");
            match output {
                ReadOutput::Data(bytes) => data.extend_from_slice(bytes),
                ReadOutput::Ping(p) => controls.push(format!("ping {:?}", p.as_bytes())),
                ReadOutput::Pong(p) => controls.push(format!("pong {:?}", p.as_bytes())),
                ReadOutput::Close(c) => controls.push(format!("close {c}")),
                ReadOutput::Pending => {}
            }
            rest = &rest[used..];
        }
    }
    Ok((data, controls))
}

/// A server frame (unmasked).
fn frame(fin: bool, opcode: Opcode, payload: &[u8]) -> Vec<u8> {
    let header = FrameHeader {
        fin,
        opcode,
        mask: None,
        len: payload.len() as u64,
    };
    let mut bytes = [0u8; MAX_HEADER_LEN];
    let n = header.encode(&mut bytes);
    [&bytes[..n], payload].concat()
}

/// Takes apart client frames: (opcode, unmasked payload) each, checking every one is masked.
fn client_frames(mut bytes: &[u8]) -> Vec<(Opcode, Vec<u8>)> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let (header, at) = FrameHeader::parse(bytes)
            .expect("valid header")
            .expect("complete header");
        let key = header.mask.expect("client frames are masked");
        let end = at + header.len as usize;
        let mut payload = bytes[at..end].to_vec();
        apply_mask(&mut payload, key, 0);
        frames.push((header.opcode, payload));
        bytes = &bytes[end..];
    }
    frames
}

#[test]
fn the_accept_value_is_rfc_6455s_example() {
    assert_eq!(accept_for_test("dGhlIHNhbXBsZSBub25jZQ=="), ACCEPT);
}

#[test]
fn the_request_names_path_host_key_and_version() {
    let request = String::from_utf8(handshake().request().to_vec()).expect("ASCII");
    assert_eq!(
        request,
        "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    let other = ClientHandshake::new("::1", 8443, "", true, KEY);
    let text = String::from_utf8_lossy(other.request()).into_owned();
    assert!(
        text.starts_with("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n"),
        "{text}"
    );
    let tls_default = ClientHandshake::new("h", 443, "/", true, KEY);
    assert!(
        tls_default
            .request()
            .starts_with(b"GET / HTTP/1.1\r\nHost: h\r\n")
    );
    assert!(!String::from_utf8_lossy(tls_default.request()).contains("deflate"));
}

#[test]
fn a_response_split_anywhere_is_accepted_and_the_frames_after_it_kept() {
    let mut bytes = ok_response().into_bytes();
    let frames = frame(true, Opcode::Binary, b"INFO {}\r\n");
    bytes.extend_from_slice(&frames);
    for split in 0..bytes.len() {
        let mut hs = handshake();
        let (a, b) = bytes.split_at(split);
        let after = match hs.handle_response(a).expect("valid so far") {
            Some(end) => [&a[end..], b].concat(),
            None => {
                let end = hs.handle_response(b).expect("valid").expect("complete");
                b[end..].to_vec()
            }
        };
        assert_eq!(after, frames, "split at {split}");
    }
}

#[test]
fn header_names_and_tokens_are_case_insensitive() {
    let response = format!(
        "HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nCONNECTION: keep-alive, upgrade\r\nsec-websocket-accept:{ACCEPT}\r\nServer: x\r\n\r\n"
    );
    assert_eq!(
        handshake().handle_response(response.as_bytes()),
        Ok(Some(response.len()))
    );
}

#[test]
fn a_nats_port_is_recognised_by_its_info() {
    let mut hs = handshake();
    assert_eq!(
        hs.handle_response(b"INFO {\"server_id\":\"x\"} \r\n"),
        Err(HandshakeError::NatsPort)
    );
    let mut hs = handshake();
    assert_eq!(hs.handle_response(b"IN"), Ok(None));
    assert_eq!(hs.handle_eof(), HandshakeError::Truncated);
    assert_eq!(hs.handle_response(b"FO {"), Err(HandshakeError::NatsPort));
    assert_eq!(
        handshake().handle_eof(),
        HandshakeError::ClosedWithoutAnswer
    );
    let err = HandshakeError::NatsPort.to_string();
    assert!(
        err.contains("NATS port") && err.contains("nats://"),
        "{err}"
    );
}

#[test]
fn bad_handshakes_say_what_was_wrong() {
    let cases: &[(&str, HandshakeError)] = &[
        (
            "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 36\r\n\r\norigin not allowed: not same origin\n",
            HandshakeError::Refused {
                status: "403 Forbidden".into(),
                body: "origin not allowed: not same origin".into(),
            },
        ),
        (
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
            HandshakeError::MissingUpgrade,
        ),
        (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
            HandshakeError::BadAccept,
        ),
        (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
            HandshakeError::BadAccept,
        ),
        (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
            HandshakeError::Unrequested("Sec-WebSocket-Extensions: permessage-deflate".into()),
        ),
        (
            "SSH-2.0-OpenSSH_9.6\r\n\r\n",
            HandshakeError::NotHttp("SSH-2.0-OpenSSH_9.6".into()),
        ),
    ];
    for (response, want) in cases {
        assert_eq!(
            handshake().handle_response(response.as_bytes()).as_ref(),
            Err(want),
            "{response:?}"
        );
    }
    let refused = HandshakeError::Refused {
        status: "404 Not Found".into(),
        body: String::new(),
    };
    assert_eq!(
        refused.to_string(),
        "the server refused the WebSocket upgrade: HTTP 404 Not Found"
    );
}

#[test]
fn a_refusal_quotes_its_body_whatever_the_split() {
    let response = b"HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nno route\r\n";
    let want = HandshakeError::Refused {
        status: "404 Not Found".into(),
        body: "no route".into(),
    };
    for split in 0..response.len() {
        let mut hs = handshake();
        let (a, b) = response.split_at(split);
        let got = match hs.handle_response(a) {
            Ok(None) => hs.handle_response(b),
            other => other,
        };
        assert_eq!(got, Err(want.clone()), "split at {split}");
    }
    // Cut short: the body that came is quoted.
    let mut hs = handshake();
    assert_eq!(
        hs.handle_response(&response[..response.len() - 4]),
        Ok(None)
    );
    let HandshakeError::Refused { body, .. } = hs.handle_eof() else {
        panic!("a refusal");
    };
    assert_eq!(body, "no rou");
    // Without Content-Length nothing is waited for.
    let mut hs = handshake();
    assert_eq!(
        hs.handle_response(
            b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"
        ),
        Err(HandshakeError::Refused {
            status: "400 Bad Request".into(),
            body: String::new()
        })
    );
}

#[test]
fn an_endless_response_is_cut_at_the_limit() {
    let mut hs = handshake();
    let line = b"X-Filler: 0123456789012345678901234567890123456789\r\n";
    let mut result = hs.handle_response(b"HTTP/1.1 101 Switching Protocols\r\n");
    while result == Ok(None) {
        result = hs.handle_response(line);
    }
    assert_eq!(result, Err(HandshakeError::TooLong));
}

#[test]
fn headers_encode_with_the_shortest_length() {
    for (len, header_len) in [
        (0, 2),
        (125, 2),
        (126, 4),
        (65535, 4),
        (65536, 10),
        (1 << 40, 10),
    ] {
        let header = FrameHeader {
            fin: true,
            opcode: Opcode::Binary,
            mask: None,
            len,
        };
        let mut bytes = [0u8; MAX_HEADER_LEN];
        let n = header.encode(&mut bytes);
        assert_eq!(n, header_len, "length {len}");
        assert_eq!(FrameHeader::parse(&bytes[..n]), Ok(Some((header, n))));
        assert_eq!(
            FrameHeader::parse(&bytes[..n - 1]),
            Ok(None),
            "length {len}"
        );
    }
}

#[test]
fn masking_matches_rfc_6455s_example_and_works_from_any_offset() {
    // §5.7: "Hello" masked with 37 fa 21 3d.
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut hello = *b"Hello";
    apply_mask(&mut hello, key, 0);
    assert_eq!(hello, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let mut whole = data.clone();
    apply_mask(&mut whole, key, 0);
    for split in [1, 3, 7, 8, 9, 500] {
        let mut parts = data.clone();
        let (a, b) = parts.split_at_mut(split);
        apply_mask(a, key, 0);
        apply_mask(b, key, split as u64);
        assert_eq!(parts, whole, "split at {split}");
    }
    apply_mask(&mut whole, key, 0);
    assert_eq!(whole, data, "masking twice restores");
}

#[test]
fn rfc_6455_examples_read_at_every_split() {
    // §5.7: a single unmasked text frame, a fragmented one, an unmasked ping, and a
    // ping between the fragments of a message.
    let stream = [
        &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f][..],
        &[0x01, 0x03, 0x48, 0x65, 0x6c],
        &[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f],
        &[0x80, 0x02, 0x6c, 0x6f],
        &frame(true, Opcode::Binary, &[7; 300]),
        &frame(true, Opcode::Pong, b""),
        &frame(true, Opcode::Binary, b""),
        &frame(true, Opcode::Close, b"\x03\xe9Server Shutdown"),
    ]
    .concat();
    let want_data = [&b"HelloHello"[..], &[7; 300]].concat();
    for step in 1..=stream.len() {
        let (data, controls) = read_all(&stream, step).expect("valid stream");
        assert_eq!(data, want_data, "step {step}");
        assert_eq!(
            controls,
            [
                "ping [72, 101, 108, 108, 111]",
                "pong []",
                "close status 1001, \"Server Shutdown\""
            ],
            "step {step}"
        );
    }
}

#[test]
fn protocol_breaks_are_errors_and_poison_the_reader() {
    let masked = [0x82, 0x81, 1, 2, 3, 4, 0];
    let cases: &[(&[u8], FrameError)] = &[
        (&[0xC2, 0x00], FrameError::ReservedBits),
        (&[0x83, 0x00], FrameError::UnknownOpcode(3)),
        (&[0x80, 0x00], FrameError::StrayContinuation),
        (&[0x02, 0x00, 0x82, 0x00], FrameError::UnfinishedMessage),
        (&[0x09, 0x00], FrameError::BadControlFrame),
        (&[0x89, 0x7E, 0x00, 0x7E], FrameError::BadControlFrame),
        (&[0x88, 0x01, 0x03], FrameError::BadCloseFrame),
        (&masked, FrameError::MaskedServerFrame),
        (
            &[0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0],
            FrameError::LengthTooLarge,
        ),
    ];
    for (bytes, want) in cases {
        for step in 1..=bytes.len() {
            assert_eq!(
                read_all(bytes, step),
                Err(want.clone()),
                "{bytes:?} step {step}"
            );
        }
        let mut reader = FrameReader::new();
        let mut rest = *bytes;
        let err = loop {
            match reader.read(rest) {
                Ok((used, _)) => rest = &rest[used..],
                Err(err) => break err,
            }
        };
        assert_eq!(reader.read(b"\x82\x00"), Err(err), "poisoned");
    }
}

#[test]
fn a_huge_frame_is_streamed_without_buffering() {
    // A header announcing 2^62 bytes: the reader hands out what arrives and holds nothing.
    let mut reader = FrameReader::new();
    let header = [0x82, 0x7F, 0x40, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(reader.read(&header), Ok((10, ReadOutput::Pending)));
    let chunk = [b'x'; 4096];
    for _ in 0..100 {
        assert_eq!(
            reader.read(&chunk),
            Ok((4096, ReadOutput::Data(&chunk[..])))
        );
    }
    assert!(std::mem::size_of::<FrameReader>() < 512, "fixed size");
}

#[test]
fn after_a_close_nothing_more_is_read() {
    let mut reader = FrameReader::new();
    let close = frame(true, Opcode::Close, b"");
    let (used, output) = reader.read(&close).expect("valid");
    assert_eq!(used, 2);
    assert!(matches!(output, ReadOutput::Close(c) if c.code.is_none() && c.reason().is_empty()));
    assert!(reader.is_closed());
    assert_eq!(reader.read(b"\x82\x01x"), Ok((0, ReadOutput::Pending)));
}

#[test]
fn client_frames_are_masked_and_bounded() {
    let mut writer = FrameWriter::new(9);
    let mut out = Vec::new();
    let taken = writer.binary(&mut out, &[&b"PUB a 2\r\n"[..], b"hi\r\n"], 10);
    assert_eq!(taken, 10);
    writer.pong(&mut out, b"ping-data");
    writer.close(&mut out, 1000, "bye");
    let frames = client_frames(&out);
    assert_eq!(
        frames,
        [
            (Opcode::Binary, b"PUB a 2\r\nh".to_vec()),
            (Opcode::Pong, b"ping-data".to_vec()),
            (Opcode::Close, b"\x03\xe8bye".to_vec()),
        ]
    );
    let mut again = Vec::new();
    FrameWriter::new(9).binary(&mut again, &[&b"PUB a 2\r\nhi"[..]], 10);
    assert_eq!(
        again,
        out[..again.len()],
        "the same seed writes the same bytes"
    );
    let mut other = Vec::new();
    FrameWriter::new(10).binary(&mut other, &[&b"PUB a 2\r\nhi"[..]], 10);
    assert_ne!(other, again, "another seed, another key");
}

mod proptests {
    use proptest::prelude::*;

    use super::*;

    /// A server stream: the data cut into messages and fragments, with pings between.
    fn server_stream(data: &[u8], cuts: &[(usize, bool, bool)]) -> (Vec<u8>, usize) {
        let (mut out, mut pings, mut at, mut open) = (Vec::new(), 0, 0, false);
        for &(len, fin, ping) in cuts {
            let end = (at + len).min(data.len());
            let opcode = if open {
                Opcode::Continuation
            } else {
                Opcode::Binary
            };
            out.extend(frame(fin, opcode, &data[at..end]));
            open = !fin;
            at = end;
            if ping {
                out.extend(frame(true, Opcode::Ping, b"p"));
                pings += 1;
            }
        }
        let opcode = if open {
            Opcode::Continuation
        } else {
            Opcode::Binary
        };
        out.extend(frame(true, opcode, &data[at..]));
        (out, pings)
    }

    proptest! {
        #[test]
        fn data_survives_any_framing_and_any_split(
            data in prop::collection::vec(any::<u8>(), 0..3000),
            cuts in prop::collection::vec((0usize..400, any::<bool>(), any::<bool>()), 0..12),
            step in 1usize..200,
        ) {
            let (stream, pings) = server_stream(&data, &cuts);
            let (got, controls) = read_all(&stream, step).expect("a valid stream");
            prop_assert_eq!(got, data);
            prop_assert_eq!(controls.len(), pings);
        }

        #[test]
        fn written_frames_hold_exactly_the_bytes_taken(
            chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..6),
            max in 0usize..2000,
            seed: u64,
        ) {
            let mut out = Vec::new();
            let taken = FrameWriter::new(seed).binary(&mut out, &chunks, max);
            let all = chunks.concat();
            prop_assert_eq!(taken, all.len().min(max));
            prop_assert_eq!(client_frames(&out), vec![(Opcode::Binary, all[..taken].to_vec())]);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = read_all(&bytes, 7);
            let _ = handshake().handle_response(&bytes);
        }
    }
}
