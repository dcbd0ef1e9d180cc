use bytes::Bytes;

use super::*;
use crate::headers::{HeaderError, HeaderMap, StatusCode};
use crate::message::Message;
use crate::subject::{Subject, SubjectError};
use crate::wire::ops::{ClientOp, ServerOp};

/// Decodes every op of `input` fed in one piece, then again byte by byte, and checks both
/// ways agree. Returns the ops and the final error, if any.
fn server(input: &[u8]) -> (Vec<ServerOp>, Option<DecodeError>) {
    let run = |pieces: Vec<&[u8]>| {
        let mut d = ServerDecoder::new(DecodeLimits::default());
        let mut ops = Vec::new();
        for p in pieces {
            d.extend(p);
            loop {
                match d.decode() {
                    Ok(Some(op)) => ops.push(op),
                    Ok(None) => break,
                    Err(e) => return (ops, Some(e)),
                }
            }
        }
        (ops, None)
    };
    let whole = run(vec![input]);
    assert_eq!(
        whole,
        run(input.chunks(1).collect()),
        "byte-by-byte disagrees"
    );
    whole
}

fn client(input: &[u8]) -> (Vec<ClientOp>, Option<DecodeError>) {
    let run = |pieces: Vec<&[u8]>| {
        let mut d = ClientDecoder::new(DecodeLimits::default());
        let mut ops = Vec::new();
        for p in pieces {
            d.extend(p);
            loop {
                match d.decode() {
                    Ok(Some(op)) => ops.push(op),
                    Ok(None) => break,
                    Err(e) => return (ops, Some(e)),
                }
            }
        }
        (ops, None)
    };
    let whole = run(vec![input]);
    assert_eq!(
        whole,
        run(input.chunks(1).collect()),
        "byte-by-byte disagrees"
    );
    whole
}

fn one_server_op(input: &[u8]) -> ServerOp {
    let (mut ops, err) = server(input);
    assert_eq!(err, None, "{:?}", String::from_utf8_lossy(input));
    assert_eq!(ops.len(), 1, "{ops:?}");
    ops.remove(0)
}

fn msg(op: ServerOp) -> (u64, Message) {
    match op {
        ServerOp::Msg { sid, message } => (sid, message),
        other => panic!("expected MSG, got {other:?}"),
    }
}

#[test]
fn msg_forms() {
    let (sid, m) = msg(one_server_op(b"MSG orders.new 1 5\r\nhello\r\n"));
    assert_eq!(
        (sid, m.subject.as_str(), m.reply, m.headers, &m.payload[..]),
        (1, "orders.new", None, None, &b"hello"[..])
    );
    let (sid, m) = msg(one_server_op(
        b"msg\tsvc.add \t 7\t_INBOX.k3Jx.7   2\n{}\r\n",
    ));
    assert_eq!(sid, 7);
    assert_eq!(m.reply.as_deref(), Some("_INBOX.k3Jx.7"));
    assert_eq!(&m.payload[..], b"{}");
    let (_, m) = msg(one_server_op(b"MSG empty 3 0\r\n\r\n"));
    assert!(m.payload.is_empty());
    // A payload holding CR LF is not scanned.
    let (_, m) = msg(one_server_op(b"Msg a 1 4\r\n\r\n\r\n\r\n"));
    assert_eq!(&m.payload[..], b"\r\n\r\n");
}

