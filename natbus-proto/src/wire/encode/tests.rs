use bytes::{Bytes, BytesMut};

use super::*;
use crate::headers::StatusCode;
use crate::subject::Subject;

fn bytes_of(f: impl FnOnce(&mut BytesMut)) -> Vec<u8> {
    let mut out = BytesMut::new();
    f(&mut out);
    out.to_vec()
}

fn trace_headers() -> HeaderMap {
    [("Trace-Id", "abc")].into_iter().collect()
}

#[test]
fn pub_forms_match_the_reference_examples() {
    assert_eq!(
        bytes_of(|o| encode_pub(o, "orders.new", None, None, b"hello")),
        b"PUB orders.new 5\r\nhello\r\n"
    );
    assert_eq!(
        bytes_of(|o| encode_pub(o, "svc.add", Some("_INBOX.k3Jx.7"), None, b"{}")),
        b"PUB svc.add _INBOX.k3Jx.7 2\r\n{}\r\n"
    );
    assert_eq!(
        bytes_of(|o| encode_pub(o, "empty", None, None, b"")),
        b"PUB empty 0\r\n\r\n"
    );
    assert_eq!(
        bytes_of(|o| encode_pub(o, "orders.new", None, Some(&trace_headers()), b"hello")),
        b"HPUB orders.new 27 32\r\nNATS/1.0\r\nTrace-Id: abc\r\n\r\nhello\r\n"
    );
}

#[test]
fn pub_prefix_leaves_room_for_the_payload() {
    let mut out = BytesMut::new();
    encode_pub_prefix(&mut out, "big", Some("r"), Some(&trace_headers()), 1000);
    assert_eq!(
        &out[..],
        b"HPUB big r 27 1027\r\nNATS/1.0\r\nTrace-Id: abc\r\n\r\n"
    );
    let mut out = BytesMut::new();
    encode_pub_prefix(&mut out, "big", None, None, 1000);
    assert_eq!(&out[..], b"PUB big 1000\r\n");
}

#[test]
fn sub_unsub_ping_pong_connect() {
    assert_eq!(
        bytes_of(|o| encode_sub(o, "orders.*", None, 1)),
        b"SUB orders.* 1\r\n"
    );
    assert_eq!(
        bytes_of(|o| encode_sub(o, "jobs", Some("workers"), 2)),
        b"SUB jobs workers 2\r\n"
    );
    assert_eq!(
        bytes_of(|o| encode_unsub(o, 1, Some(10))),
        b"UNSUB 1 10\r\n"
    );
    assert_eq!(
        bytes_of(|o| encode_unsub(o, u64::MAX, None)),
        b"UNSUB 18446744073709551615\r\n"
    );
    assert_eq!(bytes_of(encode_ping), b"PING\r\n");
    assert_eq!(bytes_of(encode_pong), b"PONG\r\n");
    let connect = bytes_of(|o| encode_connect(o, &ConnectInfo::default()));
    assert!(
        connect.starts_with(b"CONNECT {\"verbose\":false,"),
        "{}",
        String::from_utf8_lossy(&connect)
    );
    assert!(connect.ends_with(b"}\r\n"));
}

#[test]
fn server_ops() {
    let msg = |reply: Option<&'static str>, headers: Option<HeaderMap>| ServerOp::Msg {
        sid: 1,
        message: Message {
            subject: Subject::from_static("orders.new"),
            reply: reply.map(Subject::from_static),
            headers,
            malformed_headers: None,
            payload: Bytes::from_static(b"hello"),
        },
    };
    assert_eq!(
        bytes_of(|o| encode_server_op(o, &msg(None, None))),
        b"MSG orders.new 1 5\r\nhello\r\n"
    );
    assert_eq!(
        bytes_of(|o| encode_server_op(o, &msg(Some("_INBOX.k3Jx.7"), Some(trace_headers())))),
        b"HMSG orders.new 1 _INBOX.k3Jx.7 27 32\r\nNATS/1.0\r\nTrace-Id: abc\r\n\r\nhello\r\n"
    );
    let no_responders = ServerOp::Msg {
        sid: 1,
        message: Message {
            subject: Subject::from_static("_INBOX.x.1"),
            reply: None,
            headers: Some([("Nats-Subject", "nobody.here")].into_iter().fold(
                HeaderMap::with_status(StatusCode::NO_RESPONDERS, None),
                |mut m, (k, v)| {
                    m.append(k, v);
                    m
                },
            )),
            malformed_headers: None,
            payload: Bytes::new(),
        },
    };
    assert_eq!(
        bytes_of(|o| encode_server_op(o, &no_responders)),
        b"HMSG _INBOX.x.1 1 43 43\r\nNATS/1.0 503\r\nNats-Subject: nobody.here\r\n\r\n\r\n"
    );
    assert_eq!(bytes_of(|o| encode_server_op(o, &ServerOp::Ok)), b"+OK\r\n");
    assert_eq!(
        bytes_of(|o| encode_server_op(o, &ServerOp::Err("Stale Connection".into()))),
        b"-ERR 'Stale Connection'\r\n"
    );
}

#[test]
fn client_ops_delegate() {
    let op = ClientOp::Sub {
        subject: Subject::from_static("a"),
        queue: Some("q".into()),
        sid: 9,
    };
    assert_eq!(bytes_of(|o| encode_client_op(o, &op)), b"SUB a q 9\r\n");
    let op = ClientOp::Unsub { sid: 9, max: None };
    assert_eq!(bytes_of(|o| encode_client_op(o, &op)), b"UNSUB 9\r\n");
}
