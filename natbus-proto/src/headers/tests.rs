use bytes::BytesMut;

use super::*;

fn encode(map: &HeaderMap) -> Vec<u8> {
    let mut out = BytesMut::new();
    map.encode(&mut out);
    assert_eq!(out.len(), map.encoded_len(), "encoded_len must be exact");
    out.to_vec()
}

#[test]
fn plain_headers() {
    let map = HeaderMap::parse(b"NATS/1.0\r\nTrace-Id: abc\r\n\r\n").expect("valid");
    assert_eq!(map.status(), None);
    assert_eq!(map.description(), None);
    assert_eq!(map.get("Trace-Id"), Some("abc"));
    assert_eq!(map.len(), 1);
    assert_eq!(encode(&map), b"NATS/1.0\r\nTrace-Id: abc\r\n\r\n");
}

#[test]
fn status_only_no_responders() {
    let block = b"NATS/1.0 503\r\nNats-Subject: x\r\n\r\n";
    let map = HeaderMap::parse(block).expect("valid");
    assert_eq!(map.status(), Some(StatusCode::NO_RESPONDERS));
    assert_eq!(map.description(), None);
    assert_eq!(map.get("Nats-Subject"), Some("x"));
    assert_eq!(encode(&map), block);
}

#[test]
fn idle_heartbeat_with_description() {
    let block =
        b"NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 42\r\nNats-Last-Stream: 97\r\n\r\n";
    assert_eq!(block.len(), 77);
    let map = HeaderMap::parse(block).expect("valid");
    assert_eq!(map.status(), Some(StatusCode::IDLE_HEARTBEAT));
    assert_eq!(map.description(), Some("Idle Heartbeat"));
    assert_eq!(map.get("Nats-Last-Stream"), Some("97"));
    assert_eq!(encode(&map), block);
}

#[test]
fn request_timeout_with_headers() {
    let block = b"NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 3\r\nNats-Pending-Bytes: 0\r\n\r\n";
    assert_eq!(block.len(), 81);
    let map = HeaderMap::parse(block).expect("valid");
    assert_eq!(map.status(), Some(StatusCode::TIMEOUT));
    assert_eq!(map.description(), Some("Request Timeout"));
    assert_eq!(map.get("nats-pending-messages"), Some("3"));
    assert_eq!(map.len(), 2);
}