#[test]
fn hmsg_forms() {
    let (sid, m) = msg(one_server_op(
        b"HMSG orders.new 1 _INBOX.k3Jx.7 27 32\r\nNATS/1.0\r\nTrace-Id: abc\r\n\r\nhello\r\n",
    ));
    assert_eq!(sid, 1);
    assert_eq!(m.reply.as_deref(), Some("_INBOX.k3Jx.7"));
    assert_eq!(
        m.headers.as_ref().and_then(|h| h.get("Trace-Id")),
        Some("abc")
    );
    assert_eq!(&m.payload[..], b"hello");
    // Headers only.
    let (_, m) = msg(one_server_op(
        b"hmsg a 2 18 18\r\nNATS/1.0\r\nA: b\r\n\r\n\r\n",
    ));
    assert!(m.payload.is_empty());
    assert_eq!(m.headers.as_ref().map(HeaderMap::len), Some(1));
    // No responders, as captured from nats-server.
    let (_, m) = msg(one_server_op(
        b"HMSG _INBOX.x.1 1 43 43\r\nNATS/1.0 503\r\nNats-Subject: nobody.here\r\n\r\n\r\n",
    ));
    assert_eq!(m.status(), Some(StatusCode::NO_RESPONDERS));
    assert_eq!(
        m.headers.as_ref().and_then(|h| h.get("Nats-Subject")),
        Some("nobody.here")
    );
    // Idle heartbeat and request timeout with headers.
    let hb =
        b"NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 42\r\nNats-Last-Stream: 97\r\n\r\n";
    let mut input = b"HMSG $JS.FC 9 77 77\r\n".to_vec();
    input.extend_from_slice(hb);
    input.extend_from_slice(b"\r\n");
    let (_, m) = msg(one_server_op(&input));
    assert_eq!(
        (m.status(), m.description()),
        (Some(StatusCode::IDLE_HEARTBEAT), Some("Idle Heartbeat"))
    );
    let (_, m) = msg(one_server_op(
        b"HMSG in 4 81 84\r\nNATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 3\r\nNats-Pending-Bytes: 0\r\n\r\nabc\r\n",
    ));
    assert_eq!(m.status(), Some(StatusCode::TIMEOUT));
    assert_eq!(
        m.headers
            .as_ref()
            .and_then(|h| h.get("Nats-Pending-Messages")),
        Some("3")
    );
    assert_eq!(&m.payload[..], b"abc");
}

#[test]
fn simple_server_ops() {
    let (ops, err) =
        server(b"PING\r\npong\n+ok\r\n-ERR 'Stale Connection'\r\n-err\tUnquoted text \r\n-ERR\r\n");
    assert_eq!(err, None);
    assert_eq!(
        ops,
        [
            ServerOp::Ping,
            ServerOp::Pong,
            ServerOp::Ok,
            ServerOp::Err("Stale Connection".into()),
            ServerOp::Err("Unquoted text".into()),
            ServerOp::Err(String::new()),
        ]
    );
}

#[test]
fn info() {
    let op = one_server_op(b"INFO {\"server_id\":\"NDBD\",\"version\":\"2.15.1\",\"headers\":true,\"max_payload\":1048576} \r\n");
    let ServerOp::Info(info) = op else {
        panic!("expected INFO")
    };
    assert_eq!(
        (info.server_id.as_str(), info.headers, info.max_payload),
        ("NDBD", true, 1048576)
    );
}

#[test]
fn incomplete_input_waits() {
    let mut d = ServerDecoder::new(DecodeLimits::default());
    d.extend(b"MSG a 1 5\r\nhel");
    assert_eq!(d.decode(), Ok(None));
    assert_eq!(
        d.buffered(),
        3,
        "the control line was taken, the body waits"
    );
    d.extend(b"lo\r");
    assert_eq!(d.decode(), Ok(None));
    d.extend(b"\nPI");
    assert!(matches!(d.decode(), Ok(Some(ServerOp::Msg { .. }))));
    assert_eq!(d.decode(), Ok(None));
    assert_eq!(d.buffered(), 2);
    d.extend(b"NG\r\n");
    assert_eq!(d.decode(), Ok(Some(ServerOp::Ping)));
    assert_eq!(d.decode(), Ok(None));
    assert_eq!(d.buffered(), 0);
}

#[test]
fn payloads_share_the_read_buffer() {
    let mut d = ServerDecoder::new(DecodeLimits::default());
    d.extend(b"MSG a 1 5\r\nhello\r\nMSG b 2 5\r\nworld\r\n");
    let (_, m1) = msg(d.decode().expect("ok").expect("op"));
    let (_, m2) = msg(d.decode().expect("ok").expect("op"));
    // Both payloads point into one allocation: the second starts 18 bytes after the first.
    let gap = m2.payload.as_ptr() as usize - m1.payload.as_ptr() as usize;
    assert_eq!(gap, b"hello\r\nMSG b 2 5\r\n".len());
    assert_eq!(m1.payload, Bytes::from_static(b"hello"));
}

#[test]
fn poisoned_until_reset() {
    let mut d = ServerDecoder::new(DecodeLimits::default());
    d.extend(b"BOGUS\r\nPING\r\n");
    let err = DecodeError::UnknownOp("BOGUS".into());
    assert_eq!(d.decode(), Err(err.clone()));
    assert_eq!(d.decode(), Err(err.clone()));
    d.extend(b"PING\r\n");
    assert_eq!(d.decode(), Err(err));
    d.reset();
    assert_eq!(d.buffered(), 0);
    d.extend(b"PING\r\n");
    assert_eq!(d.decode(), Ok(Some(ServerOp::Ping)));
}

