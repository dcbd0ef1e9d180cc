//! Links (ADR-20): names that stand for an object, possibly in another bucket, or for a
//! whole bucket. A link is only a description (no chunks); the rules for making and
//! following one are [`natbus_proto::jetstream::object`]'s, this file does the requests.

use natbus_proto::jetstream::object::{self, ObjectInfo, ReadFrom};

use super::{ObjectStore, read_description};
use crate::jetstream::context::random_name;
use crate::jetstream::error::JetStreamError;

impl ObjectStore {
    /// Adds a link named `name` to the object `target` describes (from
    /// [`info`](Self::info) or [`put`](Self::put) of this or another bucket). A
    /// [`get`](Self::get) of the link reads the target's data as it is then; `info` of the
    /// link returns the link itself (its `options.link`).
    ///
    /// `target` may be stale, so the target's current description is read first: a link
    /// is never made to an object already deleted. A get of a link whose target is
    /// deleted later fails with [`JetStreamError::ObjectNotFound`].
    ///
    /// # Errors
    /// [`ObjectError::LinkToDeleted`](object::ObjectError::LinkToDeleted) (also when the
    /// target never existed), [`ObjectError::LinkToLink`](object::ObjectError::LinkToLink),
    /// [`JetStreamError::ObjectStoreNotFound`] when the target's bucket does not exist,
    /// [`ObjectError::NameInUse`](object::ObjectError::NameInUse) when `name` is an object
    /// with data (a link may replace another link or a deleted object),
    /// [`JetStreamError::ObjectStoreSealed`], or JetStream unavailable.
    pub async fn add_link(
        &self,
        name: &str,
        target: &ObjectInfo,
    ) -> Result<ObjectInfo, JetStreamError> {
        object::validate_bucket(&target.bucket)?;
        let current = if target.bucket == self.bucket {
            self.description(&target.name).await
        } else {
            // The other bucket's stream config is unknown: STREAM.MSG.GET works on all.
            read_description(&self.js, &target.bucket, false, &target.name).await
        };
        let current = match current {
            Err(JetStreamError::Api(e)) if e.is_stream_not_found() => {
                return Err(JetStreamError::ObjectStoreNotFound(target.bucket.clone()));
            }
            other => other?,
        };
        // Absent now is as good as deleted: either way there is nothing to read.
        let current = current.unwrap_or_else(|| target.to_deleted(target.mtime));
        let mut link =
            ObjectInfo::new_link(&self.bucket, name, random_name(&self.js.client), &current)?;
        self.publish_link(&mut link).await?;
        Ok(link)
    }

    /// Adds a link named `name` to the whole bucket `target`, as a directory entry
    /// pointing at another store. It has no data: a [`get`](Self::get) of it fails with
    /// [`ObjectError::BucketLink`](object::ObjectError::BucketLink); open the bucket
    /// named in its `options.link` instead.
    ///
    /// # Errors
    /// [`ObjectError::NameInUse`](object::ObjectError::NameInUse) when `name` is an object
    /// with data, [`JetStreamError::ObjectStoreSealed`], or JetStream unavailable.
    pub async fn add_bucket_link(
        &self,
        name: &str,
        target: &ObjectStore,
    ) -> Result<ObjectInfo, JetStreamError> {
        let mut link = ObjectInfo::new_bucket_link(
            &self.bucket,
            name,
            random_name(&self.js.client),
            &target.bucket,
        )?;
        self.publish_link(&mut link).await?;
        Ok(link)
    }

    /// Publishes a link unless its name holds an object with data.
    async fn publish_link(&self, link: &mut ObjectInfo) -> Result<(), JetStreamError> {
        object::check_link_name(self.description(&link.name).await?.as_ref())?;
        self.publish_description(link).await
    }

    /// Where a get of `info` reads: the store and description of the object with data,
    /// which is `info` itself unless it is a link. Follows one link only.
    pub(crate) async fn read_target(
        &self,
        info: ObjectInfo,
    ) -> Result<(ObjectStore, ObjectInfo), JetStreamError> {
        let (bucket, name) = match info.read_from()? {
            ReadFrom::Itself => return Ok((self.clone(), info)),
            ReadFrom::Target { bucket, name } => (bucket, name),
        };
        let store = if bucket == self.bucket {
            self.clone()
        } else {
            self.js.object_store(bucket).await?
        };
        let target = store.info(name).await?;
        target.ensure_link_target(&info.name)?;
        Ok((store, target))
    }
}
