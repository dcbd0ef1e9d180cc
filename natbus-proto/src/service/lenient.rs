//! Serde pieces that let the discovery schemas read what every implementation writes.
//!
//! Writers differ (ADR-32 §4): Go sends `""` and `null` where nats-py sends `null` and
//! async-nats leaves fields out, and ADR-32 itself describes `last_error` as an object while
//! every client sends a string. These helpers map all of those to one Rust value, and check
//! the `type` string so a reply of the wrong kind is reported instead of half-parsed.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Reads `null` (and, with `#[serde(default)]`, a missing field) as the type's default.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Reads `last_error` as written by Go, Rust and Python (a string, `""` when none), by
/// nats-py before the first error (`null`), or as the ADR's object
/// `{"code": 400, "description": "…"}`, which becomes `"400:…"`.
pub(crate) fn last_error<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s),
        Some(Value::Object(obj)) => {
            let code = match obj.get("code") {
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::String(s)) => s.clone(),
                _ => String::new(),
            };
            let description = obj
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Ok(format!("{code}:{description}"))
        }
        Some(other) => Err(D::Error::custom(format!(
            "last_error must be a string, null or an error object, got {other}"
        ))),
    }
}

/// Declares a zero-sized marker that serializes as a fixed `type` string and only
/// deserializes from that string.
macro_rules! type_tag {
    ($tag:ident, $name:expr) => {
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub(crate) struct $tag;

        impl Serialize for $tag {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($name)
            }
        }

        impl<'de> Deserialize<'de> for $tag {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let got = String::deserialize(d)?;
                if got == $name {
                    Ok($tag)
                } else {
                    Err(D::Error::custom(format!(
                        "expected type {:?}, got {:?}",
                        $name, got
                    )))
                }
            }
        }
    };
}

type_tag!(PingTag, super::schema::PING_RESPONSE_TYPE);
type_tag!(InfoTag, super::schema::INFO_RESPONSE_TYPE);
type_tag!(StatsTag, super::schema::STATS_RESPONSE_TYPE);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "last_error")]
        last_error: String,
        #[serde(default, deserialize_with = "null_as_default")]
        list: Vec<u8>,
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).expect("test input is valid")
    }

    #[test]
    fn last_error_shapes() {
        assert_eq!(probe(r#"{"last_error":"400:bad"}"#).last_error, "400:bad");
        assert_eq!(probe(r#"{"last_error":null}"#).last_error, "");
        assert_eq!(probe("{}").last_error, "");
        assert_eq!(
            probe(r#"{"last_error":{"code":503,"description":"busy"}}"#).last_error,
            "503:busy"
        );
        assert!(serde_json::from_str::<Probe>(r#"{"last_error":7}"#).is_err());
    }

    #[test]
    fn null_and_missing_become_default() {
        assert_eq!(probe(r#"{"list":null}"#).list, Vec::<u8>::new());
        assert_eq!(probe("{}").list, Vec::<u8>::new());
        assert_eq!(probe(r#"{"list":[1,2]}"#).list, vec![1, 2]);
    }

    #[test]
    fn type_tags_check_the_string() {
        assert_eq!(
            serde_json::to_string(&PingTag).expect("a string always serializes"),
            r#""io.nats.micro.v1.ping_response""#
        );
        assert!(serde_json::from_str::<PingTag>(r#""io.nats.micro.v1.ping_response""#).is_ok());
        let err = serde_json::from_str::<InfoTag>(r#""io.nats.micro.v1.ping_response""#)
            .expect_err("a ping type is not an info type");
        assert!(
            err.to_string().contains("io.nats.micro.v1.info_response"),
            "{err}"
        );
    }
}