#[test]
fn long_line_refused_before_its_end_arrives() {
    let mut d = ServerDecoder::new(DecodeLimits {
        max_control_line: 64,
        max_payload: 1024,
    });
    d.extend(b"MSG ");
    d.extend(&[b'a'; 60]);
    assert_eq!(d.decode(), Ok(None));
    d.extend(&[b'a'; 40]);
    assert_eq!(d.decode(), Err(DecodeError::ControlLineTooLong { max: 64 }));
}

#[test]
fn argument_limit_is_exact() {
    let limits = DecodeLimits {
        max_control_line: 10,
        max_payload: 1024,
    };
    let mut d = ServerDecoder::new(limits);
    d.extend(b"MSG abcdef 1 0\r\n\r\n"); // arguments: 10 bytes
    assert!(matches!(d.decode(), Ok(Some(ServerOp::Msg { .. }))));
    let mut d = ServerDecoder::new(limits);
    d.extend(b"MSG abcdefg 1 0\r\n\r\n"); // 11 bytes
    assert_eq!(d.decode(), Err(DecodeError::ControlLineTooLong { max: 10 }));
    // INFO may be as long as max_payload.
    let mut d = ServerDecoder::new(limits);
    d.extend(b"INFO {\"server_id\":\"a-long-server-id\"}\r\n");
    assert!(matches!(d.decode(), Ok(Some(ServerOp::Info(_)))));
}

#[test]
fn max_payload_can_be_raised() {
    let mut d = ServerDecoder::new(DecodeLimits {
        max_control_line: 4096,
        max_payload: 4,
    });
    d.extend(b"MSG a 1 5\r\nhello\r\n");
    assert_eq!(
        d.decode(),
        Err(DecodeError::PayloadTooLarge { size: 5, max: 4 })
    );
    d.reset();
    d.set_max_payload(5);
    d.extend(b"MSG a 1 5\r\nhello\r\n");
    assert!(matches!(d.decode(), Ok(Some(ServerOp::Msg { .. }))));
}

