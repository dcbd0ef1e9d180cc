//! Atomic batches (ADR-50): the headers of each message and the meaning of the replies.
//!
//! The first message is sent as a request: the server answers it with an empty message
//! (the batch is open) or an error (the stream does not allow atomic batches, the server
//! is too old to know them, ...). The messages in between need no reply; a lost one makes
//! the commit fail with "incomplete" (10176). The commit (`Nats-Batch-Commit: 1`, or `eob`
//! to commit without storing the commit message itself, 2.14+) is a request again,
//! answered with the [`PubAck`] of the batch's last message, `batch` and `count` set.
//!
//! ```
//! use natbus_proto::jetstream::batch::atomic::{AtomicBatch, Commit};
//!
//! let mut batch = AtomicBatch::new("b1")?;
//! let first = batch.add()?;
//! assert!(first.wants_reply);
//! assert_eq!(first.headers[1], ("Nats-Batch-Sequence", "1".to_owned()));
//! assert_eq!(batch.handle_reply(b"")?, None); // the batch is open
//! assert!(!batch.add()?.wants_reply);
//! let last = batch.commit(Commit::Store)?;
//! assert_eq!(last.headers[2], ("Nats-Batch-Commit", "1".to_owned()));
//! let ack = batch.handle_reply(br#"{"stream":"S","seq":3,"batch":"b1","count":3}"#)?;
//! assert_eq!(ack.map(|a| a.count), Some(3));
//! # Ok::<(), natbus_proto::jetstream::batch::BatchError>(())
//! ```

use super::{BatchError, validate_batch_id};
use crate::jetstream::publish::PubAck;
use crate::jetstream::response::ResponseError;

/// The batch a message belongs to.
pub const NATS_BATCH_ID: &str = "Nats-Batch-Id";
/// The message's place in its batch, from 1.
pub const NATS_BATCH_SEQUENCE: &str = "Nats-Batch-Sequence";
/// On the last message: `1` commits and stores it, `eob` commits without storing it.
pub const NATS_BATCH_COMMIT: &str = "Nats-Batch-Commit";

/// How the last message commits the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// The commit message is stored as the batch's last message.
    Store,
    /// The commit message only ends the batch and is not stored ("end of batch", 2.14+).
    EndOfBatch,
}

/// The batch headers of one message, and whether to send it as a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtomicMessage {
    /// Headers to add to the message, in order.
    pub headers: Vec<(&'static str, String)>,
    /// Send it with a reply subject and wait for the answer (first message and commit).
    pub wants_reply: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before the first message.
    New,
    /// The first message was sent; its answer is due.
    Opening,
    /// The server accepted the first message.
    Open,
    /// The commit was sent; the PubAck is due.
    Committing,
    /// Committed or failed.
    Over,
}

/// One atomic batch: numbers its messages and reads the server's answers.
#[derive(Debug, Clone)]
pub struct AtomicBatch {
    id: String,
    sent: u64,
    phase: Phase,
}

impl AtomicBatch {
    /// A batch with this id (1 to 64 characters; unique among the stream's open batches).
    ///
    /// # Errors
    /// [`BatchError::InvalidId`].
    pub fn new(id: impl Into<String>) -> Result<Self, BatchError> {
        let id = id.into();
        validate_batch_id(&id)?;
        Ok(AtomicBatch {
            id,
            sent: 0,
            phase: Phase::New,
        })
    }

    /// The batch id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Messages sent so far (the commit message included once sent).
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Whether the first message's answer is due: send nothing more until it came
    /// ([`handle_reply`](Self::handle_reply)).
    pub fn awaiting_reply(&self) -> bool {
        matches!(self.phase, Phase::Opening | Phase::Committing)
    }

    /// The headers of the next message of the batch.
    ///
    /// # Errors
    /// [`BatchError::Finished`] after the commit or a failure,
    /// [`BatchError::AwaitingReply`] while the first message's answer is due.
    pub fn add(&mut self) -> Result<AtomicMessage, BatchError> {
        let wants_reply = match self.phase {
            Phase::New => true,
            Phase::Open => false,
            Phase::Opening => return Err(BatchError::AwaitingReply),
            Phase::Committing | Phase::Over => return Err(BatchError::Finished),
        };
        self.sent += 1;
        if wants_reply {
            self.phase = Phase::Opening;
        }
        Ok(AtomicMessage {
            headers: self.headers(None),
            wants_reply,
        })
    }

    /// The headers of the commit message (always sent as a request).
    ///
    /// # Errors
    /// As for [`add`](Self::add); [`BatchError::EmptyCommit`] for
    /// [`Commit::EndOfBatch`] on a batch without messages.
    pub fn commit(&mut self, commit: Commit) -> Result<AtomicMessage, BatchError> {
        match (self.phase, commit) {
            (Phase::New, Commit::EndOfBatch) => return Err(BatchError::EmptyCommit),
            (Phase::New | Phase::Open, _) => {}
            (Phase::Opening, _) => return Err(BatchError::AwaitingReply),
            (Phase::Committing | Phase::Over, _) => return Err(BatchError::Finished),
        }
        self.sent += 1;
        self.phase = Phase::Committing;
        let value = match commit {
            Commit::Store => "1",
            Commit::EndOfBatch => "eob",
        };
        Ok(AtomicMessage {
            headers: self.headers(Some(value)),
            wants_reply: true,
        })
    }

