//! Steering a consumer that exists: unpinning a priority group.

use natbus_proto::jetstream::features::Feature;
use natbus_proto::jetstream::priority::{UnpinRequest, validate_group_name};
use serde::de::IgnoredAny;

use crate::jetstream::context::JetStream;
use crate::jetstream::error::JetStreamError;

impl JetStream {
    /// Unpins the client pinned in `group` of a `pinned_client` consumer (nats-server
    /// 2.11+): the server pins another waiting client, and requests still carrying the
    /// old pin id get status `423`.
    ///
    /// ```no_run
    /// # async fn demo(js: natbus::jetstream::JetStream) -> Result<(), natbus::jetstream::JetStreamError> {
    /// js.unpin_consumer("ORDERS", "worker", "jobs").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// An invalid group name; [`JetStreamError::ServerTooOld`] before 2.11; the stream,
    /// consumer or group does not exist (API errors 10059, 10014, 10160).
    pub async fn unpin_consumer(
        &self,
        stream: &str,
        consumer: &str,
        group: &str,
    ) -> Result<(), JetStreamError> {
        validate_group_name(group).map_err(|e| JetStreamError::InvalidOption(e.to_string()))?;
        let subject = self.prefix.consumer_unpin(stream, consumer)?;
        let request = UnpinRequest {
            group: group.to_owned(),
        };
        let body = serde_json::to_vec(&request)?;
        let _: IgnoredAny = self
            .api_request_requiring(&[Feature::PriorityGroups], &subject, body)
            .await?;
        Ok(())
    }
}
