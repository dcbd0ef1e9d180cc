//! Batch direct gets (ADR-31, server 2.11+): many stored messages for one DIRECT.GET
//! request, read page by page.
//!
//! Two kinds: the messages on a subject (wildcards allowed) from a sequence or a time
//! (`next_by_subj` + `batch`), and the last message of every subject matching a list of
//! filters (`multi_last`), optionally as of a sequence or a time — a consistent snapshot.
//! The server answers one request with up to `batch` messages, each carrying
//! `Nats-Num-Pending`, and ends it with a `204 EOB` status saying how many are left and the
//! last sequence sent (plus, for `multi_last`, `Nats-UpTo-Sequence`: the snapshot's
//! sequence). [`DirectBatch`] is the state machine of such a read: it makes each page's
//! request (pinning a `multi_last` snapshot with `up_to_seq` and moving `seq` past what
//! was read, so pages neither overlap nor see later writes), classifies each reply, and
//! says when the read is complete. It does no IO: the caller sends the requests and feeds
//! it the replies, so memory stays bounded by the page size.
//!
//! ```
//! use natbus_proto::jetstream::direct_batch::{BatchEvent, BatchQuery, BatchStart, DirectBatch};
//!
//! let mut read = DirectBatch::new(BatchQuery::next("orders.>", BatchStart::Sequence(1)), 2, None);
//! let first = read.first_request();
//! assert_eq!(serde_json::to_string(&first)?, r#"{"seq":1,"next_by_subj":"orders.>","batch":2}"#);
//! // … two messages arrive, then the end of the page: 3 more pending after sequence 7.
//! let eob = |n: &str| match n {
//!     "Nats-Num-Pending" => Some("3"),
//!     "Nats-Last-Sequence" => Some("7"),
//!     _ => None,
//! };
//! # read.on_message(&|n: &str| match n {
//! #     "Nats-Stream" => Some("S"), "Nats-Subject" => Some("orders.a"), "Nats-Sequence" => Some("5"),
//! #     "Nats-Time-Stamp" => Some("2025-01-01T00:00:00Z"), "Nats-Num-Pending" => Some("4"),
//! #     "Nats-Last-Sequence" => Some("0"), _ => None }, None, bytes::Bytes::new()).unwrap();
//! # read.on_message(&|n: &str| match n {
//! #     "Nats-Stream" => Some("S"), "Nats-Subject" => Some("orders.b"), "Nats-Sequence" => Some("7"),
//! #     "Nats-Time-Stamp" => Some("2025-01-01T00:00:00Z"), "Nats-Num-Pending" => Some("3"),
//! #     "Nats-Last-Sequence" => Some("5"), _ => None }, None, bytes::Bytes::new()).unwrap();
//! match read.on_status(204, "EOB", &eob)? {
//!     BatchEvent::NextPage(next) => assert_eq!(next.seq, Some(8)),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::time::SystemTime;

use bytes::Bytes;

use super::direct_get::{
    DirectGetError, DirectGetStatus, DirectMessage, NATS_LAST_SEQUENCE, NATS_NUM_PENDING,
    NATS_UP_TO_SEQUENCE, classify_direct_get_status, direct_get_message,
};
use super::features::Feature;
use super::stream_msg::GetRequest;

/// Where a subject batch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchStart {
    /// At this stream sequence (1: the start of the stream).
    Sequence(u64),
    /// With the first message stored at or after this time.
    Time(SystemTime),
}

/// The point a `multi_last` snapshot is taken at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// The last messages at or below this stream sequence.
    Sequence(u64),
    /// The last messages stored at or before this time.
    Time(SystemTime),
}

/// What a batch read returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchQuery {
    /// The messages on `subject` (wildcards allowed), oldest first, from `start`.
    Next {
        /// Subject filter.
        subject: String,
        /// Where to start.
        start: BatchStart,
    },
    /// The last message of each subject matching any of `subjects` (wildcards allowed; the
    /// server refuses more than 1024 matching subjects with 413), in sequence order.
    MultiLast {
        /// Subject filters.
        subjects: Vec<String>,
        /// The snapshot's point; the newest when `None`.
        as_of: Option<AsOf>,
    },
}

