//! Credentials parsing and nonce signing, checked against the nkeys crate's verifier.

use super::*;

fn creds(jwt: &str, seed: &str) -> String {
    format!(
        "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
         ************************* IMPORTANT *************************\n\
         NKEY Seed printed below can be used to sign and prove identity.\n\n\
         -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n\n\
         *************************************************************\n"
    )
}

#[test]
fn signs_the_nonce_verifiably_in_base64url() {
    let user = nkeys::KeyPair::new_user();
    let seed = user.seed().expect("a new key has a seed");
    let signer = NkeySigner::from_seed(&seed).expect("valid seed");
    assert_eq!(signer.public_key(), user.public_key());
    let sig = signer.sign(b"nonce-Abc_123").expect("signing works");
    assert_eq!(sig.len(), 86, "64 bytes, base64url without padding");
    assert!(!sig.contains(['=', '+', '/']), "{sig}");
    let std_b64 = sig.replace('-', "+").replace('_', "/") + "==";
    let raw = natbus_proto::jetstream::base64::decode(&std_b64).expect("valid base64");
    user.verify(b"nonce-Abc_123", &raw)
        .expect("the signature verifies");
    assert!(user.verify(b"other nonce", &raw).is_err());
}

#[test]
fn bad_seeds_are_refused_with_a_hint() {
    let err = NkeySigner::from_seed("SUNOTASEED").expect_err("invalid");
    assert!(err.to_string().contains("invalid nkey seed"), "{err}");
}

#[test]
fn parses_a_creds_file_and_falls_back_to_a_bare_seed_line() {
    let user = nkeys::KeyPair::new_user();
    let seed = user.seed().expect("a new key has a seed");
    let (jwt, got_seed) = parse_credentials(&creds("eyJhbGc.eyJzdWI.sig", &seed)).expect("valid");
    assert_eq!(jwt, "eyJhbGc.eyJzdWI.sig");
    assert_eq!(got_seed.as_str(), seed);

    let only_jwt =
        format!("-----BEGIN NATS USER JWT-----\neyJ.x.y\n------END NATS USER JWT------\n{seed}\n");
    let (jwt, got_seed) = parse_credentials(&only_jwt).expect("seed found by prefix");
    assert_eq!(
        (jwt.as_str(), got_seed.as_str()),
        ("eyJ.x.y", seed.as_str())
    );

    assert_eq!(
        parse_credentials("nothing here"),
        Err(CredentialsError::Malformed("no user JWT block"))
    );
    let no_seed = "-----BEGIN NATS USER JWT-----\neyJ.x.y\n------END NATS USER JWT------\n";
    assert_eq!(
        parse_credentials(no_seed),
        Err(CredentialsError::Malformed("no nkey seed block"))
    );
}

#[test]
fn resolves_sources_and_never_prints_seeds() {
    let user = nkeys::KeyPair::new_user();
    let seed = user.seed().expect("a new key has a seed");
    let nkey = CredentialsSource::Nkey(Zeroizing::new(seed.clone()));
    assert!(!format!("{nkey:?}").contains(&seed));
    match nkey.resolve().expect("valid seed") {
        Auth::Nkey { public_key, .. } => assert_eq!(public_key, user.public_key()),
        other => panic!("expected nkey auth, got {other:?}"),
    }
    let text = CredentialsSource::Text(Zeroizing::new(creds("eyJ.a.b", &seed)));
    assert!(!format!("{text:?}").contains(&seed));
    assert!(matches!(text.resolve(), Ok(Auth::Jwt { jwt, .. }) if jwt == "eyJ.a.b"));
    let signer = NkeySigner::from_seed(&seed).expect("valid");
    assert!(!format!("{signer:?}").contains(&seed));

    let missing = CredentialsSource::File("/nonexistent/user.creds".into());
    let err = missing.resolve().expect_err("no such file");
    assert!(err.to_string().contains("/nonexistent/user.creds"), "{err}");
}

#[test]
fn connect_options_never_print_seeds() {
    let seed = nkeys::KeyPair::new_user()
        .seed()
        .expect("a new key has a seed");
    for options in [
        crate::ConnectOptions::new().nkey(&seed),
        crate::ConnectOptions::new().credentials(&creds("eyJ.a.b", &seed)),
    ] {
        let text = format!("{options:?}");
        assert!(!text.contains(&seed), "{text}");
    }
}
