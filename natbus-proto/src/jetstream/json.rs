//! Serde helpers shared by the JetStream JSON types.
//!
//! The server's JSON is Go's `encoding/json`: nil slices and maps come back as `null`, zero
//! values are often omitted, and the server adds reserved `_nats.*` metadata keys. These
//! helpers keep each type's field attributes short and the rules in one place.

use crate::time::SystemTime;
use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer};

/// Prefix of the metadata keys the server reserves and fills in itself.
pub(crate) const RESERVED_METADATA_PREFIX: &str = "_nats.";

/// `skip_serializing_if` for booleans the server treats as false when absent.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// `skip_serializing_if` for integers whose zero value means "not set".
pub(crate) fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}

/// `skip_serializing_if` for durations whose zero value means "not set".
pub(crate) fn is_zero_duration(d: &Duration) -> bool {
    d.is_zero()
}

/// `skip_serializing_if` for limits where -1 means "unlimited" (the server's default).
pub(crate) fn is_unlimited<T: PartialEq + From<i8>>(n: &T) -> bool {
    *n == T::from(-1)
}

/// Serde default for limits where -1 means "unlimited".
pub(crate) fn unlimited<T: From<i8>>() -> T {
    T::from(-1)
}

/// Deserializes `null` (Go's nil slice or map) as the type's default.
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Serializes metadata without the server-reserved `_nats.*` keys, which must never be sent.
pub(crate) fn serialize_metadata<S: Serializer>(
    map: &BTreeMap<String, String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(
        map.iter()
            .filter(|(k, _)| !k.starts_with(RESERVED_METADATA_PREFIX)),
    )
}

/// `skip_serializing_if` for metadata: skip when nothing but reserved keys is left.
pub(crate) fn metadata_is_empty(map: &BTreeMap<String, String>) -> bool {
    map.keys().all(|k| k.starts_with(RESERVED_METADATA_PREFIX))
}

/// The metadata without the reserved `_nats.*` keys, for comparing configs.
pub(crate) fn user_metadata(map: &BTreeMap<String, String>) -> BTreeMap<&str, &str> {
    map.iter()
        .filter(|(k, _)| !k.starts_with(RESERVED_METADATA_PREFIX))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// `Option<SystemTime>` as an RFC 3339 string; absent or `null` is `None`.
pub(crate) mod rfc3339_opt {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<SystemTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => crate::time::rfc3339::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SystemTime>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(s) => crate::time::parse_rfc3339(&s)
                .map(Some)
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

/// As [`rfc3339_opt`], but the server's zero time (`0001-01-01T00:00:00Z`, Go's "never")
/// is `None` too.
pub(crate) mod rfc3339_nonzero_opt {
    use super::*;

    pub(crate) use super::rfc3339_opt::serialize;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SystemTime>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(s) if s.starts_with("0001-01-01T00:00:00") => Ok(None),
            Some(s) => crate::time::parse_rfc3339(&s)
                .map(Some)
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

/// `Vec<Duration>` as a list of integer nanoseconds (consumer `backoff`); `null` is empty.
pub(crate) mod nanos_vec {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &[Duration], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|d| crate::time::saturating_nanos(*d)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
        let v: Option<Vec<i64>> = Option::deserialize(d)?;
        Ok(v.unwrap_or_default()
            .into_iter()
            .map(|n| Duration::from_nanos(n.max(0).unsigned_abs()))
            .collect())
    }
}

/// Standard base64 (with padding) byte strings, as the server sends `hdrs` and `data`.
pub(crate) mod base64_bytes {
    use super::*;
    use bytes::Bytes;

    pub(crate) fn serialize<S: Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::jetstream::base64::encode(b))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        let s = Option::<String>::deserialize(d)?.unwrap_or_default();
        crate::jetstream::base64::decode(&s)
            .map(Bytes::from)
            .map_err(serde::de::Error::custom)
    }
}

/// `Option<Bytes>` as standard base64; absent or `null` is `None`.
pub(crate) mod base64_bytes_opt {
    use super::*;
    use bytes::Bytes;

    pub(crate) fn serialize<S: Serializer>(b: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
        match b {
            Some(b) => base64_bytes::serialize(b, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Bytes>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(s) => crate::jetstream::base64::decode(&s)
                .map(|v| Some(Bytes::from(v)))
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}
