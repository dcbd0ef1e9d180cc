//! The client's `CONNECT` JSON and the credentials that go into it.

use serde::{Deserialize, Serialize};

/// The JSON body of a `CONNECT` operation.
///
/// Empty credential fields are omitted, as the official clients do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ConnectInfo {
    /// Ask the server for `+OK` after every op; natbus always sends `false`.
    pub verbose: bool,
    /// Extra server-side checks; natbus validates locally and sends `false`.
    pub pedantic: bool,
    /// The client wants TLS.
    pub tls_required: bool,
    /// Token authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    /// User name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass: Option<String>,
    /// Public user nkey for plain nkey authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nkey: Option<String>,
    /// User JWT for JWT authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    /// base64url signature of the server nonce.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    /// Connection name, shown in server monitoring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Client language.
    pub lang: String,
    /// Client library version.
    pub version: String,
    /// Protocol level; `1` enables async INFO (cluster discovery, lame duck).
    pub protocol: u8,
    /// Deliver this connection's own publishes to its own subscriptions.
    pub echo: bool,
    /// The client supports headers.
    pub headers: bool,
    /// Ask for an immediate 503 status when a request has no responders.
    pub no_responders: bool,
}

/// Credentials a client presents in CONNECT.
///
/// nkey and JWT authentication need a signature over the server's nonce; the core stays free
/// of cryptography by asking the caller for a [`NonceSigner`].
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Auth {
    /// No credentials.
    #[default]
    None,
    /// User name and password.
    UserPassword {
        /// User name.
        user: String,
        /// Password.
        password: String,
    },
    /// A token.
    Token(String),
    /// A public nkey (`U…`) and a signer holding its seed.
    Nkey {
        /// The public user nkey.
        public_key: String,
        /// Signs the server nonce with the matching seed.
        signer: std::sync::Arc<dyn NonceSigner>,
    },
    /// A user JWT and a signer holding the user seed.
    Jwt {
        /// The user JWT, sent untouched.
        jwt: String,
        /// Signs the server nonce with the user seed.
        signer: std::sync::Arc<dyn NonceSigner>,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secrets.
        let kind = match self {
            Auth::None => "None",
            Auth::UserPassword { .. } => "UserPassword",
            Auth::Token(_) => "Token",
            Auth::Nkey { .. } => "Nkey",
            Auth::Jwt { .. } => "Jwt",
        };
        f.debug_tuple("Auth").field(&kind).finish()
    }
}

/// Signs the nonce a server sends in INFO, for nkey and JWT authentication.
pub trait NonceSigner: Send + Sync {
    /// Returns the base64url (no padding) ed25519 signature of `nonce`'s bytes.
    ///
    /// # Errors
    /// A message saying why signing failed (for example an invalid seed).
    fn sign(&self, nonce: &[u8]) -> Result<String, String>;
}

impl Auth {
    /// Fills the credential fields of `connect`, signing `nonce` when the method needs it.
    ///
    /// # Errors
    /// Returns the signer's message when nkey/JWT signing fails or the server sent no nonce.
    pub fn apply(&self, connect: &mut ConnectInfo, nonce: Option<&str>) -> Result<(), String> {
        match self {
            Auth::None => {}
            Auth::UserPassword { user, password } => {
                connect.user = Some(user.clone());
                connect.pass = Some(password.clone());
            }
            Auth::Token(token) => connect.auth_token = Some(token.clone()),
            Auth::Nkey { public_key, signer } => {
                let nonce = nonce.ok_or("server sent no nonce to sign for nkey auth")?;
                connect.nkey = Some(public_key.clone());
                connect.sig = Some(signer.sign(nonce.as_bytes())?);
            }
            Auth::Jwt { jwt, signer } => {
                let nonce = nonce.ok_or("server sent no nonce to sign for JWT auth")?;
                connect.jwt = Some(jwt.clone());
                connect.sig = Some(signer.sign(nonce.as_bytes())?);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omits_empty_credentials() {
        let c = ConnectInfo {
            lang: "rust".into(),
            version: "0.1.0".into(),
            protocol: 1,
            echo: true,
            headers: true,
            no_responders: true,
            ..Default::default()
        };
        let json = serde_json::to_string(&c).expect("serializable");
        assert!(!json.contains("user") && !json.contains("auth_token") && !json.contains("sig"));
        assert!(json.contains(r#""protocol":1"#) && json.contains(r#""no_responders":true"#));
    }

    struct Fixed;
    impl NonceSigner for Fixed {
        fn sign(&self, nonce: &[u8]) -> Result<String, String> {
            Ok(format!("signed-{}", String::from_utf8_lossy(nonce)))
        }
    }

    #[test]
    fn applies_each_auth_method() {
        let mut c = ConnectInfo::default();
        Auth::UserPassword {
            user: "u".into(),
            password: "p".into(),
        }
        .apply(&mut c, None)
        .expect("no signing");
        assert_eq!(
            (c.user.as_deref(), c.pass.as_deref()),
            (Some("u"), Some("p"))
        );

        let mut c = ConnectInfo::default();
        Auth::Token("t".into())
            .apply(&mut c, None)
            .expect("no signing");
        assert_eq!(c.auth_token.as_deref(), Some("t"));

        let mut c = ConnectInfo::default();
        let jwt = Auth::Jwt {
            jwt: "eyJ".into(),
            signer: std::sync::Arc::new(Fixed),
        };
        assert!(jwt.apply(&mut c, None).is_err(), "JWT needs a nonce");
        jwt.apply(&mut c, Some("abc")).expect("signed");
        assert_eq!(c.sig.as_deref(), Some("signed-abc"));
        assert_eq!(c.nkey, None, "JWT auth never sends nkey");
        assert!(
            !format!("{jwt:?}").contains("eyJ"),
            "debug output hides secrets"
        );
    }
}
