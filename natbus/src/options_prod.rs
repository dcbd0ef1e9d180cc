//! Production connection options: TLS and nkey/JWT credentials.
//!
//! Kept apart from `options.rs` (the general builder) so that each file holds one concern.
//! The TLS options exist with the `tls` feature, the nkey and `.creds` ones with `nkeys`;
//! [`ConnectOptions::jwt`] takes the caller's signer and needs neither.

#[cfg(any(feature = "tls", feature = "nkeys"))]
use std::path::Path;
use std::sync::Arc;

#[cfg(feature = "tls")]
use futures_rustls::rustls::ClientConfig;
use natbus_proto::connect::{Auth, NonceSigner};
#[cfg(feature = "nkeys")]
use zeroize::Zeroizing;

#[cfg(feature = "nkeys")]
use crate::auth::CredentialsSource;
use crate::options::ConnectOptions;

#[cfg(feature = "nkeys")]
impl ConnectOptions {
    /// Authenticate with a user nkey seed (`SU…`): natbus signs the server's nonce with it
    /// and sends the public key. The seed is checked when connecting.
    ///
    /// nkey, `.creds` and JWT credentials replace each other (the last one set wins) and
    /// take precedence over [`user_password`](Self::user_password) and
    /// [`token`](Self::token).
    pub fn nkey(mut self, seed: &str) -> Self {
        self.credentials = Some(CredentialsSource::Nkey(Zeroizing::new(seed.to_owned())));
        self
    }

    /// Authenticate with the user nkey seed in this file: the first line starting with
    /// `SU` (so a decorated seed file or one with comments works too), read when connecting.
    pub fn nkey_file(mut self, path: impl AsRef<Path>) -> Self {
        self.credentials = Some(CredentialsSource::NkeyFile {
            path: path.as_ref().to_owned(),
            jwt: None,
        });
        self
    }

    /// Authenticate with a `.creds` file (user JWT + seed, as `nsc` writes it). The file is
    /// read when connecting; an unreadable or malformed file fails the connect.
    pub fn credentials_file(mut self, path: impl AsRef<Path>) -> Self {
        self.credentials = Some(CredentialsSource::File(path.as_ref().to_owned()));
        self
    }

    /// Authenticate with the contents of a `.creds` file.
    pub fn credentials(mut self, creds: &str) -> Self {
        self.credentials = Some(CredentialsSource::Text(Zeroizing::new(creds.to_owned())));
        self
    }
}

impl ConnectOptions {
    /// Authenticate with a user JWT and a custom signer of the server nonce (for seeds kept
    /// in an HSM or a vault). Use [`NkeySigner`](crate::NkeySigner) for a seed in memory.
    pub fn jwt(mut self, jwt: &str, signer: Arc<dyn NonceSigner>) -> Self {
        #[cfg(feature = "nkeys")]
        {
            self.credentials = None;
        }
        self.auth = Auth::Jwt {
            jwt: jwt.to_owned(),
            signer,
        };
        self
    }
}

#[cfg(feature = "tls")]
impl ConnectOptions {
    /// Trust the CA certificates in this PEM file instead of the system store. Can be
    /// called more than once; the files are checked when connecting.
    pub fn add_root_certificates(mut self, pem_file: impl AsRef<Path>) -> Self {
        self.tls
            .root_certificates
            .push(pem_file.as_ref().to_owned());
        self
    }

    /// Present this client certificate chain and private key (PEM files) to servers that
    /// verify clients (mutual TLS, server `tls { verify: true }`).
    pub fn add_client_certificate(
        mut self,
        cert_file: impl AsRef<Path>,
        key_file: impl AsRef<Path>,
    ) -> Self {
        self.tls.client_certificate =
            Some((cert_file.as_ref().to_owned(), key_file.as_ref().to_owned()));
        self
    }

    /// Use this rustls configuration as is (it replaces roots and client certificates set
    /// with the other methods). Build it with [`natbus::rustls`](crate::rustls) so the
    /// versions match.
    pub fn tls_client_config(mut self, config: Arc<ClientConfig>) -> Self {
        self.tls.custom = Some(config);
        self
    }

    /// Start TLS right after connecting, before the server's INFO. Only for servers
    /// configured with `tls { handshake_first: true }` (nats-server 2.10.4 and later);
    /// other servers wait for a plain-text client and the connect times out.
    pub fn tls_first(mut self) -> Self {
        self.tls.tls_first = true;
        self
    }
}
