//! nkey, creds (operator mode with test-made JWTs) and permissions against real servers.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use natbus::{ClientEvent, ConnectError, NkeySigner, Runtime};
use natbus_tests::{NatsServer, TempDir};
use nkeys::KeyPair;
use serde_json::json;

use super::{WAIT, connect, options, sleep, within};

fn base64url(bytes: &[u8]) -> String {
    natbus::proto::jetstream::base64::encode(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// Encodes and signs a NATS JWT (v2, `ed25519-nkey`) for `subject`, issued by `issuer`.
fn jwt(issuer: &KeyPair, subject: &str, name: &str, nats: serde_json::Value) -> String {
    let iat = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let header = json!({"typ": "JWT", "alg": "ed25519-nkey"});
    let claims = json!({
        "jti": format!("natbus-test-{name}-{iat}"),
        "iat": iat,
        "iss": issuer.public_key(),
        "name": name,
        "sub": subject,
        "nats": nats,
    });
    let body = format!(
        "{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    );
    let sig = issuer.sign(body.as_bytes()).expect("signing works");
    format!("{body}.{}", base64url(&sig))
}

fn creds_text(user_jwt: &str, seed: &str) -> String {
    format!(
        "-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n\
         -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
    )
}

fn total_connections(server: &NatsServer) -> u64 {
    server.monitor("/varz")["total_connections"]
        .as_u64()
        .expect("varz has total_connections")
}

/// A server (without JetStream) that lets in only the nkey user `user`.
fn nkey_server(user: &KeyPair) -> NatsServer {
    NatsServer::builder()
        .jetstream(false)
        .config(&format!(
            "authorization {{ users: [ {{ nkey: {} }} ] }}",
            user.public_key()
        ))
        .start()
}

pub async fn nkey_auth_signs_the_nonce(rt: Arc<dyn Runtime>) {
    let user = KeyPair::new_user();
    let seed = user.seed().expect("a new key has a seed");
    let server = nkey_server(&user);
    let client = connect(&rt, options(&server.url()).nkey(&seed)).await;
    let mut sub = client.subscribe("who").await.expect("subscribe");
    client.publish("who", "me").await.expect("publish");
    within(&rt, WAIT, "message", sub.next())
        .await
        .expect("subscription open");
    assert!(!format!("{:?}", client).contains(&seed), "seed printed");
    client.close().await;

    // The same through the custom-signer path.
    let signer = NkeySigner::from_seed(&seed).expect("valid seed");
    let auth = natbus::proto::connect::Auth::Nkey {
        public_key: signer.public_key(),
        signer: Arc::new(signer),
    };
    let client = connect(&rt, options(&server.url()).auth(auth)).await;
    client.flush().await.expect("connected and answering");
    client.close().await;
}

pub async fn bad_credentials_fail_once_without_a_reconnect_storm(rt: Arc<dyn Runtime>) {
    let user = KeyPair::new_user();
    let server = nkey_server(&user);
    let before = total_connections(&server);
    let stranger = KeyPair::new_user().seed().expect("a new key has a seed");
    let opts = options(&server.url())
        .nkey(&stranger)
        .retry_on_initial_connect(false);
    let err = natbus::connect_with(rt.clone(), opts)
        .await
        .expect_err("unknown user");
    assert!(matches!(err, ConnectError::Auth(_)), "{err}");
    sleep(&rt, Duration::from_millis(500)).await;
    let attempts = total_connections(&server) - before;
    assert_eq!(attempts, 1, "the client must not retry bad credentials");

    let err = natbus::connect_with(rt.clone(), options(&server.url()).nkey("SUnot-a-seed"))
        .await
        .expect_err("invalid seed");
    assert!(matches!(err, ConnectError::Credentials(_)), "{err}");
}

/// Operator mode with a memory resolver: operator, account and user JWTs all made here.
pub async fn creds_file_authenticates_with_a_user_jwt(rt: Arc<dyn Runtime>) {
    let operator = KeyPair::new_operator();
    let account = KeyPair::new_account();
    let user = KeyPair::new_user();
    let operator_jwt = jwt(
        &operator,
        &operator.public_key(),
        "natbus-op",
        json!({"type": "operator", "version": 2}),
    );
    let unlimited = json!({"subs": -1, "data": -1, "payload": -1, "imports": -1,
        "exports": -1, "wildcards": true, "conn": -1, "leaf": -1});
    let account_jwt = jwt(
        &operator,
        &account.public_key(),
        "natbus-acc",
        json!({"limits": unlimited, "type": "account", "version": 2}),
    );
    let user_jwt = jwt(
        &account,
        &user.public_key(),
        "natbus-user",
        json!({"pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1,
            "type": "user", "version": 2}),
    );
    let server = NatsServer::builder()
        .jetstream(false)
        .config(&format!(
            "operator: {operator_jwt}\nresolver: MEMORY\nresolver_preload: {{\n  {}: {account_jwt}\n}}\n",
            account.public_key()
        ))
        .start();
    let seed = user.seed().expect("a new key has a seed");
    let dir = TempDir::new("natbus-creds").expect("temp dir is writable");
    let path = dir.path().join("user.creds");
    std::fs::write(&path, creds_text(&user_jwt, &seed)).expect("temp dir is writable");

    let client = connect(&rt, options(&server.url()).credentials_file(&path)).await;
    let mut sub = client.subscribe("jwt.works").await.expect("subscribe");
    client.publish("jwt.works", "yes").await.expect("publish");
    within(&rt, WAIT, "message", sub.next())
        .await
        .expect("subscription open");
    client.close().await;

    let client = connect(
        &rt,
        options(&server.url()).credentials(&creds_text(&user_jwt, &seed)),
    )
    .await;
    client.flush().await.expect("connected");
    client.close().await;

    // A JWT with the wrong seed is refused by the server with a clear error.
    let wrong = KeyPair::new_user().seed().expect("a new key has a seed");
    let signer = Arc::new(NkeySigner::from_seed(&wrong).expect("valid seed"));
    let err = natbus::connect_with(rt.clone(), options(&server.url()).jwt(&user_jwt, signer))
        .await
        .expect_err("signature does not match the JWT");
    assert!(matches!(err, ConnectError::Auth(_)), "{err}");
}

pub async fn permission_violations_are_reported_and_the_connection_stays_up(rt: Arc<dyn Runtime>) {
    let server = NatsServer::builder()
        .jetstream(false)
        .config(
            "authorization { users: [ { user: app, password: app, permissions: {\n\
             publish: { deny: [\"secret.>\"] }\n  subscribe: { deny: [\"secret.>\"] } } } ] }",
        )
        .start();
    let url = format!("nats://app:app@127.0.0.1:{}", server.port());
    let client = connect(&rt, options(&url)).await;
    let mut events = client.events();

    let mut denied = client.subscribe("secret.plans").await.expect("sent");
    let end = within(&rt, WAIT, "the denied subscription to end", denied.next()).await;
    assert!(
        end.is_none(),
        "a denied subscription delivers nothing and ends"
    );
    let why = denied
        .error()
        .expect("the subscription ended with an error");
    assert!(why.contains("subscribe to 'secret.plans'"), "{why}");
    client
        .publish("secret.plans", "leak")
        .await
        .expect("queued");

    let mut seen = Vec::new();
    while seen.len() < 2 {
        match within(&rt, WAIT, "permission errors", events.next()).await {
            Some(ClientEvent::ServerError(text)) => seen.push(text),
            Some(ClientEvent::Disconnected { reason, .. }) => panic!("disconnected: {reason}"),
            Some(_) => {}
            None => panic!("event stream ended"),
        }
    }
    assert!(
        seen.iter()
            .any(|t| t.contains("subscribe to 'secret.plans'")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|t| t.contains("publish to 'secret.plans'")),
        "{seen:?}"
    );

    // Still connected: allowed traffic flows.
    let mut ok = client.subscribe("public").await.expect("subscribe");
    client.publish("public", "fine").await.expect("publish");
    within(&rt, WAIT, "allowed message", ok.next())
        .await
        .expect("subscription open");
    assert!(client.is_connected());
    assert_eq!(client.statistics().connection.reconnects, 0);
}
