//! Replays the committed seed corpus (`fuzz/seeds/`), any local cargo-fuzz corpus
//! (`fuzz/corpus/`, not committed) and every past crasher (`tests/fuzz-regressions/`)
//! through the fuzzing functions, so that the invariants are checked on stable `cargo test`.

use std::path::{Path, PathBuf};

use super::*;

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` over every file for `target`; returns how many committed files it ran.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = [
        crate_dir.join("tests/fuzz-regressions").join(target),
        crate_dir.join("../fuzz/seeds").join(target),
    ];
    let mut count = 0;
    for dir in &committed {
        for file in files_in(dir) {
            let data = std::fs::read(&file).expect("listed file is readable");
            check(&data);
            count += 1;
        }
    }
    // A running fuzzer adds and removes corpus files; skip any that vanished meanwhile.
    for file in files_in(&crate_dir.join("../fuzz/corpus").join(target)) {
        if let Ok(data) = std::fs::read(&file) {
            check(&data);
        }
    }
    count
}

#[test]
fn replay_server_ops() {
    assert!(
        replay("server_ops", server_decoder) > 0,
        "the seed corpus is missing"
    );
}

#[test]
fn replay_client_ops() {
    assert!(
        replay("client_ops", client_decoder) > 0,
        "the seed corpus is missing"
    );
}

#[test]
fn replay_headers() {
    assert!(replay("headers", headers) > 0, "the seed corpus is missing");
}

/// The invariants hold for a hand-picked stream with every server op, at every chunk size.
#[test]
fn every_chunk_size_on_a_mixed_stream() {
    let stream: &[u8] = b"INFO {\"server_id\":\"x\",\"max_payload\":1024} \r\nPING\r\n+OK\r\n\
        MSG a 1 3\r\nabc\r\nHMSG b 2 r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n-ERR 'oops'\r\n";
    for first in 0..32u8 {
        let mut data = vec![first];
        data.extend_from_slice(stream);
        server_decoder(&data);
    }
}

/// The fuzzing functions do catch a broken invariant (here: a header block whose parse is
/// fine, checked by hand to show `headers` really compares).
#[test]
fn headers_function_accepts_valid_and_ignores_invalid() {
    headers(b"NATS/1.0 503\r\nNats-Subject: x\r\n\r\n");
    headers(b"not a header block");
    headers(b"");
}

#[test]
fn replay_connection() {
    assert!(
        replay("connection", connection) > 0,
        "the seed corpus is missing"
    );
}

mod connection_proptests {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Random scripts with a realistic server prefix never break the invariants.
        #[test]
        fn scripted_server_never_breaks_invariants(chunk in 1u8..64, tail in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut data = vec![chunk];
            data.extend_from_slice(b"INFO {\"server_id\":\"x\",\"proto\":1,\"headers\":true,\"max_payload\":1024}\r\nPONG\r\nPING\r\nMSG fuzz.a 1 2\r\nhi\r\n");
            data.extend_from_slice(&tail);
            super::connection(&data);
        }
    }
}

#[test]
fn replay_websocket_frames() {
    assert!(
        replay("websocket_frames", websocket_frames) > 0,
        "the seed corpus is missing"
    );
}

#[test]
fn replay_websocket_handshake() {
    assert!(
        replay("websocket_handshake", websocket_handshake) > 0,
        "the seed corpus is missing"
    );
}
