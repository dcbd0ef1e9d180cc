//! What describes an object: the [`ObjectMeta`] a put is given, and the [`ObjectInfo`]
//! stored as JSON on the object's meta subject.

use crate::time::SystemTime;
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::{DEFAULT_CHUNK_SIZE, ObjectError, validate_name};
use crate::jetstream::json::{is_false, null_default};

/// What a put is given besides the data: the object's name and optional description.
/// A `&str` or `String` converts into a meta with just the name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectMeta {
    /// The object's name: any non-empty UTF-8.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Headers kept with the object (`name → values`), as NATS headers are.
    pub headers: BTreeMap<String, Vec<String>>,
    /// User metadata.
    pub metadata: BTreeMap<String, String>,
    /// Chunk size of the put (default [`DEFAULT_CHUNK_SIZE`], 128 KiB).
    pub max_chunk_size: Option<u32>,
}

impl ObjectMeta {
    /// A meta with just a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds a header value.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .entry(name.into())
            .or_default()
            .push(value.into());
        self
    }

    /// Sets a metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Sets the chunk size: bigger chunks mean fewer messages, but each must fit the
    /// server's `max_payload`, and a put buffers a few chunks at once.
    pub fn chunk_size(mut self, bytes: u32) -> Self {
        self.max_chunk_size = Some(bytes);
        self
    }

    /// The chunk size a put uses, after checking the name.
    ///
    /// # Errors
    /// [`ObjectError::EmptyName`], [`ObjectError::ZeroChunkSize`].
    pub fn validated_chunk_size(&self) -> Result<u32, ObjectError> {
        validate_name(&self.name)?;
        match self.max_chunk_size.unwrap_or(DEFAULT_CHUNK_SIZE) {
            0 => Err(ObjectError::ZeroChunkSize),
            n => Ok(n),
        }
    }
}

impl From<&str> for ObjectMeta {
    fn from(name: &str) -> Self {
        Self::new(name)
    }
}

impl From<String> for ObjectMeta {
    fn from(name: String) -> Self {
        Self::new(name)
    }
}

/// Where a link points: another bucket, or one object in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectLink {
    /// The other bucket.
    pub bucket: String,
    /// The object in it (`None` links the whole bucket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Options recorded with an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectOptions {
    /// Set when the object is a link to another object or bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<ObjectLink>,
    /// The chunk size the object was written with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chunk_size: Option<u32>,
}

/// The description of an object, as stored on its meta subject (the JSON of ADR-20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ObjectInfo {
    /// The object's name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Headers kept with the object.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "headers"
    )]
    pub headers: BTreeMap<String, Vec<String>>,
    /// User metadata.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_default"
    )]
    pub metadata: BTreeMap<String, String>,
    /// Link and chunk size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<ObjectOptions>,
    /// The bucket.
    pub bucket: String,
    /// The NUID of the put: chunks are on `$O.<bucket>.C.<nuid>`.
    #[serde(default, deserialize_with = "null_default")]
    pub nuid: String,
    /// Bytes of data.
    #[serde(default, deserialize_with = "null_default")]
    pub size: u64,
    /// When the description was stored: the meta message's timestamp. Clients write
    /// different things into the JSON's `mtime` (nats.go the zero time), so it is only
    /// written, never read.
    #[serde(
        serialize_with = "crate::time::rfc3339::serialize",
        skip_deserializing,
        default = "unix_epoch"
    )]
    pub mtime: SystemTime,
    /// Number of chunks.
    #[serde(default, deserialize_with = "null_default")]
    pub chunks: u32,
    /// `SHA-256=<base64url>` of the data (empty for deleted objects).
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub digest: String,
    /// Whether this describes a deleted object.
    #[serde(
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "null_default"
    )]
    pub deleted: bool,
}

fn unix_epoch() -> SystemTime {
    SystemTime::UNIX_EPOCH
}

/// Header values as lists (nats.go), also accepting a single string per name, which
/// clients that pass a plain dict (nats-py) may write.
fn headers<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Values {
        Many(Vec<String>),
        One(String),
    }
    let map: Option<BTreeMap<String, Values>> = Option::deserialize(d)?;
    Ok(map
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| match v {
            Values::Many(v) => (k, v),
            Values::One(v) => (k, vec![v]),
        })
        .collect())
}

impl ObjectInfo {
    /// The description a put writes, before its data is counted: the put then sets
    /// `size`, `chunks` and `digest` once all chunks are stored.
    pub fn new(bucket: &str, nuid: String, meta: ObjectMeta, chunk_size: u32) -> Self {
        Self {
            name: meta.name,
            description: meta.description,
            headers: meta.headers,
            metadata: meta.metadata,
            options: Some(ObjectOptions {
                link: None,
                max_chunk_size: Some(chunk_size),
            }),
            bucket: bucket.to_owned(),
            nuid,
            size: 0,
            mtime: SystemTime::UNIX_EPOCH,
            chunks: 0,
            digest: String::new(),
            deleted: false,
        }
    }

