//! Changing what describes an object without rewriting its data (ADR-20 `UpdateMeta`):
//! the new description keeps the chunks (`nuid`, `size`, `chunks`, `digest`) and options
//! (link, chunk size), and takes name, description, headers and metadata from the meta.

use super::{ObjectError, ObjectInfo, ObjectMeta, validate_name};

impl ObjectInfo {
    /// The description of this object after an update to `meta`. A different
    /// `meta.name` renames the object; `meta.max_chunk_size` is ignored, since the data
    /// is not rewritten.
    ///
    /// # Errors
    /// [`ObjectError::EmptyName`].
    pub fn with_meta(&self, meta: ObjectMeta) -> Result<Self, ObjectError> {
        validate_name(&meta.name)?;
        Ok(Self {
            name: meta.name,
            description: meta.description,
            headers: meta.headers,
            metadata: meta.metadata,
            ..self.clone()
        })
    }
}

/// Checks that a rename may take a name now held by `existing`: only a free name or the
/// name of a deleted object.
///
/// # Errors
/// [`ObjectError::NameInUse`].
pub fn check_rename(existing: Option<&ObjectInfo>) -> Result<(), ObjectError> {
    match existing {
        Some(e) if !e.deleted => Err(ObjectError::NameInUse {
            name: e.name.clone(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SystemTime;

    fn stored() -> ObjectInfo {
        let meta = ObjectMeta::new("a")
            .description("old")
            .header("k", "v")
            .metadata("m", "1");
        let mut info = ObjectInfo::new("b", "N1".into(), meta, 1000);
        (info.size, info.chunks, info.digest) = (2500, 3, "SHA-256=d".into());
        info
    }

    #[test]
    fn an_update_keeps_the_data_and_options() -> Result<(), ObjectError> {
        let before = stored();
        let after = before.with_meta(ObjectMeta::new("c").description("new").chunk_size(7))?;
        assert_eq!(after.name, "c");
        assert_eq!(after.description.as_deref(), Some("new"));
        assert!(after.headers.is_empty() && after.metadata.is_empty());
        assert_eq!(
            (
                &after.nuid,
                after.size,
                after.chunks,
                &after.digest,
                &after.options
            ),
            (
                &before.nuid,
                before.size,
                before.chunks,
                &before.digest,
                &before.options
            )
        );
        assert_eq!(
            before.with_meta(ObjectMeta::new("")),
            Err(ObjectError::EmptyName)
        );
        Ok(())
    }

    #[test]
    fn a_rename_takes_only_free_names() {
        let taken = stored();
        assert_eq!(check_rename(None), Ok(()));
        assert_eq!(
            check_rename(Some(&taken)),
            Err(ObjectError::NameInUse { name: "a".into() })
        );
        assert_eq!(
            check_rename(Some(&taken.to_deleted(SystemTime::UNIX_EPOCH))),
            Ok(())
        );
    }
}
