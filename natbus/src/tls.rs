//! TLS: the rustls client configuration and the upgrade of an open socket.
//!
//! The upgrade wraps the runtime's `futures-io` socket with `futures-rustls`, so one
//! implementation serves tokio, smol and async-std alike. rustls runs on the `ring`
//! provider, chosen explicitly so that no process-wide default provider has to be installed.
//!
//! Trust roots default to the operating system's store (`rustls-native-certs`), as nats.go
//! and async-nats do: NATS runs mostly inside organisations whose private CAs are installed
//! there, which a compiled-in list (webpki-roots) would not know. Configured CA files replace
//! the system store rather than add to it, so a private deployment trusts only its own CA.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_rustls::TlsConnector;
pub(crate) use futures_rustls::rustls::ClientConfig;
use futures_rustls::rustls::pki_types::pem::PemObject;
use futures_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use futures_rustls::rustls::{self, RootCertStore};
use natbus_proto::connection::ConnectionConfig;

use crate::first_bytes::FirstBytes;
use crate::runtime::{BoxFuture, Socket};

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum TlsError {
    /// A certificate or key file could not be read or parsed.
    #[error("cannot read {what} from '{path}': {reason}")]
    File {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
    /// No trust roots at all.
    #[error(
        "no root certificates: the system store is empty or unreadable ({0}); add a CA with ConnectOptions::add_root_certificates"
    )]
    NoRoots(String),
    /// rustls refused the configuration (e.g. a key that does not match its certificate).
    #[error("invalid TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The user's TLS choices, turned into a rustls [`ClientConfig`] when a connection needs it.
#[derive(Clone, Default)]
pub(crate) struct TlsSettings {
    /// PEM files of CAs to trust instead of the system store.
    pub(crate) root_certificates: Vec<PathBuf>,
    /// PEM files of the client certificate chain and its private key, for mutual TLS.
    pub(crate) client_certificate: Option<(PathBuf, PathBuf)>,
    /// A complete configuration from the user, used as is.
    pub(crate) custom: Option<Arc<ClientConfig>>,
    /// Start TLS before the server's INFO.
    pub(crate) tls_first: bool,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("root_certificates", &self.root_certificates)
            .field(
                "client_certificate",
                &self.client_certificate.as_ref().map(|(cert, _)| cert),
            )
            .field("custom", &self.custom.is_some())
            .field("tls_first", &self.tls_first)
            .finish()
    }
}

impl TlsSettings {
    /// True when the user configured files that can be checked before connecting.
    fn has_files(&self) -> bool {
        !self.root_certificates.is_empty() || self.client_certificate.is_some()
    }

    /// Puts the TLS choices into the state machine's configuration and checks the files
    /// now, so a typo is a connect error rather than a retry loop.
    pub(crate) fn apply(&self, config: &mut ConnectionConfig) -> Result<(), TlsError> {
        config.tls_first = self.tls_first;
        if self.has_files() {
            self.client_config()?;
        }
        Ok(())
    }

    /// Builds the rustls configuration.
    pub(crate) fn client_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        if let Some(config) = &self.custom {
            return Ok(config.clone());
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(self.roots()?);
        let config = match &self.client_certificate {
            Some((cert, key)) => {
                builder.with_client_auth_cert(read_certificates(cert)?, read_key(key)?)?
            }
            None => builder.with_no_client_auth(),
        };
        Ok(Arc::new(config))
    }

    fn roots(&self) -> Result<RootCertStore, TlsError> {
        let mut roots = RootCertStore::empty();
        if self.root_certificates.is_empty() {
            let found = rustls_native_certs::load_native_certs();
            // Unparsable system certificates are skipped, as browsers do.
            let (_added, _skipped) = roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                let why = found
                    .errors
                    .first()
                    .map_or_else(|| "none found".to_owned(), ToString::to_string);
                return Err(TlsError::NoRoots(why));
            }
            return Ok(roots);
        }
        for path in &self.root_certificates {
            for cert in read_certificates(path)? {
                roots
                    .add(cert)
                    .map_err(|e| file_error("a CA certificate", path, e))?;
            }
        }
        Ok(roots)
    }
}

fn file_error(what: &'static str, path: &Path, reason: impl fmt::Display) -> TlsError {
    TlsError::File {
        what,
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| file_error("certificates", path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error("certificates", path, e))?;
    if certs.is_empty() {
        return Err(file_error("certificates", path, "no PEM CERTIFICATE block"));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| file_error("a private key", path, e))
}

/// Upgrades `socket` to TLS, verifying the server certificate against `server_name`. A
/// failure says so when the server answered in plain NATS or HTTP instead.
pub(crate) fn upgrade(
    config: Arc<ClientConfig>,
    server_name: &str,
    socket: Box<dyn Socket>,
) -> BoxFuture<io::Result<Box<dyn Socket>>> {
    let name = ServerName::try_from(server_name.to_owned()).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("'{server_name}' is not a valid TLS server name: {e}"),
        )
    });
    Box::pin(async move {
        let name = name?;
        let first = FirstBytes::default();
        let stream = TlsConnector::from(config)
            .connect(name, first.record(socket))
            .await
            .map_err(|e| first.explain(e))?;
        Ok(Box::new(stream) as Box<dyn Socket>)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_named_in_the_error() {
        let settings = TlsSettings {
            root_certificates: vec![PathBuf::from("/nonexistent/ca.pem")],
            ..TlsSettings::default()
        };
        let err = settings.client_config().expect_err("file does not exist");
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let path = std::env::temp_dir().join(format!("natbus-empty-{}.pem", std::process::id()));
        std::fs::write(&path, "not a certificate\n").expect("temp dir is writable");
        let settings = TlsSettings {
            root_certificates: vec![path.clone()],
            ..TlsSettings::default()
        };
        let err = settings
            .client_config()
            .expect_err("no certificate in file");
        let _ = std::fs::remove_file(&path);
        assert!(err.to_string().contains("no PEM CERTIFICATE"), "{err}");
    }

    #[test]
    fn debug_does_not_show_the_key_path() {
        let settings = TlsSettings {
            client_certificate: Some(("cert.pem".into(), "secret-key.pem".into())),
            ..TlsSettings::default()
        };
        let text = format!("{settings:?}");
        assert!(
            text.contains("cert.pem") && !text.contains("secret-key"),
            "{text}"
        );
    }
}
