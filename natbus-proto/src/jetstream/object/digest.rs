//! The digest of an object: `SHA-256=<base64url with padding of the 32-byte hash>`.
//!
//! Computed incrementally, one chunk at a time, so neither a put nor a get holds the
//! whole object to hash it.

use sha2::{Digest as _, Sha256};

use super::ObjectError;
use crate::jetstream::base64;

/// The algorithm prefix of every digest ADR-20 defines.
const PREFIX: &str = "SHA-256=";

/// An incremental SHA-256 of an object's data.
#[derive(Debug, Clone, Default)]
pub struct ObjectDigest {
    hasher: Sha256,
}

impl ObjectDigest {
    /// The digest of nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next chunk.
    pub fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
    }

    /// The digest as the description records it: `SHA-256=<base64url>`.
    pub fn finish(self) -> String {
        format!("{PREFIX}{}", base64::encode_url(&self.hasher.finalize()))
    }

    /// Checks the data hashed so far against the digest the description of object `name`
    /// records.
    ///
    /// # Errors
    /// [`ObjectError::InvalidDigest`] when `expected` is not a SHA-256 digest,
    /// [`ObjectError::DigestMismatch`] when the data hashes to something else.
    pub fn verify(self, name: &str, expected: &str) -> Result<(), ObjectError> {
        let wanted = parse(expected)?;
        let hash = self.hasher.finalize();
        if hash.as_slice() == wanted.as_slice() {
            Ok(())
        } else {
            Err(ObjectError::DigestMismatch {
                name: name.to_owned(),
                expected: expected.to_owned(),
                actual: format!("{PREFIX}{}", base64::encode_url(&hash)),
            })
        }
    }
}

/// The 32 hash bytes of `SHA-256=<base64url>` (the prefix in any case, as nats-py accepts).
fn parse(digest: &str) -> Result<[u8; 32], ObjectError> {
    let invalid = || ObjectError::InvalidDigest(digest.to_owned());
    let encoded = digest
        .get(..PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(PREFIX))
        .and_then(|_| digest.get(PREFIX.len()..))
        .ok_or_else(invalid)?;
    base64::decode_url(encoded)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_of(chunks: &[&[u8]]) -> ObjectDigest {
        let mut d = ObjectDigest::new();
        for c in chunks {
            d.update(c);
        }
        d
    }

    #[test]
    fn known_vectors() {
        // FIPS 180-2 examples, re-encoded as URL-safe base64 with padding.
        // SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad
        assert_eq!(
            digest_of(&[b"abc"]).finish(),
            "SHA-256=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0="
        );
        // SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c a495991b 7852b855
        assert_eq!(
            ObjectDigest::new().finish(),
            "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn chunking_does_not_change_the_digest() {
        let whole = digest_of(&[b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"]);
        let split = digest_of(&[
            b"abcdbcdecdefdefg",
            b"",
            b"efghfghighijhijkijkljklmklmnlmnomnopnopq",
        ]);
        // SHA-256 of the 448-bit FIPS message: 248d6a61 d20638b8 e5c02693 0c3e6039 a33ce459
        // 64ff2167 f6ecedd4 19db06c1
        assert_eq!(
            whole.clone().finish(),
            "SHA-256=JI1qYdIGOLjlwCaTDD5gOaM85Flk_yFn9uzt1BnbBsE="
        );
        assert_eq!(whole.finish(), split.finish());
    }

    #[test]
    fn verify_accepts_the_match_and_reports_the_rest() {
        let good = "SHA-256=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=";
        assert_eq!(digest_of(&[b"ab", b"c"]).verify("o", good), Ok(()));
        assert_eq!(
            digest_of(&[b"abc"]).verify("o", &good.replace("SHA-256", "sha-256")),
            Ok(())
        );
        assert_eq!(
            digest_of(&[b"abd"]).verify("o", good),
            Err(ObjectError::DigestMismatch {
                name: "o".into(),
                expected: good.into(),
                actual: "SHA-256=pS0VnyYrLG3bckphhAvvw26zDIiHekAwtly-himESck=".into(),
            })
        );
        for bad in [
            "",
            "SHA-256=",
            "MD5=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=",
            // Standard alphabet instead of URL-safe.
            "SHA-256=ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
            // 3 bytes, not 32.
            "SHA-256=YWJj",
            "SHA-2ü",
        ] {
            assert_eq!(
                digest_of(&[b"abc"]).verify("o", bad),
                Err(ObjectError::InvalidDigest(bad.into())),
                "{bad:?}"
            );
        }
    }
}
