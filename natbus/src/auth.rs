//! nkey and JWT credentials: the nonce signer over an nkey seed, and `.creds` files.
//!
//! The cryptography (nkey decoding, ed25519) is the `nkeys` crate's; natbus only reads the
//! creds file format and base64url-encodes the signature. Seeds live in memory that is wiped
//! when dropped (`zeroize`) and never appear in `Debug` output.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use natbus_proto::connect::{Auth, NonceSigner};
use zeroize::Zeroizing;

/// Why nkey or JWT credentials could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The seed is not a valid nkey seed (`SU…`, 58 characters).
    #[error("invalid nkey seed: {0} (expected a user seed starting with 'SU')")]
    InvalidSeed(String),
    /// The credentials file could not be read.
    #[error("cannot read credentials file '{path}': {reason}")]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The IO error.
        reason: String,
    },
    /// The credentials text holds no user JWT or no seed.
    #[error(
        "invalid credentials: {0}; expected a '-----BEGIN NATS USER JWT-----' block followed by a '-----BEGIN USER NKEY SEED-----' block"
    )]
    Malformed(&'static str),
    /// An nkey seed file holds no line that looks like a user seed.
    #[error("no user nkey seed (a line starting with SU) in '{}'", path.display())]
    NoSeed {
        /// The file.
        path: PathBuf,
    },
}

/// Signs server nonces with an nkey seed: plain nkey auth, or the seed half of a JWT.
///
/// ```
/// # fn demo(seed: &str) -> Result<(), natbus::CredentialsError> {
/// let signer = natbus::NkeySigner::from_seed(seed)?;
/// println!("connecting as {}", signer.public_key());
/// # Ok(()) }
/// ```
pub struct NkeySigner {
    key: nkeys::KeyPair,
}

impl NkeySigner {
    /// A signer for `seed` (the `SU…` string `nsc` or `nk -gen user` prints).
    ///
    /// # Errors
    /// [`CredentialsError::InvalidSeed`] when `seed` does not decode.
    pub fn from_seed(seed: &str) -> Result<Self, CredentialsError> {
        let key = nkeys::KeyPair::from_seed(seed.trim())
            .map_err(|e| CredentialsError::InvalidSeed(e.to_string()))?;
        Ok(NkeySigner { key })
    }

    /// The public key (`U…`) that the server knows this user by.
    pub fn public_key(&self) -> String {
        self.key.public_key()
    }
}

impl fmt::Debug for NkeySigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NkeySigner")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

impl NonceSigner for NkeySigner {
    fn sign(&self, nonce: &[u8]) -> Result<String, String> {
        let sig = self
            .key
            .sign(nonce)
            .map_err(|e| format!("signing the server nonce failed: {e}"))?;
        Ok(base64url(&sig))
    }
}

/// base64url without padding, from the standard alphabet the proto crate already encodes.
fn base64url(bytes: &[u8]) -> String {
    natbus_proto::jetstream::base64::encode(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// Where the credentials come from; resolved when connecting, so a bad file is a connect
/// error that names it.
#[derive(Clone)]
pub(crate) enum CredentialsSource {
    /// A user nkey seed.
    Nkey(Zeroizing<String>),
    /// A `.creds` file.
    File(PathBuf),
    /// A file holding a user nkey seed (as the `nats` tool's `--nkey` and contexts name
    /// it), with the user JWT the seed signs for when there is one.
    NkeyFile {
        /// The seed file.
        path: PathBuf,
        /// A user JWT to present with the seed's signature (JWT authentication).
        jwt: Option<String>,
    },
    /// The contents of a `.creds` file.
    Text(Zeroizing<String>),
}

impl fmt::Debug for CredentialsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print a seed.
        match self {
            CredentialsSource::Nkey(_) => f.write_str("Nkey(<seed>)"),
            CredentialsSource::File(path) => f.debug_tuple("File").field(path).finish(),
            CredentialsSource::NkeyFile { path, jwt } => f
                .debug_struct("NkeyFile")
                .field("path", path)
                .field("jwt", &jwt.is_some())
                .finish(),
            CredentialsSource::Text(_) => f.write_str("Text(<credentials>)"),
        }
    }
}

impl CredentialsSource {
    /// The CONNECT credentials these stand for.
    pub(crate) fn resolve(&self) -> Result<Auth, CredentialsError> {
        let text = match self {
            CredentialsSource::Nkey(seed) => {
                let signer = NkeySigner::from_seed(seed)?;
                return Ok(Auth::Nkey {
                    public_key: signer.public_key(),
                    signer: Arc::new(signer),
                });
            }
            CredentialsSource::File(path) => read_secret_file(path)?,
            CredentialsSource::NkeyFile { path, jwt } => {
                let text = read_secret_file(path)?;
                let seed = text
                    .lines()
                    .map(str::trim)
                    .find(|line| line.starts_with("SU"))
                    .ok_or_else(|| CredentialsError::NoSeed { path: path.clone() })?;
                let signer = NkeySigner::from_seed(seed)?;
                return Ok(match jwt {
                    Some(jwt) => Auth::Jwt {
                        jwt: jwt.clone(),
                        signer: Arc::new(signer),
                    },
                    None => Auth::Nkey {
                        public_key: signer.public_key(),
                        signer: Arc::new(signer),
                    },
                });
            }
            CredentialsSource::Text(text) => text.clone(),
        };
        let (jwt, seed) = parse_credentials(&text)?;
        Ok(Auth::Jwt {
            jwt,
            signer: Arc::new(NkeySigner::from_seed(&seed)?),
        })
    }
}

/// The text of a file holding a secret, wiped from memory when dropped.
fn read_secret_file(path: &Path) -> Result<Zeroizing<String>, CredentialsError> {
    std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|e| CredentialsError::ReadFile {
            path: path.to_owned(),
            reason: e.to_string(),
        })
}

/// Splits a creds file into the user JWT and the seed.
///
/// Blocks are delimited by lines of three or more dashes on both sides of a label; the first
/// non-empty line after an opening delimiter is the value. Without a second block, the
/// first line starting with `SU` is the seed (as the nkeys tools accept).
fn parse_credentials(text: &str) -> Result<(String, Zeroizing<String>), CredentialsError> {
    let is_delimiter = |line: &str| {
        let t = line.trim();
        t.len() >= 6 && t.starts_with("---") && t.ends_with("---")
    };
    let mut values = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if is_delimiter(line) && !line.contains("END") {
            let value = lines.by_ref().map(str::trim).find(|l| !l.is_empty());
            if let Some(value) = value.filter(|v| !is_delimiter(v)) {
                values.push(value);
            }
        }
    }
    let jwt = values
        .first()
        .ok_or(CredentialsError::Malformed("no user JWT block"))?;
    let seed = values
        .get(1)
        .copied()
        .or_else(|| text.lines().map(str::trim).find(|l| l.starts_with("SU")))
        .ok_or(CredentialsError::Malformed("no nkey seed block"))?;
    Ok(((*jwt).to_owned(), Zeroizing::new(seed.to_owned())))
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