#[test]
fn lenient_forms() {
    // Bare LF, missing final blank line, odd spacing, tab before the status.
    let map =
        HeaderMap::parse(b"NATS/1.0\t404   No Messages  \nA:b\n  B  :   c d  ").expect("valid");
    assert_eq!(map.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(map.description(), Some("No Messages"));
    assert_eq!(map.get("A"), Some("b"));
    assert_eq!(map.get("B"), Some("c d"));
    // Only the version.
    assert_eq!(
        HeaderMap::parse(b"NATS/1.0").expect("valid"),
        HeaderMap::new()
    );
    assert_eq!(
        HeaderMap::parse(b"NATS/1.0\r\n\r\n").expect("valid"),
        HeaderMap::new()
    );
    // Empty value.
    assert_eq!(
        HeaderMap::parse(b"NATS/1.0\r\nA:\r\n\r\n")
            .expect("valid")
            .get("A"),
        Some("")
    );
    // Anything after the blank line is not a header.
    let map = HeaderMap::parse(b"NATS/1.0\r\nA: 1\r\n\r\nB: 2\r\n").expect("valid");
    assert_eq!(map.get("B"), None);
}

#[test]
fn malformed_blocks() {
    let cases: &[(&[u8], HeaderError)] = &[
        (b"", HeaderError::MissingVersion),
        (b"HTTP/1.1 200\r\n\r\n", HeaderError::MissingVersion),
        (b"nats/1.0\r\n\r\n", HeaderError::MissingVersion),
        (b"NATS/1.0503\r\n\r\n", HeaderError::InvalidStatusLine),
        (b"NATS/1.0 50\r\n\r\n", HeaderError::InvalidStatusLine),
        (b"NATS/1.0 5031\r\n\r\n", HeaderError::InvalidStatusLine),
        (b"NATS/1.0 abc\r\n\r\n", HeaderError::InvalidStatusLine),
        (
            b"NATS/1.0 503 bad\rdesc\r\n\r\n",
            HeaderError::InvalidDescription,
        ),
        (b"NATS/1.0 503 \xff\r\n\r\n", HeaderError::InvalidUtf8),
        (b"NATS/1.0\r\nNoColon\r\n\r\n", HeaderError::MissingColon),
        (
            b"NATS/1.0\r\n: value\r\n\r\n",
            HeaderError::InvalidName(String::new()),
        ),
        (
            b"NATS/1.0\r\nBad Name: v\r\n\r\n",
            HeaderError::InvalidName("Bad Name".into()),
        ),
        (
            b"NATS/1.0\r\nA: v\rw\r\n\r\n",
            HeaderError::InvalidValue("A".into()),
        ),
        (b"NATS/1.0\r\nA: \xc3\x28\r\n\r\n", HeaderError::InvalidUtf8),
    ];
    for (block, want) in cases {
        assert_eq!(
            HeaderMap::parse(block).as_ref(),
            Err(want),
            "{:?}",
            String::from_utf8_lossy(block)
        );
    }
}

#[test]
fn multi_value_and_case() {
    let mut map: HeaderMap = [("A", "1"), ("a", "2"), ("B", "3")].into_iter().collect();
    assert_eq!(map.get("A"), Some("1"));
    assert_eq!(map.get("a"), Some("2"), "exact case wins");
    assert_eq!(map.get_all("A").collect::<Vec<_>>(), ["1"]);
    assert_eq!(
        map.get_all("b").collect::<Vec<_>>(),
        ["3"],
        "falls back to any case"
    );
    map.append("B", "4");
    assert_eq!(map.get_all("B").collect::<Vec<_>>(), ["3", "4"]);
    map.insert("B", "5");
    assert_eq!(map.get_all("B").collect::<Vec<_>>(), ["5"]);
    assert_eq!(
        map.iter().collect::<Vec<_>>(),
        [("A", "1"), ("a", "2"), ("B", "5")]
    );
    assert!(map.remove("b"));
    assert!(!map.remove("zzz"));
    assert_eq!(map.len(), 2);
    assert!(map.remove("a"));
    assert_eq!(map.iter().collect::<Vec<_>>(), [("A", "1")]);
    assert!(!map.is_empty());
}

#[test]
fn emptiness_counts_status() {
    assert!(HeaderMap::new().is_empty());
    let status = HeaderMap::with_status(StatusCode::NO_RESPONDERS, Some("  "));
    assert!(!status.is_empty());
    assert_eq!(status.len(), 0);
    assert_eq!(status.description(), None);
    assert_eq!(encode(&status), b"NATS/1.0 503\r\n\r\n");
}

#[test]
fn validation() {
    assert_eq!(HeaderMap::new().validate(), Ok(()));
    let bad_name: HeaderMap = [("a:b", "v")].into_iter().collect();
    assert_eq!(
        bad_name.validate(),
        Err(HeaderError::InvalidName("a:b".into()))
    );
    let bad_name: HeaderMap = [("", "v")].into_iter().collect();
    assert_eq!(
        bad_name.validate(),
        Err(HeaderError::InvalidName(String::new()))
    );
    let bad_value: HeaderMap = [("a", "x\ny")].into_iter().collect();
    assert_eq!(
        bad_value.validate(),
        Err(HeaderError::InvalidValue("a".into()))
    );
    let bad_desc = HeaderMap::with_status(StatusCode::OK, Some("a\r\nb"));
    assert_eq!(bad_desc.validate(), Err(HeaderError::InvalidDescription));
    let bad_status = HeaderMap::with_status(StatusCode::new(1000), None);
    assert_eq!(bad_status.validate(), Err(HeaderError::InvalidStatus(1000)));
}

#[test]
fn small_status_codes_are_zero_padded() {
    let map = HeaderMap::with_status(StatusCode::new(7), Some("odd"));
    assert_eq!(encode(&map), b"NATS/1.0 007 odd\r\n\r\n");
    assert_eq!(HeaderMap::parse(&encode(&map)), Ok(map));
    assert_eq!(StatusCode::new(7).to_string(), "007");
    assert_eq!(StatusCode::EOB, StatusCode::NO_CONTENT);
    assert_eq!(StatusCode::CONFLICT.as_u16(), 409);
}
