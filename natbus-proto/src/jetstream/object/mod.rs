//! Object stores (ADR-20) as a layout over a stream, without IO.
//!
//! Bucket `B` is stream `OBJ_B`. An object is split into chunks published to
//! `$O.B.C.<nuid>` (a fresh NUID per put, so a new version never mixes with the old one),
//! then described by one [`ObjectInfo`] JSON message on `$O.B.M.<base64url(name)>`,
//! published with `Nats-Rollup: sub` so only the newest description is kept. Reading is
//! "last message on the meta subject, then every message on the chunk subject", checked
//! against the size and the SHA-256 [`ObjectDigest`] the description records. A link is a
//! description with `options.link` and no chunks ([`ObjectInfo::new_link`],
//! [`ObjectInfo::read_from`]); an update or rename rewrites only the description
//! ([`ObjectInfo::with_meta`]). This module maps configs, names, subjects, JSON and these
//! rules; the `natbus` crate does the requests.
//!
//! ```
//! use natbus_proto::jetstream::object::{self, ObjectDigest};
//!
//! assert_eq!(object::stream_name("files"), "OBJ_files");
//! assert_eq!(object::meta_subject("files", "a/b.txt")?, "$O.files.M.YS9iLnR4dA==");
//! let mut digest = ObjectDigest::new();
//! digest.update(b"abc");
//! assert_eq!(digest.finish(), "SHA-256=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=");
//! # Ok::<(), object::ObjectError>(())
//! ```

use crate::jetstream::api::ApiPrefix;
use crate::jetstream::base64;
use crate::jetstream::kv::{is_bucket_name, publish_subject};
use crate::jetstream::publish::{NATS_ROLLUP, ROLLUP_SUBJECT};

mod config;
mod digest;
mod info;
mod link;
mod update;

pub use config::{ObjectStoreConfig, ObjectStoreStatus};
pub use digest::ObjectDigest;
pub use info::{ObjectInfo, ObjectLink, ObjectMeta, ObjectOptions};
pub use link::{ReadFrom, check_link_name};
pub use update::check_rename;

/// Stream name prefix of object stores.
pub const STREAM_PREFIX: &str = "OBJ_";
/// Chunk size of a put when the object's meta does not set one (as nats.go and nats-py).
pub const DEFAULT_CHUNK_SIZE: u32 = 128 * 1024;

/// A bucket, name or stored description problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectError {
    /// Bucket names are `[A-Za-z0-9_-]+`.
    #[error("invalid object store bucket name '{0}': use letters, digits, '_' and '-'")]
    InvalidBucket(String),
    /// Object names are any non-empty UTF-8 text.
    #[error("invalid object name: an object name must not be empty")]
    EmptyName,
    /// A chunk size of zero.
    #[error("invalid chunk size 0: an object is stored in chunks of at least one byte")]
    ZeroChunkSize,
    /// The stored description is not the JSON of ADR-20.
    #[error("invalid object description: {0}")]
    InvalidInfo(String),
    /// A digest that is not `SHA-256=<base64url>` of 32 bytes.
    #[error("unsupported or malformed object digest '{0}': expected SHA-256=<base64url>")]
    InvalidDigest(String),
    /// The data read back does not hash to the recorded digest.
    #[error(
        "object '{name}' is corrupt: its data hashes to {actual}, the store recorded {expected}"
    )]
    DigestMismatch {
        /// The object's name.
        name: String,
        /// The digest in the description.
        expected: String,
        /// The digest of the data read.
        actual: String,
    },
    /// The data read back is not as long as recorded.
    #[error("object '{name}' is corrupt: read {actual} bytes, the store recorded {expected}")]
    SizeMismatch {
        /// The object's name.
        name: String,
        /// The size in the description.
        expected: u64,
        /// The bytes read.
        actual: u64,
    },
    /// A link's target is itself a link: a get follows one link only, as ADR-20 asks.
    #[error(
        "object '{name}' is a link to '{target}', which is itself a link: links to links are not allowed"
    )]
    LinkToLink {
        /// The name asked for (the link, or the object a new link was to point to).
        name: String,
        /// `bucket/name` of the link it points to.
        target: String,
    },
    /// A get of a link to a whole bucket, which has no data of its own.
    #[error(
        "object '{name}' is a link to the whole object store '{bucket}': open that store to read its objects"
    )]
    BucketLink {
        /// The link's name.
        name: String,
        /// The linked bucket.
        bucket: String,
    },
    /// A link to an object that was deleted.
    #[error("cannot link to object '{name}' in '{bucket}': it was deleted")]
    LinkToDeleted {
        /// The bucket of the deleted object.
        bucket: String,
        /// The deleted object's name.
        name: String,
    },
    /// The name is taken by an object that a link or rename must not replace.
    #[error("object '{name}' already exists: delete it first or choose another name")]
    NameInUse {
        /// The name.
        name: String,
    },
}

/// Checks a bucket name (the same alphabet as key-value buckets).
///
/// # Errors
/// [`ObjectError::InvalidBucket`].
pub fn validate_bucket(bucket: &str) -> Result<(), ObjectError> {
    if is_bucket_name(bucket) {
        Ok(())
    } else {
        Err(ObjectError::InvalidBucket(bucket.to_owned()))
    }
}

/// Checks an object name: any non-empty UTF-8 (it is base64-encoded into the subject).
///
/// # Errors
/// [`ObjectError::EmptyName`].
pub fn validate_name(name: &str) -> Result<(), ObjectError> {
    if name.is_empty() {
        Err(ObjectError::EmptyName)
    } else {
        Ok(())
    }
}

