use bytes::BytesMut;
use proptest::prelude::*;

use super::*;

/// Header maps that survive encoding: trimmed values and descriptions, valid names.
pub(crate) fn header_map() -> impl Strategy<Value = HeaderMap> {
    let entries = prop::collection::vec(("[!-9;-~]{1,12}", "([!-~]([ -~]{0,10}[!-~])?)?"), 0..5);
    let status = prop::option::of((0u16..1000, prop::option::of("[!-~]([ -~]{0,10}[!-~])?")));
    (status, entries).prop_map(|(status, entries)| {
        let mut map = match status {
            Some((code, desc)) => HeaderMap::with_status(StatusCode::new(code), desc.as_deref()),
            None => HeaderMap::new(),
        };
        map.extend(entries);
        map
    })
}

proptest! {
    #[test]
    fn round_trip(map in header_map()) {
        prop_assert_eq!(map.validate(), Ok(()));
        let mut out = BytesMut::new();
        map.encode(&mut out);
        prop_assert_eq!(out.len(), map.encoded_len());
        prop_assert_eq!(HeaderMap::parse(&out), Ok(map));
    }

    #[test]
    fn parse_never_panics_and_reparses(block in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut input = b"NATS/1.0".to_vec();
        input.extend_from_slice(&block);
        if let Ok(map) = HeaderMap::parse(&input) {
            prop_assert_eq!(map.validate(), Ok(()));
            let mut out = BytesMut::new();
            map.encode(&mut out);
            prop_assert_eq!(HeaderMap::parse(&out), Ok(map));
        }
    }
}
