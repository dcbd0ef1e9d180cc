//! Links (ADR-20): a description with `options.link` and no data, naming another object
//! (in this or another bucket) or a whole bucket. A get follows a link to an object once;
//! links to links and links to deleted objects are refused when made, and a link that has
//! come to point at a link since is refused when read.

use super::{
    ObjectError, ObjectInfo, ObjectLink, ObjectMeta, ObjectOptions, validate_bucket, validate_name,
};

/// Where a get of an object reads its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom<'a> {
    /// The object's own chunks: it is not a link.
    Itself,
    /// The object `name` of `bucket`: the object is a link to it.
    Target {
        /// The target's bucket (possibly the link's own).
        bucket: &'a str,
        /// The target's name.
        name: &'a str,
    },
}

impl ObjectInfo {
    /// A link named `name` in `bucket` to the object `target` describes.
    ///
    /// # Errors
    /// [`ObjectError::EmptyName`], [`ObjectError::LinkToDeleted`] when `target` is deleted,
    /// [`ObjectError::LinkToLink`] when `target` is itself a link.
    pub fn new_link(
        bucket: &str,
        name: &str,
        nuid: String,
        target: &ObjectInfo,
    ) -> Result<Self, ObjectError> {
        validate_name(name)?;
        if target.deleted {
            return Err(ObjectError::LinkToDeleted {
                bucket: target.bucket.clone(),
                name: target.name.clone(),
            });
        }
        if let Some(link) = target.link() {
            return Err(ObjectError::LinkToLink {
                name: target.name.clone(),
                target: describe(link),
            });
        }
        Ok(Self::link_to(
            bucket,
            name,
            nuid,
            ObjectLink {
                bucket: target.bucket.clone(),
                name: Some(target.name.clone()),
            },
        ))
    }

    /// A link named `name` in `bucket` to the whole bucket `target_bucket`.
    ///
    /// # Errors
    /// [`ObjectError::EmptyName`], [`ObjectError::InvalidBucket`].
    pub fn new_bucket_link(
        bucket: &str,
        name: &str,
        nuid: String,
        target_bucket: &str,
    ) -> Result<Self, ObjectError> {
        validate_name(name)?;
        validate_bucket(target_bucket)?;
        Ok(Self::link_to(
            bucket,
            name,
            nuid,
            ObjectLink {
                bucket: target_bucket.to_owned(),
                name: None,
            },
        ))
    }

    fn link_to(bucket: &str, name: &str, nuid: String, link: ObjectLink) -> Self {
        let mut info = Self::new(bucket, nuid, ObjectMeta::new(name), 0);
        info.options = Some(ObjectOptions {
            link: Some(link),
            max_chunk_size: None,
        });
        info
    }

    /// The link this object is, if it is one.
    pub fn link(&self) -> Option<&ObjectLink> {
        self.options.as_ref()?.link.as_ref()
    }

    /// Whether this object is a link (to an object or a bucket).
    pub fn is_link(&self) -> bool {
        self.link().is_some()
    }

    /// Where a get of this object reads.
    ///
    /// # Errors
    /// [`ObjectError::BucketLink`] for a link to a whole bucket (also written by some
    /// clients as an empty object name), which has nothing to read.
    pub fn read_from(&self) -> Result<ReadFrom<'_>, ObjectError> {
        let Some(link) = self.link() else {
            return Ok(ReadFrom::Itself);
        };
        match link.name.as_deref().filter(|n| !n.is_empty()) {
            Some(name) => Ok(ReadFrom::Target {
                bucket: &link.bucket,
                name,
            }),
            None => Err(ObjectError::BucketLink {
                name: self.name.clone(),
                bucket: link.bucket.clone(),
            }),
        }
    }

    /// Checks that this object, found at the end of the link `link_name`, has data: a get
    /// follows one link only.
    ///
    /// # Errors
    /// [`ObjectError::LinkToLink`] when this object is a link too.
    pub fn ensure_link_target(&self, link_name: &str) -> Result<(), ObjectError> {
        match self.link() {
            None => Ok(()),
            Some(_) => Err(ObjectError::LinkToLink {
                name: link_name.to_owned(),
                target: format!("{}/{}", self.bucket, self.name),
            }),
        }
    }
}

/// Checks that a link may take a name now held by `existing`: a link may replace nothing,
/// a deleted object or another link, never an object with data.
///
/// # Errors
/// [`ObjectError::NameInUse`].
pub fn check_link_name(existing: Option<&ObjectInfo>) -> Result<(), ObjectError> {
    match existing {
        Some(e) if !e.deleted && !e.is_link() => Err(ObjectError::NameInUse {
            name: e.name.clone(),
        }),
        _ => Ok(()),
    }
}

