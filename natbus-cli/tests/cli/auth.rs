//! `--nkey` and `--creds` reach the server's authentication.

use natbus_tests::{NatsServer, TempDir};
use nkeys::KeyPair;

use crate::support::natbus;

#[test]
fn nkey_seed_file_authenticates() {
    let user = KeyPair::new_user();
    let seed = user.seed().expect("a new key has a seed");
    let server = NatsServer::builder()
        .config(&format!(
            "authorization {{ users: [ {{ nkey: {} }} ] }}",
            user.public_key()
        ))
        .start();
    let dir = TempDir::new("natbus-cli-nkey").expect("temp dir is writable");
    let seed_file = dir.path().join("user.nk");
    std::fs::write(&seed_file, format!("# the test user\n{seed}\n")).expect("writable");
    let seed_path = seed_file.to_str().expect("a UTF-8 temp path");

    let line = natbus(&server, &["pub", "x", "y"]).error_line();
    assert!(line.to_lowercase().contains("authorization"), "{line}");
    let ok = natbus(&server, &["--nkey", seed_path, "pub", "x", "y"]);
    ok.ok();
    let check = natbus(&server, &["--nkey", seed_path, "server", "check"]).ok();
    assert!(check.starts_with("OK: connected to "), "{check}");

    let stranger = dir.path().join("stranger.nk");
    let other = KeyPair::new_user().seed().expect("a new key has a seed");
    std::fs::write(&stranger, other).expect("writable");
    let stranger = stranger.to_str().expect("a UTF-8 temp path");
    let line = natbus(&server, &["--nkey", stranger, "pub", "x", "y"]).error_line();
    assert!(line.to_lowercase().contains("authorization"), "{line}");

    let empty = dir.path().join("empty.nk");
    std::fs::write(&empty, "no seed here\n").expect("writable");
    let line = natbus(
        &server,
        &["--nkey", empty.to_str().expect("UTF-8"), "pub", "x", "y"],
    )
    .error_line();
    assert!(line.contains("no user nkey seed"), "{line}");
}

#[test]
fn malformed_creds_file_is_named() {
    let server = NatsServer::start();
    let dir = TempDir::new("natbus-cli-creds").expect("temp dir is writable");
    let creds = dir.path().join("bad.creds");
    std::fs::write(&creds, "not a creds file\n").expect("writable");
    let line = natbus(
        &server,
        &["--creds", creds.to_str().expect("UTF-8"), "pub", "x", "y"],
    )
    .error_line();
    assert!(line.contains("invalid credentials"), "{line}");
    assert!(line.contains("NATS USER JWT"), "{line}");
}
