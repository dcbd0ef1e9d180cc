//! Changing an object's description, or renaming it, without rewriting its data.

use natbus_proto::jetstream::object::{self, ObjectInfo, ObjectMeta};

use super::ObjectStore;
use crate::jetstream::error::JetStreamError;

impl ObjectStore {
    /// Replaces the description, headers and metadata of object `name` (an object, a
    /// link or a bucket link) with `meta`'s, keeping its data: only the description
    /// message is rewritten, never the chunks. When `meta.name` differs from `name` the
    /// object is renamed: its description moves to the new name and the old name is
    /// gone (no "deleted" marker is left, as nats.go does). `meta`'s chunk size is
    /// ignored.
    ///
    /// # Errors
    /// [`JetStreamError::ObjectNotFound`] when `name` does not exist or was deleted,
    /// [`ObjectError::NameInUse`](object::ObjectError::NameInUse) when renaming onto an
    /// existing object, [`ObjectError::EmptyName`](object::ObjectError::EmptyName),
    /// [`JetStreamError::ObjectStoreSealed`], or JetStream unavailable.
    pub async fn update_meta(
        &self,
        name: &str,
        meta: impl Into<ObjectMeta>,
    ) -> Result<ObjectInfo, JetStreamError> {
        let current = self.info(name).await?;
        let mut updated = current.with_meta(meta.into())?;
        let renamed = updated.name != current.name;
        if renamed {
            object::check_rename(self.description(&updated.name).await?.as_ref())?;
        }
        // The new name is written before the old one is removed, so a failure between
        // the two leaves the object under both names rather than under none.
        self.publish_description(&mut updated).await?;
        if renamed {
            self.stream
                .purge_subject(&object::meta_subject(&self.bucket, name)?)
                .await
                .map_err(|e| self.sealed_or(e))?;
        }
        Ok(updated)
    }
}