/// `bucket/name`, or `bucket` for a whole-bucket link: how errors name a link's target.
fn describe(link: &ObjectLink) -> String {
    match &link.name {
        Some(n) if !n.is_empty() => format!("{}/{n}", link.bucket),
        _ => link.bucket.clone(),
    }
}

#[cfg(test)]
mod tests {
    use crate::time::SystemTime;

    use super::*;
    use serde_json::json;

    fn object(bucket: &str, name: &str) -> ObjectInfo {
        ObjectInfo::new(bucket, "N0".into(), ObjectMeta::new(name), 1024)
    }

    fn json_of(info: &ObjectInfo) -> serde_json::Value {
        serde_json::from_slice(&info.to_json()).expect("json")
    }

    #[test]
    fn links_are_descriptions_without_data() -> Result<(), ObjectError> {
        let link = ObjectInfo::new_link("mine", "l", "N1".into(), &object("other", "x"))?;
        assert_eq!(
            json_of(&link),
            json!({"name":"l","options":{"link":{"bucket":"other","name":"x"}},
                   "bucket":"mine","nuid":"N1","size":0,"mtime":"1970-01-01T00:00:00Z",
                   "chunks":0})
        );
        assert!(link.is_link());
        assert_eq!(
            link.read_from(),
            Ok(ReadFrom::Target {
                bucket: "other",
                name: "x"
            })
        );
        let whole = ObjectInfo::new_bucket_link("mine", "dir", "N2".into(), "other")?;
        assert_eq!(
            json_of(&whole)["options"],
            json!({"link":{"bucket":"other"}})
        );
        assert_eq!(
            whole.read_from(),
            Err(ObjectError::BucketLink {
                name: "dir".into(),
                bucket: "other".into()
            })
        );
        assert_eq!(object("b", "o").read_from(), Ok(ReadFrom::Itself));
        // Another client's bucket link with an empty name is still a bucket link.
        let mut empty = link.clone();
        if let Some(l) = empty.options.as_mut().and_then(|o| o.link.as_mut()) {
            l.name = Some(String::new());
        }
        assert!(matches!(
            empty.read_from(),
            Err(ObjectError::BucketLink { .. })
        ));
        Ok(())
    }

    #[test]
    fn links_to_links_and_deleted_objects_are_refused() -> Result<(), ObjectError> {
        let target = object("b", "x");
        let deleted = target.to_deleted(SystemTime::UNIX_EPOCH);
        assert_eq!(
            ObjectInfo::new_link("b", "l", "N".into(), &deleted),
            Err(ObjectError::LinkToDeleted {
                bucket: "b".into(),
                name: "x".into()
            })
        );
        let link = ObjectInfo::new_link("b", "l", "N".into(), &target)?;
        assert_eq!(
            ObjectInfo::new_link("b", "l2", "N".into(), &link),
            Err(ObjectError::LinkToLink {
                name: "l".into(),
                target: "b/x".into()
            })
        );
        let whole = ObjectInfo::new_bucket_link("b", "w", "N".into(), "c")?;
        assert!(matches!(
            ObjectInfo::new_link("b", "l3", "N".into(), &whole),
            Err(ObjectError::LinkToLink { target, .. }) if target == "c"
        ));
        assert_eq!(
            ObjectInfo::new_link("b", "", "N".into(), &target),
            Err(ObjectError::EmptyName)
        );
        assert_eq!(
            ObjectInfo::new_bucket_link("b", "w", "N".into(), "a.b"),
            Err(ObjectError::InvalidBucket("a.b".into()))
        );
        assert_eq!(target.ensure_link_target("l"), Ok(()));
        assert_eq!(
            link.ensure_link_target("outer"),
            Err(ObjectError::LinkToLink {
                name: "outer".into(),
                target: "b/l".into()
            })
        );
        Ok(())
    }

    #[test]
    fn a_link_replaces_only_links_and_deleted_objects() -> Result<(), ObjectError> {
        let target = object("b", "x");
        assert_eq!(check_link_name(None), Ok(()));
        assert_eq!(
            check_link_name(Some(&target)),
            Err(ObjectError::NameInUse { name: "x".into() })
        );
        assert_eq!(
            check_link_name(Some(&target.to_deleted(SystemTime::UNIX_EPOCH))),
            Ok(())
        );
        let link = ObjectInfo::new_link("b", "l", "N".into(), &target)?;
        assert_eq!(check_link_name(Some(&link)), Ok(()));
        Ok(())
    }
}
