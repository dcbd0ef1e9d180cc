//! Batch direct gets (ADR-31, server 2.11+): many messages per DIRECT.GET request, read
//! page by page through [`DirectBatch`] on one inbox subscription.

use bytes::{Bytes, BytesMut};
use natbus_proto::jetstream::direct_batch::{
    AsOf, BatchEvent, BatchQuery, BatchStart, DirectBatch, DirectBatchError,
};
use natbus_proto::jetstream::stream_msg::{GetRequest, StoredMessage};

use super::context::JetStream;
use super::error::JetStreamError;
use super::requirements::{refused_level, required_level_headers};
use super::stream::Stream;
use crate::connection::select::{Either, first};
use crate::runtime::sleep_for;

/// Messages asked for per request: small enough to bound what one page buffers in the
/// subscription, large enough that a page is rarely a round trip for few messages.
pub(crate) const PAGE: usize = 256;

impl Stream {
    /// Up to `max` messages on `subject` (wildcards allowed), oldest first, from `start`,
    /// in as few requests as pages of 256 allow (server 2.11+; the stream needs
    /// `allow_direct`). Any replica may answer, so a message stored a moment ago may be
    /// missing, as with every direct get.
    ///
    /// ```no_run
    /// # async fn demo(stream: natbus::jetstream::Stream) -> Result<(), natbus::jetstream::JetStreamError> {
    /// use natbus::jetstream::BatchStart;
    ///
    /// for msg in stream.get_batch("orders.eu.>", BatchStart::Sequence(1), 100).await? {
    ///     println!("{} #{}", msg.subject, msg.sequence);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`JetStreamError::ServerTooOld`] before 2.11, [`JetStreamError::Timeout`] when a
    /// page does not come (e.g. a stream without `allow_direct`: nobody answers), or
    /// [`JetStreamError::DirectBatch`] for a refusal.
    pub async fn get_batch(
        &self,
        subject: &str,
        start: BatchStart,
        max: usize,
    ) -> Result<Vec<StoredMessage>, JetStreamError> {
        self.direct_allowed()?;
        let read = DirectBatch::new(BatchQuery::next(subject, start), PAGE, Some(max));
        direct_batch(self.js(), self.name(), read).await
    }

    /// The last message of every subject matching any of `subjects` (wildcards allowed),
    /// in sequence order: a consistent snapshot of the newest state, or of the state as
    /// of a sequence or a time with `as_of` (server 2.11+; the stream needs
    /// `allow_direct`). The server refuses filters matching more than 1024 subjects.
    ///
    /// ```no_run
    /// # async fn demo(stream: natbus::jetstream::Stream) -> Result<(), natbus::jetstream::JetStreamError> {
    /// use natbus::jetstream::AsOf;
    ///
    /// let now = stream.get_last_for_subjects(&["users.1234.>"], None).await?;
    /// let before = stream.get_last_for_subjects(&["users.1234.>"], Some(AsOf::Sequence(3))).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get_batch`](Self::get_batch);
    /// [`DirectBatchError::TooManySubjects`](natbus_proto::jetstream::direct_batch::DirectBatchError)
    /// past 1024 subjects.
    pub async fn get_last_for_subjects(
        &self,
        subjects: &[&str],
        as_of: Option<AsOf>,
    ) -> Result<Vec<StoredMessage>, JetStreamError> {
        self.direct_allowed()?;
        let query = BatchQuery::MultiLast {
            subjects: subjects.iter().map(|s| (*s).to_owned()).collect(),
            as_of,
        };
        direct_batch(self.js(), self.name(), DirectBatch::new(query, PAGE, None)).await
    }
}

impl Stream {
    /// Batch reads need a responder: refused at once on a stream without `allow_direct`
    /// rather than left to time out.
    fn direct_allowed(&self) -> Result<(), JetStreamError> {
        if self.cached_info().config.allow_direct {
            Ok(())
        } else {
            Err(DirectBatchError::DirectNotAllowed(self.name().to_owned()).into())
        }
    }
}

/// Runs `read` against stream `stream`: one inbox, a request per page, each reply fed to
/// the state machine; at most `js.timeout` between replies.
pub(crate) async fn direct_batch(
    js: &JetStream,
    stream: &str,
    mut read: DirectBatch,
) -> Result<Vec<StoredMessage>, JetStreamError> {
    let features = [read.query().feature()];
    js.require_all(&features).await?;
    let mut out = Vec::new();
    if read.is_done() {
        return Ok(out);
    }
    let subject = js.prefix.direct_get(stream)?;
    let headers = required_level_headers(&features);
    let inbox = js.client.new_inbox();
    let mut replies = js.client.subscribe(&inbox).await?;
    let mut request = read.first_request();
    loop {
        send(js, &subject, &inbox, headers.as_ref(), &request).await?;
        let next = loop {
            let reply = match first(
                replies.next(),
                sleep_for(&**js.client.runtime(), js.timeout),
            )
            .await
            {
                Either::Left(Some(reply)) => reply,
                Either::Left(None) => return Err(JetStreamError::Closed),
                Either::Right(()) => {
                    return Err(JetStreamError::Timeout {
                        what: "batch direct get",
                        timeout: js.timeout,
                    });
                }
            };
            let headers = reply.headers.clone().unwrap_or_default();
            let lookup = |n: &str| headers.get(n);
            if let Some(status) = reply.status() {
                let description = reply.description().unwrap_or_default().to_owned();
                let event = read
                    .on_status(status.as_u16(), &description, &lookup)
                    .map_err(|e| batch_error(e, &features))?;
                break event;
            }
            let mut raw = BytesMut::new();
            headers.encode(&mut raw);
            let message = read
                .on_message(&lookup, Some(raw.freeze()), reply.payload.clone())
                .map_err(|e| batch_error(e, &features))?;
            out.push(message.message);
        };
        match next {
            BatchEvent::Done => return Ok(out),
            BatchEvent::NextPage(req) => request = req,
        }
    }
}

/// Sends one page's request.
async fn send(
    js: &JetStream,
    subject: &str,
    inbox: &str,
    headers: Option<&natbus_proto::headers::HeaderMap>,
    request: &GetRequest,
) -> Result<(), JetStreamError> {
    let body = Bytes::from(serde_json::to_vec(request)?);
    Ok(js
        .client
        .publish_full(subject, Some(inbox), headers, body)
        .await?)
}

/// A refused read as a `JetStreamError`: 412 (a JetStream behind the connected server is
/// too old) becomes `ServerTooOld`.
fn batch_error(
    e: DirectBatchError,
    features: &[natbus_proto::jetstream::features::Feature],
) -> JetStreamError {
    match e {
        DirectBatchError::Status {
            code: 412,
            description,
        } => refused_level(
            JetStreamError::Status {
                code: 412,
                description,
            },
            features,
        ),
        other => JetStreamError::DirectBatch(other),
    }
}