/// The stream of a bucket: `OBJ_<bucket>`.
pub fn stream_name(bucket: &str) -> String {
    format!("{STREAM_PREFIX}{bucket}")
}

/// The chunk subject of one put of an object: `$O.<bucket>.C.<nuid>`.
pub fn chunk_subject(bucket: &str, nuid: &str) -> String {
    format!("$O.{bucket}.C.{nuid}")
}

/// The meta subject of an object: `$O.<bucket>.M.<base64url with padding of the name>`.
///
/// # Errors
/// [`ObjectError::EmptyName`].
pub fn meta_subject(bucket: &str, name: &str) -> Result<String, ObjectError> {
    validate_name(name)?;
    Ok(format!(
        "$O.{bucket}.M.{}",
        base64::encode_url(name.as_bytes())
    ))
}

/// Every meta subject of a bucket, `$O.<bucket>.M.>`: what a listing reads.
pub fn all_meta_subjects(bucket: &str) -> String {
    format!("$O.{bucket}.M.>")
}

/// Every chunk subject of a bucket, `$O.<bucket>.C.>`.
pub fn all_chunk_subjects(bucket: &str) -> String {
    format!("$O.{bucket}.C.>")
}

/// The object name of a meta subject, or `None` when the subject is not one of `bucket`'s.
pub fn name_from_meta_subject(bucket: &str, subject: &str) -> Option<String> {
    let encoded = subject
        .strip_prefix("$O.")?
        .strip_prefix(bucket)?
        .strip_prefix(".M.")?;
    String::from_utf8(base64::decode_url(encoded).ok()?)
        .ok()
        .filter(|n| !n.is_empty())
}

/// Where to publish to a stored subject ([`chunk_subject`], [`meta_subject`]): the subject,
/// prefixed with the API prefix when it is not the default, as key-value puts are.
pub fn publish_to(prefix: &ApiPrefix, subject: String) -> String {
    publish_subject(prefix, subject)
}

/// Headers of a description: `Nats-Rollup: sub`, so the stream keeps only the newest
/// description of each object.
pub fn meta_headers() -> Vec<(&'static str, String)> {
    vec![(NATS_ROLLUP, ROLLUP_SUBJECT.to_owned())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_and_object_names() {
        assert_eq!(validate_bucket("files_1-a"), Ok(()));
        for bad in ["", "a.b", "a b", "a*", "ü", "a>"] {
            assert_eq!(
                validate_bucket(bad),
                Err(ObjectError::InvalidBucket(bad.to_owned()))
            );
        }
        for good in ["a", "a b", "dir/file.txt", ".hidden", "ü", "*>"] {
            assert_eq!(validate_name(good), Ok(()), "{good:?}");
        }
        assert_eq!(validate_name(""), Err(ObjectError::EmptyName));
    }

    #[test]
    fn subjects() -> Result<(), ObjectError> {
        assert_eq!(stream_name("files"), "OBJ_files");
        assert_eq!(meta_headers(), vec![("Nats-Rollup", "sub".to_owned())]);
        assert_eq!(chunk_subject("files", "N1"), "$O.files.C.N1");
        assert_eq!(all_chunk_subjects("files"), "$O.files.C.>");
        assert_eq!(all_meta_subjects("files"), "$O.files.M.>");
        // Padding is kept ("=" is valid in a subject token) and the URL-safe letters used.
        assert_eq!(meta_subject("files", "a")?, "$O.files.M.YQ==");
        assert_eq!(meta_subject("files", "??>")?, "$O.files.M.Pz8-");
        assert_eq!(meta_subject("files", "?>?")?, "$O.files.M.Pz4_");
        assert_eq!(meta_subject("files", ""), Err(ObjectError::EmptyName));
        let meta = meta_subject("files", "x")?;
        assert_eq!(publish_to(&ApiPrefix::new(), meta.clone()), meta);
        assert_eq!(
            publish_to(&ApiPrefix::domain("hub"), meta),
            "$JS.hub.API.$O.files.M.eA=="
        );
        Ok(())
    }

    #[test]
    fn names_round_trip_through_meta_subjects() -> Result<(), ObjectError> {
        for name in [
            "a",
            "dir/sub dir/file name.txt",
            "ünïcødé ✓ 名前",
            "with.dots.and>wild*cards",
            "ends with space ",
            "\u{0}nul",
        ] {
            let subject = meta_subject("b", name)?;
            // Every encoded name is one subject token without whitespace.
            let token = subject.trim_start_matches("$O.b.M.");
            assert!(!token.contains(['.', ' ', '*', '>', '/', '+']), "{subject}");
            assert_eq!(name_from_meta_subject("b", &subject).as_deref(), Some(name));
        }
        assert_eq!(name_from_meta_subject("c", "$O.b.M.YQ=="), None);
        assert_eq!(name_from_meta_subject("b", "$O.b.C.YQ=="), None);
        assert_eq!(name_from_meta_subject("b", "$O.b.M.!!"), None);
        assert_eq!(name_from_meta_subject("b", "$O.b.M."), None);
        Ok(())
    }

    mod proptests {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_name_round_trips(name in "\\PC{1,40}") {
                let subject = meta_subject("b", &name).expect("non-empty");
                prop_assert_eq!(name_from_meta_subject("b", &subject), Some(name));
            }
        }
    }
}
