//! Turning a context into connect options, with the `nats` tool's precedence: user and
//! password, else a creds file, else an nkey seed file; a token when there is no user.

#[cfg(any(feature = "nkeys", feature = "tls"))]
use super::expand::expand_path_from_env;
use super::{Context, ContextError};
use crate::ConnectOptions;

impl Context {
    /// `options` with this context's settings applied: its servers are added, its
    /// credentials, TLS files, inbox prefix and JetStream prefix replace the options' own.
    ///
    /// # Errors
    /// As [`Context::connect_options`].
    pub fn apply(&self, mut options: ConnectOptions) -> Result<ConnectOptions, ContextError> {
        if self.socks_proxy.is_some() {
            return Err(self.unsupported(
                "a SOCKS proxy (socks_proxy)",
                "natbus does not support; connect directly or through a WebSocket URL",
            ));
        }
        if self.nsc.is_some() {
            return Err(self.unsupported(
                "an nsc lookup (nsc)",
                "natbus does not run; export a creds file with `nsc generate creds` and set creds",
            ));
        }
        options = options.server(self.server_url());
        options = self.apply_auth(options)?;
        options = self.apply_tls(options)?;
        if let Some(prefix) = &self.inbox_prefix {
            options = options.inbox_prefix(prefix);
        }
        #[cfg(feature = "jetstream")]
        {
            if let Some(domain) = &self.jetstream_domain {
                options = options.jetstream_domain(domain);
            }
            if let Some(prefix) = &self.jetstream_api_prefix {
                options = options.jetstream_api_prefix(prefix);
            }
        }
        Ok(options)
    }

    fn apply_auth(&self, mut options: ConnectOptions) -> Result<ConnectOptions, ContextError> {
        if self.user_jwt.is_some() && self.nkey.is_none() {
            return Err(self.invalid("user_jwt needs nkey, the seed file that signs for it"));
        }
        if let Some(user) = &self.user {
            options = options.user_password(user, self.password.as_deref().unwrap_or(""));
        } else if let Some(token) = &self.token {
            options = options.token(token);
        }
        if self.user.is_some() {
            return Ok(options);
        }
        #[cfg(feature = "nkeys")]
        {
            use crate::auth::CredentialsSource;
            if let Some(creds) = &self.creds {
                options = options.credentials_file(expand_path_from_env(creds));
            } else if let Some(nkey) = &self.nkey {
                options.credentials = Some(CredentialsSource::NkeyFile {
                    path: expand_path_from_env(nkey),
                    jwt: self.user_jwt.clone(),
                });
            }
        }
        #[cfg(not(feature = "nkeys"))]
        if self.creds.is_some() || self.nkey.is_some() {
            return Err(self.unsupported("creds or nkey", "needs natbus's 'nkeys' Cargo feature"));
        }
        Ok(options)
    }

    #[cfg_attr(not(feature = "tls"), allow(unused_mut))]
    fn apply_tls(&self, mut options: ConnectOptions) -> Result<ConnectOptions, ContextError> {
        if self.cert.is_some() != self.key.is_some() {
            return Err(self.invalid("cert and key go together: set both or neither"));
        }
        #[cfg(feature = "tls")]
        {
            if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
                options = options
                    .add_client_certificate(expand_path_from_env(cert), expand_path_from_env(key));
            }
            if let Some(ca) = &self.ca {
                options = options.add_root_certificates(expand_path_from_env(ca));
            }
            if self.tls_first {
                options = options.tls_first();
            }
        }
        #[cfg(not(feature = "tls"))]
        if self.cert.is_some() || self.ca.is_some() || self.tls_first {
            return Err(self.unsupported(
                "TLS settings (cert, key, ca or tls_first)",
                "needs natbus's 'tls' Cargo feature",
            ));
        }
        Ok(options)
    }

    fn unsupported(&self, what: &'static str, why: &'static str) -> ContextError {
        ContextError::Unsupported {
            context: self.describe(),
            what,
            why,
        }
    }

    fn invalid(&self, problem: &'static str) -> ContextError {
        ContextError::Invalid {
            context: self.describe(),
            problem,
        }
    }
}
