//! TLS against real servers, with a CA and certificates made by the test (nothing committed).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use natbus::{ConnectError, Runtime};
use natbus_tests::{NatsServer, TempDir};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use super::{WAIT, connect, options, within};

/// A test CA with a server certificate (for 127.0.0.1 and localhost) and a client one.
pub struct Pki {
    dir: TempDir,
}

impl Pki {
    /// Makes the CA and both certificates in a fresh temp dir.
    pub fn new() -> Pki {
        let dir = TempDir::new("natbus-pki").expect("temp dir is writable");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("empty SAN list");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "natbus test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().expect("key generation works");
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA self-signs");
        let write = |name: &str, text: String| {
            std::fs::write(dir.path().join(name), text).expect("temp dir is writable");
        };
        write("ca.pem", ca.pem());
        for (name, sans, usage) in [
            (
                "server",
                vec!["127.0.0.1".to_owned(), "localhost".to_owned()],
                ExtendedKeyUsagePurpose::ServerAuth,
            ),
            (
                "client",
                vec!["natbus-client".to_owned()],
                ExtendedKeyUsagePurpose::ClientAuth,
            ),
        ] {
            let mut params = CertificateParams::new(sans).expect("valid SANs");
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages = vec![usage];
            let key = KeyPair::generate().expect("key generation works");
            let cert = params.signed_by(&key, &ca).expect("CA signs");
            write(&format!("{name}.pem"), cert.pem());
            write(&format!("{name}-key.pem"), key.serialize_pem());
        }
        Pki { dir }
    }

    /// A file of the PKI: `ca.pem`, `server.pem`, `server-key.pem`, `client.pem`,
    /// `client-key.pem`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The server's `tls { }` block, with `extra` lines inside it.
    fn server_block(&self, extra: &str) -> String {
        format!(
            "tls {{\n  cert_file: {:?}\n  key_file: {:?}\n  ca_file: {:?}\n  timeout: 2\n  {extra}\n}}\n",
            self.file("server.pem"),
            self.file("server-key.pem"),
            self.file("ca.pem"),
        )
    }
}

fn tls_url(server: &NatsServer) -> String {
    format!("tls://127.0.0.1:{}", server.port())
}

/// Round-trips one message and checks the server sees a TLS connection.
async fn assert_works_over_tls(rt: &Arc<dyn Runtime>, server: &NatsServer, client: natbus::Client) {
    let mut sub = client.subscribe("secure").await.expect("subscribe");
    client.publish("secure", "sealed").await.expect("publish");
    let msg = within(rt, WAIT, "message over TLS", sub.next())
        .await
        .expect("subscription open");
    assert_eq!(&msg.payload[..], b"sealed");
    let connz = server.connz();
    let version = connz["connections"][0]["tls_version"]
        .as_str()
        .unwrap_or("");
    assert!(version.starts_with("1."), "server reports no TLS: {connz}");
    client.close().await;
}

/// The system store does not know the test CA: connecting to `url` fails with a clear
/// verification error, and no retry loop.
pub async fn assert_untrusted_ca_fails(rt: &Arc<dyn Runtime>, url: &str) {
    let err = natbus::connect_with(rt.clone(), options(url).max_reconnects(Some(1)))
        .await
        .expect_err("untrusted certificate");
    assert!(
        matches!(&err, ConnectError::Unreachable(why) if why.contains("certificate")),
        "{err:?}"
    );
}

pub async fn tls_with_a_ca_made_by_the_test(rt: Arc<dyn Runtime>) {
    let pki = Pki::new();
    let server = NatsServer::builder()
        .jetstream(false)
        .config(&pki.server_block(""))
        .start();
    // A tls:// URL and a nats:// URL to a server that requires TLS both upgrade.
    for url in [tls_url(&server), server.url()] {
        let opts = options(&url).add_root_certificates(pki.file("ca.pem"));
        let client = connect(&rt, opts).await;
        assert_works_over_tls(&rt, &server, client).await;
    }
    assert_untrusted_ca_fails(&rt, &tls_url(&server)).await;
    // A CA file that does not exist is reported before anything is dialed.
    let err = natbus::connect_with(
        rt.clone(),
        options(&tls_url(&server)).add_root_certificates(pki.file("missing.pem")),
    )
    .await
    .expect_err("missing CA file");
    assert!(
        matches!(&err, ConnectError::Tls(why) if why.contains("missing.pem")),
        "the error names the file: {err:?}"
    );
}

pub async fn mutual_tls_presents_the_client_certificate(rt: Arc<dyn Runtime>) {
    let pki = Pki::new();
    let server = NatsServer::builder()
        .jetstream(false)
        .config(&pki.server_block("verify: true"))
        .start();
    let opts = options(&tls_url(&server))
        .add_root_certificates(pki.file("ca.pem"))
        .add_client_certificate(pki.file("client.pem"), pki.file("client-key.pem"));
    let client = connect(&rt, opts).await;
    assert_works_over_tls(&rt, &server, client).await;

    assert_client_certificate_required(&rt, &pki, &tls_url(&server)).await;
}

/// The server at `url` requires a client certificate: trusting its CA is not enough.
pub async fn assert_client_certificate_required(rt: &Arc<dyn Runtime>, pki: &Pki, url: &str) {
    let without_cert = options(url)
        .add_root_certificates(pki.file("ca.pem"))
        .max_reconnects(Some(1));
    let err = natbus::connect_with(rt.clone(), without_cert)
        .await
        .expect_err("the server requires a client certificate");
    assert!(matches!(err, ConnectError::Unreachable(_)), "{err}");
}

pub async fn tls_first_handshake(rt: Arc<dyn Runtime>) {
    let pki = Pki::new();
    let server = NatsServer::builder()
        .jetstream(false)
        .config(&pki.server_block("handshake_first: true"))
        .silent_until_tls()
        .start();
    let opts = options(&tls_url(&server))
        .add_root_certificates(pki.file("ca.pem"))
        .tls_first();
    let client = connect(&rt, opts).await;
    assert_works_over_tls(&rt, &server, client).await;

    // Without TLS-first the server never sends INFO: the handshake times out clearly.
    let plain = options(&tls_url(&server))
        .add_root_certificates(pki.file("ca.pem"))
        .connect_timeout(Duration::from_millis(500))
        .max_reconnects(Some(1));
    let err = natbus::connect_with(rt.clone(), plain)
        .await
        .expect_err("server waits for TLS first");
    assert!(err.to_string().contains("timed out"), "{err}");
}