#[test]
fn malformed_server_input() {
    use DecodeError as E;
    let wrong = |op, got| E::WrongArgCount { op, got };
    let cases: Vec<(&[u8], DecodeError)> = vec![
        (b"BOGUS\r\n", E::UnknownOp("BOGUS".into())),
        (b"\r\n", E::UnknownOp(String::new())),
        (b" PING\r\n", E::UnknownOp(String::new())),
        (b"PUB a 1\r\nx\r\n", E::UnknownOp("PUB".into())),
        (b"MSGX a 1 1\r\nx\r\n", E::UnknownOp("MSGX".into())),
        (b"MSG a 1\r\n", wrong("MSG", 2)),
        (b"MSG\r\n", wrong("MSG", 0)),
        (b"MSG a 1 b c 5\r\n", wrong("MSG", 5)),
        (b"HMSG a 1 5\r\n", wrong("HMSG", 3)),
        (b"HMSG a 1 r x 2 5 6\r\n", wrong("HMSG", 7)),
        (b"PING x\r\n", wrong("PING", 1)),
        (b"PONG 1 2\r\n", wrong("PONG", 2)),
        (b"+OK now\r\n", wrong("+OK", 1)),
        (b"MSG a 1 x\r\n", E::InvalidSize("x".into())),
        (b"MSG a 1 -1\r\n", E::InvalidSize("-1".into())),
        (b"MSG a 1 +5\r\n", E::InvalidSize("+5".into())),
        (
            b"MSG a 1 99999999999999999999999\r\n",
            E::InvalidSize("99999999999999999999999".into()),
        ),
        (b"HMSG a 1 x 5\r\n", E::InvalidSize("x".into())),
        (b"MSG a one 5\r\n", E::InvalidSid("one".into())),
        (b"MSG a -1 5\r\n", E::InvalidSid("-1".into())),
        (
            b"HMSG a 1 10 5\r\n",
            E::HeaderSizeExceedsTotal {
                header: 10,
                total: 5,
            },
        ),
        (
            b"MSG a 1 2000000\r\n",
            E::PayloadTooLarge {
                size: 2_000_000,
                max: 1 << 20,
            },
        ),
        (b"MSG a 1 5\r\nhelloXY", E::BadTrailer),
        (b"MSG a 1 5\r\nhello\n", E::BadTrailer),
        (b"MSG a 1 5\r\nhelloX", E::BadTrailer),
        (b"MSG a 1 4\r\nhello\r\n", E::BadTrailer),
        (b"MSG a 1 0\r\n\n\r\n", E::BadTrailer),
    ];
    let mut infos: Vec<(&[u8], &str)> = vec![
        (b"INFO\r\n", "EOF"),
        (b"INFO {\r\n", "EOF"),
        (b"INFO \"str\"\r\n", "invalid type"),
    ];
    infos.push((b"INFO {\"port\":\"x\"}\r\n", "invalid type"));
    for (input, want) in &cases {
        assert_eq!(
            server(input).1.as_ref(),
            Some(want),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    for (input, needle) in infos {
        match server(input).1 {
            Some(E::InvalidInfo(msg)) => assert!(msg.contains(needle), "{msg}"),
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(input)),
        }
    }
}

/// What other clients wrote badly is forwarded by the server as it is, and the framing
/// does not depend on it: each such message is decoded (headers kept raw) or reported as
/// undeliverable, and the messages behind it decode as usual.
#[test]
fn malformed_contents_keep_the_stream_framed() {
    let bad_headers: [(&[u8], HeaderError); 6] = [
        (b"abc", HeaderError::MissingVersion),
        (b"", HeaderError::MissingVersion),
        (b"NATS/1.0\r\nX\r\n\r\n", HeaderError::MissingColon),
        (b"NATS/1.0 9\r\n\r\n", HeaderError::InvalidStatusLine),
        (
            b"NATS/1.0\r\nA: x\ry\r\n\r\n",
            HeaderError::InvalidValue("A".into()),
        ),
        (b"NATS/1.0\r\nA: \xff\r\n\r\n", HeaderError::InvalidUtf8),
    ];
    for (block, error) in bad_headers {
        let mut input = format!("HMSG a 1 r {} {}\r\n", block.len(), block.len() + 2).into_bytes();
        input.extend_from_slice(block);
        input.extend_from_slice(b"hi\r\nPING\r\n");
        let (ops, err) = server(&input);
        assert_eq!(err, None, "{:?}", String::from_utf8_lossy(block));
        let [ServerOp::Msg { sid: 1, message }, ServerOp::Ping] = ops.as_slice() else {
            panic!("{ops:?}")
        };
        assert_eq!(message.headers, None);
        let malformed = message.malformed_headers.as_ref().expect("kept raw");
        assert_eq!((&malformed.raw[..], &malformed.error), (block, &error));
        assert_eq!(&message.payload[..], b"hi");
        assert_eq!(message.reply.as_deref(), Some("r"));
    }
    for frame in [
        &b"MSG \xff 7 1\r\nx\r\n"[..],
        b"HMSG a 7 \xfe 12 13\r\nNATS/1.0\r\n\r\nx\r\n",
    ] {
        let mut input = frame.to_vec();
        input.extend_from_slice(b"MSG ok 7 2\r\nok\r\n");
        let (ops, err) = server(&input);
        assert_eq!(err, None);
        assert_eq!(
            ops[0],
            ServerOp::Undeliverable {
                sid: 7,
                error: SubjectError::InvalidUtf8,
                frame: Bytes::copy_from_slice(frame),
            }
        );
        assert!(matches!(&ops[1], ServerOp::Msg { message, .. } if &message.payload[..] == b"ok"));
    }
}

#[test]
fn client_ops() {
    let (ops, err) = client(
        b"CONNECT {\"verbose\":false,\"lang\":\"rust\",\"headers\":true}\r\n\
          PUB orders.new 5\r\nhello\r\n\
          pub svc.add\t_INBOX.1 2\n{}\r\n\
          HPUB orders.new 27 32\r\nNATS/1.0\r\nTrace-Id: abc\r\n\r\nhello\r\n\
          SUB orders.* 1\r\nsub jobs workers 2\r\nUNSUB 1 10\r\nunsub 2\r\nPING\r\nPONG\r\n",
    );
    assert_eq!(err, None);
    assert_eq!(ops.len(), 10, "{ops:?}");
    let ClientOp::Connect(c) = &ops[0] else {
        panic!("CONNECT")
    };
    assert!(c.headers);
    assert_eq!(c.lang, "rust");
    let ClientOp::Pub {
        subject,
        reply,
        headers,
        payload,
    } = &ops[2]
    else {
        panic!("PUB")
    };
    assert_eq!(
        (subject.as_str(), reply.as_deref(), headers, &payload[..]),
        ("svc.add", Some("_INBOX.1"), &None, &b"{}"[..])
    );
    let ClientOp::Pub {
        headers: Some(h),
        payload,
        ..
    } = &ops[3]
    else {
        panic!("HPUB")
    };
    assert_eq!(
        (h.get("Trace-Id"), &payload[..]),
        (Some("abc"), &b"hello"[..])
    );
    assert_eq!(
        ops[5],
        ClientOp::Sub {
            subject: Subject::from_static("jobs"),
            queue: Some("workers".into()),
            sid: 2
        }
    );
    assert_eq!(
        ops[6],
        ClientOp::Unsub {
            sid: 1,
            max: Some(10)
        }
    );
    assert_eq!(ops[7], ClientOp::Unsub { sid: 2, max: None });
    assert_eq!(&ops[8..], [ClientOp::Ping, ClientOp::Pong]);
}

#[test]
fn malformed_client_input() {
    use DecodeError as E;
    let wrong = |op, got| E::WrongArgCount { op, got };
    let cases: Vec<(&[u8], DecodeError)> = vec![
        (b"MSG a 1 1\r\nx\r\n", E::UnknownOp("MSG".into())),
        (b"INFO {}\r\n", E::UnknownOp("INFO".into())),
        (b"PUB a\r\n", wrong("PUB", 1)),
        (b"PUB a b c 1\r\n", wrong("PUB", 4)),
        (b"HPUB a 1\r\n", wrong("HPUB", 2)),
        (b"SUB a\r\n", wrong("SUB", 1)),
        (b"SUB a q 1 2\r\n", wrong("SUB", 4)),
        (b"UNSUB\r\n", wrong("UNSUB", 0)),
        (b"UNSUB 1 2 3\r\n", wrong("UNSUB", 3)),
        (b"PING PONG\r\n", wrong("PING", 1)),
        (b"PUB a -5\r\n", E::InvalidSize("-5".into())),
        (b"HPUB a 5 x\r\n", E::InvalidSize("x".into())),
        (b"UNSUB 1 many\r\n", E::InvalidSize("many".into())),
        (b"SUB a x\r\n", E::InvalidSid("x".into())),
        (b"UNSUB x\r\n", E::InvalidSid("x".into())),
        (
            b"HPUB a 6 5\r\n",
            E::HeaderSizeExceedsTotal {
                header: 6,
                total: 5,
            },
        ),
        (
            b"PUB a 1048577\r\n",
            E::PayloadTooLarge {
                size: 1_048_577,
                max: 1 << 20,
            },
        ),
        (b"PUB a 1\r\nxx\r\n", E::BadTrailer),
        (
            b"SUB a \xff 1\r\n",
            E::InvalidSubject(SubjectError::InvalidQueueGroup("\u{fffd}".into())),
        ),
        (
            b"PUB \xc3 0\r\n\r\n",
            E::InvalidSubject(SubjectError::InvalidUtf8),
        ),
        (
            b"HPUB a 5 5\r\nHELLO\r\n",
            E::InvalidHeaders(HeaderError::MissingVersion),
        ),
    ];
    for (input, want) in &cases {
        assert_eq!(
            client(input).1.as_ref(),
            Some(want),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    assert!(matches!(
        client(b"CONNECT {oops}\r\n").1,
        Some(E::InvalidConnect(_))
    ));
    assert!(matches!(
        client(b"CONNECT\r\n").1,
        Some(E::InvalidConnect(_))
    ));
}

#[test]
fn huge_announced_size_neither_overflows_nor_allocates_it() {
    let mut d = ServerDecoder::new(DecodeLimits::default());
    d.set_max_payload(usize::MAX);
    d.extend(b"MSG a 1 18446744073709551615\r\nab");
    assert_eq!(d.decode(), Ok(None));
    assert_eq!(d.buffered(), 2);
    d.extend(b"X");
    assert_eq!(d.decode(), Ok(None), "body bytes, not a trailer yet");
    let mut d = ClientDecoder::new(DecodeLimits::default());
    d.set_max_payload(usize::MAX);
    d.extend(b"HPUB a 18446744073709551615 18446744073709551615\r\n");
    assert_eq!(d.decode(), Ok(None));
}
