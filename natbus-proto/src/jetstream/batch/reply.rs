//! What the server sends on a fast-ingest batch's inbox (ADR-50): flow acks, gap and
//! error reports, and the final [`PubAck`].
//!
//! Flow messages carry a `type` (`ack`, `gap`, `err`); anything else is a PubAck in the
//! usual envelope (an `error` field when the batch was refused).
//!
//! ```
//! use natbus_proto::jetstream::batch::reply::FastReply;
//!
//! assert_eq!(
//!     FastReply::parse(br#"{"type":"ack","seq":10,"msgs":15}"#).unwrap(),
//!     FastReply::Ack { seq: 10, msgs: 15 }
//! );
//! assert_eq!(
//!     FastReply::parse(br#"{"type":"gap","last_seq":10,"seq":15}"#).unwrap(),
//!     FastReply::Gap { expected: 10, current: 15 }
//! );
//! ```

use serde::Deserialize;

use crate::jetstream::publish::PubAck;
use crate::jetstream::response::{ApiError, ResponseError};

/// One message on a fast-ingest batch's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FastReply {
    /// Flow control (`BatchFlowAck`): messages up to `seq` were handled (with `gap: fail`,
    /// all of them stored), and from now on an ack comes every `msgs` messages.
    Ack {
        /// The batch sequence acknowledged (0 for the answer to the first message).
        seq: u64,
        /// The server's ack interval in messages.
        msgs: u16,
    },
    /// A gap (`BatchFlowGap`): messages `expected..current` never reached the server.
    /// Informational; may arrive out of order with acks.
    Gap {
        /// The first lost batch sequence.
        expected: u64,
        /// The sequence that revealed the gap.
        current: u64,
    },
    /// A message failed a check (`BatchFlowErr`), such as `Nats-Expected-Last-Sequence`.
    Error {
        /// The batch sequence of the failed message.
        seq: u64,
        /// Why.
        error: ApiError,
    },
    /// The batch ended: its PubAck (`batch`, `count` set).
    PubAck(PubAck),
    /// The server refused the batch: an error envelope instead of a PubAck.
    Rejected(ApiError),
}

#[derive(Deserialize)]
struct Flow {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    seq: u64,
    #[serde(default)]
    msgs: u16,
    #[serde(default)]
    last_seq: u64,
    #[serde(default)]
    error: Option<ApiError>,
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

impl FastReply {
    /// Parses one inbox message's payload.
    ///
    /// # Errors
    /// A description of what is wrong, for a payload that is none of the above.
    pub fn parse(payload: &[u8]) -> Result<FastReply, String> {
        let probe: Probe = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
        if probe.kind.is_none() {
            return match PubAck::parse(payload) {
                Ok(ack) => Ok(FastReply::PubAck(ack)),
                Err(ResponseError::Api(e)) => Ok(FastReply::Rejected(e)),
                Err(e) => Err(e.to_string()),
            };
        }
        let flow: Flow = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
        match flow.kind.as_str() {
            "ack" => Ok(FastReply::Ack {
                seq: flow.seq,
                msgs: flow.msgs,
            }),
            "gap" => Ok(FastReply::Gap {
                expected: flow.last_seq,
                current: flow.seq,
            }),
            "err" => match flow.error {
                Some(error) => Ok(FastReply::Error {
                    seq: flow.seq,
                    error,
                }),
                None => Err("a batch error without an error".into()),
            },
            other => Err(format!("unknown batch flow message type '{other}'")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_server_sends() {
        assert_eq!(
            FastReply::parse(br#"{"type":"ack","seq":0,"msgs":100}"#),
            Ok(FastReply::Ack { seq: 0, msgs: 100 })
        );
        let err = FastReply::parse(
            br#"{"type":"err","seq":10,"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 1"}}"#,
        );
        assert!(
            matches!(&err, Ok(FastReply::Error { seq: 10, error }) if error.is_wrong_last_sequence()),
            "{err:?}"
        );
        let ack = FastReply::parse(br#"{"stream":"S","seq":3,"batch":"b","count":3}"#);
        assert!(
            matches!(&ack, Ok(FastReply::PubAck(a)) if a.count == 3 && a.batch.as_deref() == Some("b"))
        );
        let refused = FastReply::parse(
            br#"{"error":{"code":400,"err_code":10205,"description":"batch publish is disabled"}}"#,
        );
        assert!(matches!(&refused, Ok(FastReply::Rejected(e)) if e.is_batch_disabled()));
    }

    #[test]
    fn rejects_what_it_does_not_know() {
        for bad in [
            &b"not json"[..],
            br#"{"type":"nope"}"#,
            br#"{"type":"err","seq":1}"#,
            br#"{"seq":1}"#,
            br#"{"type":"ack","seq":-1}"#,
        ] {
            assert!(FastReply::parse(bad).is_err(), "{bad:?}");
        }
    }
}