    /// The description a delete writes: the same object, marked deleted, with no data.
    pub fn to_deleted(&self, mtime: SystemTime) -> Self {
        Self {
            size: 0,
            chunks: 0,
            digest: String::new(),
            deleted: true,
            mtime,
            ..self.clone()
        }
    }

    /// Parses a stored description; `stored_at` is the meta message's timestamp.
    ///
    /// # Errors
    /// [`ObjectError::InvalidInfo`] when the payload is not the JSON of ADR-20.
    pub fn from_meta_message(payload: &[u8], stored_at: SystemTime) -> Result<Self, ObjectError> {
        let mut info: Self =
            serde_json::from_slice(payload).map_err(|e| ObjectError::InvalidInfo(e.to_string()))?;
        info.mtime = stored_at;
        Ok(info)
    }

    /// The JSON published to the meta subject.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self)
            .expect("an ObjectInfo is strings, numbers and string-keyed maps: always JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn info_json_has_the_adr_field_names() {
        let meta = ObjectMeta::new("a/b.txt")
            .description("doc")
            .header("Content-Type", "text/plain")
            .metadata("owner", "ops");
        let mut info = ObjectInfo::new("files", "N1".into(), meta, 1024);
        (info.size, info.chunks, info.digest) = (5, 1, "SHA-256=x".into());
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&info.to_json()).expect("json"),
            json!({"name":"a/b.txt","description":"doc","headers":{"Content-Type":["text/plain"]},
                   "metadata":{"owner":"ops"},"options":{"max_chunk_size":1024},"bucket":"files",
                   "nuid":"N1","size":5,"mtime":"1970-01-01T00:00:00Z","chunks":1,
                   "digest":"SHA-256=x"})
        );
        let deleted = info.to_deleted(at(60));
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&deleted.to_json()).expect("json")["deleted"],
            json!(true)
        );
        assert_eq!(
            (deleted.size, deleted.chunks, deleted.digest.as_str()),
            (0, 0, "")
        );
        assert_eq!(deleted.nuid, "N1");
    }

    #[test]
    fn parses_what_nats_py_and_nats_go_write() -> Result<(), ObjectError> {
        // nats-py 2.16.0 writes nulls and its own mtime; the message time wins.
        let py = br#"{"name":"f","bucket":"b","nuid":"N","size":3,"mtime":"2025-01-01T00:00:00+00:00","chunks":1,"digest":"SHA-256=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=","deleted":false,"description":null,"headers":{"k":"v"},"options":{"link":null,"max_chunk_size":131072}}"#;
        let info = ObjectInfo::from_meta_message(py, at(7))?;
        assert_eq!((info.size, info.chunks, info.mtime), (3, 1, at(7)));
        assert_eq!(info.headers["k"], vec!["v".to_owned()]);
        assert_eq!(info.description, None);
        assert_eq!(info.link(), None);
        // nats.go: the zero mtime, deleted omitted, headers as lists, a link.
        let go = br#"{"name":"l","options":{"link":{"bucket":"other","name":"x"}},"bucket":"b","nuid":"","size":0,"mtime":"0001-01-01T00:00:00Z","chunks":0,"headers":{"k":["1","2"]}}"#;
        let link = ObjectInfo::from_meta_message(go, at(8))?;
        assert!(!link.deleted);
        assert_eq!(link.headers["k"].len(), 2);
        assert_eq!(
            link.link(),
            Some(&ObjectLink {
                bucket: "other".into(),
                name: Some("x".into())
            })
        );
        assert!(matches!(
            ObjectInfo::from_meta_message(b"{\"name\":1}", at(0)),
            Err(ObjectError::InvalidInfo(_))
        ));
        Ok(())
    }

    #[test]
    fn meta_conversions_and_chunk_size() {
        assert_eq!(ObjectMeta::from("x"), ObjectMeta::new("x"));
        assert_eq!(ObjectMeta::from(String::from("x")).name, "x");
        assert_eq!(
            ObjectMeta::new("x").validated_chunk_size(),
            Ok(DEFAULT_CHUNK_SIZE)
        );
        assert_eq!(
            ObjectMeta::new("x").chunk_size(10).validated_chunk_size(),
            Ok(10)
        );
        assert_eq!(
            ObjectMeta::new("x").chunk_size(0).validated_chunk_size(),
            Err(ObjectError::ZeroChunkSize)
        );
        assert_eq!(
            ObjectMeta::new("").validated_chunk_size(),
            Err(ObjectError::EmptyName)
        );
    }
}
