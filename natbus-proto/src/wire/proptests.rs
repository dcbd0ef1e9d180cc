//! Encode → decode round trips at random split points, for every operation.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::decode::{ClientDecoder, DecodeLimits, ServerDecoder};
use super::encode::{encode_client_op, encode_server_op};
use super::ops::{ClientOp, ServerOp};
use crate::connect::ConnectInfo;
use crate::headers::HeaderMap;
use crate::info::ServerInfo;
use crate::message::Message;
use crate::subject::Subject;

fn subject() -> impl Strategy<Value = Subject> {
    "[a-zA-Z0-9_$*>-]{1,8}(\\.[a-zA-Z0-9_$*>-]{1,8}){0,4}"
        .prop_map(|s| Subject::try_from(s).expect("generated subjects have no whitespace"))
}

fn headers() -> impl Strategy<Value = Option<HeaderMap>> {
    prop::option::of(crate::headers::proptests::header_map())
}

fn payload() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..300).prop_map(Bytes::from)
}

fn server_op() -> impl Strategy<Value = ServerOp> {
    let info = (
        "[a-zA-Z0-9]{0,12}",
        any::<bool>(),
        any::<u32>(),
        prop::collection::vec("[a-z0-9.:]{1,20}", 0..3),
    )
        .prop_map(|(id, headers, max, urls)| {
            ServerOp::Info(Box::new(ServerInfo {
                server_id: id,
                headers,
                max_payload: max as usize,
                connect_urls: urls,
                ..ServerInfo::default()
            }))
        });
    prop_oneof![
        info,
        (
            any::<u64>(),
            subject(),
            prop::option::of(subject()),
            headers(),
            payload()
        )
            .prop_map(|(sid, subject, reply, headers, payload)| ServerOp::Msg {
                sid,
                message: Message {
                    subject,
                    reply,
                    headers,
                    malformed_headers: None,
                    payload
                },
            }),
        Just(ServerOp::Ping),
        Just(ServerOp::Pong),
        Just(ServerOp::Ok),
        "[ -~]{0,40}".prop_map(ServerOp::Err),
    ]
}

fn client_op() -> impl Strategy<Value = ClientOp> {
    let connect = ("[a-z]{0,8}", any::<bool>(), prop::option::of("[ -~]{0,20}")).prop_map(
        |(lang, headers, name)| {
            ClientOp::Connect(Box::new(ConnectInfo {
                lang,
                headers,
                name,
                ..ConnectInfo::default()
            }))
        },
    );
    prop_oneof![
        connect,
        (subject(), prop::option::of(subject()), headers(), payload()).prop_map(
            |(subject, reply, headers, payload)| ClientOp::Pub {
                subject,
                reply,
                headers,
                payload
            }
        ),
        (subject(), prop::option::of("[!-~]{1,10}"), any::<u64>()).prop_map(
            |(subject, queue, sid)| ClientOp::Sub {
                subject,
                queue,
                sid
            }
        ),
        (any::<u64>(), prop::option::of(any::<u64>()))
            .prop_map(|(sid, max)| ClientOp::Unsub { sid, max }),
        Just(ClientOp::Ping),
        Just(ClientOp::Pong),
    ]
}

/// Splits `bytes` at the given (sorted, deduplicated) positions.
fn split_at<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut pieces = Vec::new();
    let mut from = 0;
    for c in cuts {
        pieces.push(&bytes[from..c]);
        from = c;
    }
    pieces.push(&bytes[from..]);
    pieces
}

proptest! {
    #[test]
    fn server_ops_round_trip(ops in prop::collection::vec(server_op(), 1..6), cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        let mut out = BytesMut::new();
        for op in &ops {
            encode_server_op(&mut out, op);
        }
        let mut decoder = ServerDecoder::new(DecodeLimits::default());
        let mut decoded = Vec::new();
        for piece in split_at(&out, &cuts) {
            decoder.extend(piece);
            while let Some(op) = decoder.decode().expect("encoded ops decode") {
                decoded.push(op);
            }
        }
        prop_assert_eq!(decoded, ops);
        prop_assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn client_ops_round_trip(ops in prop::collection::vec(client_op(), 1..6), cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        let mut out = BytesMut::new();
        for op in &ops {
            encode_client_op(&mut out, op);
        }
        let mut decoder = ClientDecoder::new(DecodeLimits::default());
        let mut decoded = Vec::new();
        for piece in split_at(&out, &cuts) {
            decoder.extend(piece);
            while let Some(op) = decoder.decode().expect("encoded ops decode") {
                decoded.push(op);
            }
        }
        prop_assert_eq!(decoded, ops);
        prop_assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..200)) {
        crate::fuzzing::server_decoder(&data);
        crate::fuzzing::client_decoder(&data);
        crate::fuzzing::headers(&data);
    }
}