    /// Call with the answer to the first message or to the commit: `None` when the batch
    /// is open, the [`PubAck`] once committed.
    ///
    /// # Errors
    /// [`BatchError::Rejected`] when the server refused the batch (it is then over),
    /// [`BatchError::InvalidReply`] for an answer that is no batch reply, and
    /// [`BatchError::Finished`] when no answer was due.
    pub fn handle_reply(&mut self, payload: &[u8]) -> Result<Option<PubAck>, BatchError> {
        let phase = self.phase;
        self.phase = Phase::Over;
        match phase {
            Phase::Opening if payload.is_empty() => {
                self.phase = Phase::Open;
                Ok(None)
            }
            // A single-message batch whose first message commits gets the PubAck; an
            // error to the first message is an error envelope like a PubAck's.
            Phase::Opening | Phase::Committing => match PubAck::parse(payload) {
                Ok(ack) if phase == Phase::Committing => Ok(Some(ack)),
                Ok(_) => Err(BatchError::InvalidReply(
                    "a PubAck before the commit".into(),
                )),
                Err(ResponseError::Api(e)) => Err(BatchError::Rejected(e)),
                Err(e) => Err(BatchError::InvalidReply(e.to_string())),
            },
            other => {
                self.phase = other;
                Err(BatchError::Finished)
            }
        }
    }

    /// Call when a request of the batch got no responders (a `503`): no stream captures
    /// the subject. The batch is over.
    pub fn handle_no_responders(&mut self) -> BatchError {
        self.phase = Phase::Over;
        BatchError::NoStream
    }

    /// Call when the batch cannot go on for a reason of the caller's (a timeout, a lost
    /// connection): it is over, and the server abandons it.
    pub fn abandon(&mut self) {
        self.phase = Phase::Over;
    }

    fn headers(&self, commit: Option<&str>) -> Vec<(&'static str, String)> {
        let mut h = vec![
            (NATS_BATCH_ID, self.id.clone()),
            (NATS_BATCH_SEQUENCE, self.sent.to_string()),
        ];
        if let Some(value) = commit {
            h.push((NATS_BATCH_COMMIT, value.to_owned()));
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN_ERROR: &[u8] =
        br#"{"error":{"code":400,"err_code":10174,"description":"atomic publish is disabled"}}"#;

    #[test]
    fn a_batch_numbers_its_messages_and_commits() {
        let mut b = AtomicBatch::new("order-7").expect("id");
        let first = b.add().expect("first");
        assert_eq!(
            first.headers,
            vec![
                (NATS_BATCH_ID, "order-7".to_owned()),
                (NATS_BATCH_SEQUENCE, "1".to_owned())
            ]
        );
        assert!(b.awaiting_reply());
        assert_eq!(b.add(), Err(BatchError::AwaitingReply));
        assert_eq!(b.handle_reply(b""), Ok(None));
        for seq in 2..=4 {
            let m = b.add().expect("more");
            assert!(!m.wants_reply);
            assert_eq!(m.headers[1].1, seq.to_string());
        }
        let last = b.commit(Commit::EndOfBatch).expect("commit");
        assert_eq!(last.headers[1].1, "5");
        assert_eq!(last.headers[2], (NATS_BATCH_COMMIT, "eob".to_owned()));
        let ack = b
            .handle_reply(br#"{"stream":"S","seq":4,"batch":"order-7","count":4}"#)
            .expect("acked")
            .expect("a PubAck");
        assert_eq!((ack.seq, ack.count), (4, 4));
        assert_eq!(b.add(), Err(BatchError::Finished));
        assert_eq!(b.commit(Commit::Store), Err(BatchError::Finished));
    }

    #[test]
    fn a_single_message_batch_commits_at_once() {
        let mut b = AtomicBatch::new("one").expect("id");
        assert_eq!(b.commit(Commit::EndOfBatch), Err(BatchError::EmptyCommit));
        let m = b.commit(Commit::Store).expect("commit");
        assert_eq!(m.headers[1].1, "1");
        let ack = b.handle_reply(br#"{"stream":"S","seq":1,"batch":"one","count":1}"#);
        assert_eq!(ack.expect("ok").map(|a| a.seq), Some(1));
    }

    #[test]
    fn rejections_end_the_batch() {
        let mut b = AtomicBatch::new("x").expect("id");
        b.add().expect("first");
        let err = b.handle_reply(OPEN_ERROR).expect_err("disabled");
        assert!(matches!(&err, BatchError::Rejected(e) if e.is_batch_disabled()));
        assert_eq!(b.add(), Err(BatchError::Finished));

        let mut b = AtomicBatch::new("x").expect("id");
        b.add().expect("first");
        b.handle_reply(b"").expect("open");
        b.commit(Commit::Store).expect("commit");
        let err = b
            .handle_reply(br#"{"error":{"code":400,"err_code":10176,"description":"atomic publish batch is incomplete"}}"#)
            .expect_err("a gap");
        assert!(err.to_string().contains("lost"), "{err}");

        let mut b = AtomicBatch::new("x").expect("id");
        b.add().expect("first");
        assert_eq!(b.handle_no_responders(), BatchError::NoStream);
        assert_eq!(b.handle_reply(b""), Err(BatchError::Finished));
    }

    #[test]
    fn unexpected_answers_are_errors_not_panics() {
        let mut b = AtomicBatch::new("x").expect("id");
        assert_eq!(
            b.handle_reply(b""),
            Err(BatchError::Finished),
            "nothing due"
        );
        b.add().expect("first");
        assert!(matches!(
            b.handle_reply(b"garbage"),
            Err(BatchError::InvalidReply(_))
        ));
        let mut b = AtomicBatch::new("x").expect("id");
        b.add().expect("first");
        assert!(matches!(
            b.handle_reply(br#"{"stream":"S","seq":1}"#),
            Err(BatchError::InvalidReply(_))
        ));
        assert!(AtomicBatch::new("a.b").is_err());
    }
}