impl BatchQuery {
    /// [`BatchQuery::Next`].
    pub fn next(subject: impl Into<String>, start: BatchStart) -> Self {
        BatchQuery::Next {
            subject: subject.into(),
            start,
        }
    }

    /// [`BatchQuery::MultiLast`].
    pub fn multi_last(subjects: impl IntoIterator<Item = impl Into<String>>) -> Self {
        BatchQuery::MultiLast {
            subjects: subjects.into_iter().map(Into::into).collect(),
            as_of: None,
        }
    }

    /// The server feature the query needs.
    pub fn feature(&self) -> Feature {
        match self {
            BatchQuery::Next { .. } => Feature::DirectGetBatch,
            BatchQuery::MultiLast { .. } => Feature::DirectGetMultiLast,
        }
    }
}

/// A batch read that cannot go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DirectBatchError {
    /// A reply without the batch headers: the server does not know batch reads (before
    /// 2.11) and answered a plain get.
    #[error(
        "the server answered a batch direct get with a single message (nats-server 2.11+ reads batches)"
    )]
    Unsupported,
    /// `413`: the `multi_last` filters match more subjects than the server returns (1024).
    #[error("the subject filters match too many subjects for one read (the server allows 1024)")]
    TooManySubjects,
    /// A status other than end-of-batch or not-found.
    #[error("direct get refused: {code} {description}")]
    Status {
        /// Status code.
        code: u16,
        /// Its description.
        description: String,
    },
    /// The stream does not allow direct gets (`allow_direct`): nobody would answer.
    #[error("stream '{0}' does not allow direct gets (allow_direct)")]
    DirectNotAllowed(String),
    /// A reply whose headers do not parse.
    #[error(transparent)]
    Reply(#[from] DirectGetError),
    /// The server said more is pending but sent nothing in a page.
    #[error("the server ended a page without a message while {0} are pending")]
    NoProgress(u64),
    /// A reply after the read was complete.
    #[error("a direct get reply arrived after the batch was complete")]
    AfterEnd,
}

/// What the caller does after a status reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchEvent {
    /// Send this request for the next page.
    NextPage(GetRequest),
    /// The read is complete.
    Done,
}

/// The state of one batch read (see the module docs).
#[derive(Debug, Clone)]
pub struct DirectBatch {
    query: BatchQuery,
    page: usize,
    remaining: Option<usize>,
    in_page: usize,
    last_seq: Option<u64>,
    up_to_seq: Option<u64>,
    done: bool,
}

impl DirectBatch {
    /// A read of `query` in pages of `page` messages (at least 1), stopping after `limit`
    /// messages when given.
    pub fn new(query: BatchQuery, page: usize, limit: Option<usize>) -> Self {
        Self {
            query,
            page: page.max(1),
            remaining: limit,
            in_page: 0,
            last_seq: None,
            up_to_seq: None,
            done: limit == Some(0),
        }
    }

    /// The query.
    pub fn query(&self) -> &BatchQuery {
        &self.query
    }

    /// Whether the read is complete (nothing more to send or expect).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The request of the first page.
    pub fn first_request(&mut self) -> GetRequest {
        self.in_page = 0;
        self.request()
    }

    fn request(&self) -> GetRequest {
        let batch = self.remaining.map_or(self.page, |r| r.min(self.page));
        let mut req = GetRequest::default().batch(batch);
        match &self.query {
            BatchQuery::Next { subject, start } => {
                req.next_by_subj = Some(subject.clone());
                match (self.last_seq, start) {
                    (Some(last), _) => req.seq = Some(last + 1),
                    (None, BatchStart::Sequence(seq)) => req.seq = Some((*seq).max(1)),
                    (None, BatchStart::Time(t)) => req.start_time = Some(*t),
                }
            }
            BatchQuery::MultiLast { subjects, as_of } => {
                req.multi_last = subjects.clone();
                req.seq = self.last_seq.map(|last| last + 1);
                match (self.up_to_seq, as_of) {
                    (Some(pinned), _) => req.up_to_seq = Some(pinned),
                    (None, Some(AsOf::Sequence(seq))) => req.up_to_seq = Some(*seq),
                    (None, Some(AsOf::Time(t))) => req.up_to_time = Some(*t),
                    (None, None) => {}
                }
            }
        }
        req
    }

    /// A reply carrying a message (no status): the message, for the caller to keep.
    ///
    /// # Errors
    /// [`DirectBatchError::Unsupported`] when the reply lacks `Nats-Num-Pending` (an old server
    /// answered a plain get), [`DirectBatchError::Reply`] for unparsable headers,
    /// [`DirectBatchError::AfterEnd`] once complete.
    pub fn on_message<'a>(
        &mut self,
        header: &impl Fn(&str) -> Option<&'a str>,
        raw_headers: Option<Bytes>,
        payload: Bytes,
    ) -> Result<DirectMessage, DirectBatchError> {
        if self.done {
            return Err(DirectBatchError::AfterEnd);
        }
        let message = direct_get_message(header, raw_headers, payload)?;
        if message.num_pending.is_none() {
            self.done = true;
            return Err(DirectBatchError::Unsupported);
        }
        self.in_page += 1;
        self.last_seq = Some(message.message.sequence);
        if let Some(r) = &mut self.remaining {
            *r = r.saturating_sub(1);
        }
        Ok(message)
    }

    /// A status reply (`code`, `description`, its headers): the end of a page, of the
    /// read, or an error. After [`BatchEvent::NextPage`], send that request and go on
    /// feeding replies.
    ///
    /// # Errors
    /// [`DirectBatchError`] for statuses other than 204 and 404, an end of page without progress,
    /// or unparsable end-of-batch headers.
    pub fn on_status<'a>(
        &mut self,
        code: u16,
        description: &str,
        header: &impl Fn(&str) -> Option<&'a str>,
    ) -> Result<BatchEvent, DirectBatchError> {
        if self.done {
            return Err(DirectBatchError::AfterEnd);
        }
        match classify_direct_get_status(code, description) {
            DirectGetStatus::EndOfBatch => {}
            DirectGetStatus::NotFound => {
                // Nothing (more) matches: on a later page, what was pending is gone.
                self.done = true;
                return Ok(BatchEvent::Done);
            }
            DirectGetStatus::TooManyResults => {
                self.done = true;
                return Err(DirectBatchError::TooManySubjects);
            }
            _ => {
                self.done = true;
                return Err(DirectBatchError::Status {
                    code,
                    description: description.to_owned(),
                });
            }
        }
        let number = |name: &'static str| -> Result<Option<u64>, DirectBatchError> {
            header(name)
                .map(|v| {
                    v.trim().parse().map_err(|_| {
                        DirectBatchError::Reply(DirectGetError::InvalidHeader {
                            name,
                            value: v.to_owned(),
                        })
                    })
                })
                .transpose()
        };
        let pending = number(NATS_NUM_PENDING)?.unwrap_or(0);
        if let Some(up_to) = number(NATS_UP_TO_SEQUENCE)? {
            self.up_to_seq.get_or_insert(up_to);
        }
        if let Some(last) = number(NATS_LAST_SEQUENCE)?.filter(|&l| l > 0) {
            self.last_seq = Some(self.last_seq.map_or(last, |s| s.max(last)));
        }
        if pending == 0 || self.remaining == Some(0) {
            self.done = true;
            return Ok(BatchEvent::Done);
        }
        if self.in_page == 0 {
            self.done = true;
            return Err(DirectBatchError::NoProgress(pending));
        }
        self.in_page = 0;
        Ok(BatchEvent::NextPage(self.request()))
    }
}

#[cfg(test)]
#[path = "direct_batch_tests.rs"]
mod tests;
