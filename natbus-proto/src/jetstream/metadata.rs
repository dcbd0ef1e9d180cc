//! Message metadata from a delivered message's ack subject (its reply-to).
//!
//! Two forms exist (names cannot contain `.`, so positions are fixed):
//! - v1, 9 tokens: `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`
//! - v2, 11 or more tokens: `$JS.ACK.<domain>.<account_hash>.<stream>.<consumer>.…` with the
//!   same five numbers; domain `_` means none; extra trailing tokens are ignored.

use crate::time::{SystemTime, UNIX_EPOCH};
use std::time::Duration;

/// The prefix of every JetStream ack subject.
pub const ACK_PREFIX: &str = "$JS.ACK.";

/// Whether a message with this reply subject is a JetStream delivery.
pub fn is_jetstream_reply(reply: &str) -> bool {
    reply.starts_with(ACK_PREFIX)
}

/// Where a delivered message comes from and how often it was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageMetadata {
    /// JetStream domain (v2 subjects only; `_` is read as none).
    pub domain: Option<String>,
    /// Account hash (v2 subjects only).
    pub account_hash: Option<String>,
    /// Stream name.
    pub stream: String,
    /// Consumer name.
    pub consumer: String,
    /// Delivery count (1 on the first delivery).
    pub delivered: u64,
    /// Sequence in the stream.
    pub stream_sequence: u64,
    /// Sequence in the consumer.
    pub consumer_sequence: u64,
    /// When the message was stored.
    pub timestamp: SystemTime,
    /// Messages still to deliver after this one.
    pub pending: u64,
}

/// An ack subject that is not a valid JetStream ack subject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// The reply does not start with `$JS.ACK.`: not a JetStream message.
    #[error("reply subject '{0}' is not a JetStream ack subject")]
    NotJetStream(String),
    /// Neither 9 nor at least 11 tokens.
    #[error("ack subject has {0} tokens; expected 9 or at least 11")]
    TokenCount(usize),
    /// A name token is empty.
    #[error("ack subject has an empty {0}")]
    Empty(&'static str),
    /// A numeric token does not parse.
    #[error("ack subject field {field} is not a number: '{value}'")]
    Number {
        /// Which field.
        field: &'static str,
        /// The token.
        value: String,
    },
}

fn number(field: &'static str, value: &str) -> Result<u64, MetadataError> {
    // One pass over the digits; `u64::from_str` would also accept a leading '+', which no
    // server writes.
    let bad = || MetadataError::Number {
        field,
        value: value.to_owned(),
    };
    if value.is_empty() {
        return Err(bad());
    }
    value.bytes().try_fold(0u64, |n, b| {
        if !b.is_ascii_digit() {
            return Err(bad());
        }
        n.checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or_else(bad)
    })
}

fn name<'a>(field: &'static str, value: &'a str) -> Result<&'a str, MetadataError> {
    if value.is_empty() {
        Err(MetadataError::Empty(field))
    } else {
        Ok(value)
    }
}

impl MessageMetadata {
    /// Parses an ack subject in either form.
    ///
    /// # Errors
    /// [`MetadataError`] saying why the subject is not a valid ack subject.
    pub fn parse(reply: &str) -> Result<Self, MetadataError> {
        let Some(rest) = reply.strip_prefix(ACK_PREFIX) else {
            return Err(MetadataError::NotJetStream(reply.to_owned()));
        };
        // Every delivered message is parsed: the tokens go into a fixed array (the first
        // nine are all any form uses), not a Vec, and the count is kept separately.
        let mut tokens = [""; 9];
        let mut count = 0;
        for token in rest.split('.') {
            if let Some(slot) = tokens.get_mut(count) {
                *slot = token;
            }
            count += 1;
        }
        // Token counts are checked before any index: v1 leaves 7 tokens after `$JS.ACK`,
        // v2 at least 9, of which the first two are domain and hash; `t` has ≥ 7 either way.
        let (domain, account_hash, t) = match count + 2 {
            9 => (None, None, &tokens[..7]),
            n if n >= 11 => {
                let domain = name("domain", tokens[0])?;
                let hash = name("account hash", tokens[1])?;
                let domain = (domain != "_").then(|| domain.to_owned());
                (domain, Some(hash.to_owned()), &tokens[2..9])
            }
            n => return Err(MetadataError::TokenCount(n)),
        };
        let ts = number("timestamp", t[5])?;
        Ok(Self {
            domain,
            account_hash,
            stream: name("stream", t[0])?.to_owned(),
            consumer: name("consumer", t[1])?.to_owned(),
            delivered: number("delivered", t[2])?,
            stream_sequence: number("stream sequence", t[3])?,
            consumer_sequence: number("consumer sequence", t[4])?,
            timestamp: UNIX_EPOCH + Duration::from_nanos(ts),
            pending: number("pending", t[6])?,
        })
    }

    /// The timestamp as Unix nanoseconds, as the ack subject carries it (0 before 1970).
    pub fn timestamp_nanos(&self) -> u64 {
        self.timestamp
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }

    /// The ack subject for this metadata: v1 without domain and account hash, else v2.
    /// (Useful for test servers; clients reply to the subject they received.)
    pub fn ack_subject(&self) -> String {
        let numbers = format!(
            "{}.{}.{}.{}.{}",
            self.delivered,
            self.stream_sequence,
            self.consumer_sequence,
            self.timestamp_nanos(),
            self.pending
        );
        match (&self.domain, &self.account_hash) {
            (None, None) => format!("{ACK_PREFIX}{}.{}.{numbers}", self.stream, self.consumer),
            (domain, hash) => format!(
                "{ACK_PREFIX}{}.{}.{}.{}.{numbers}",
                domain.as_deref().unwrap_or("_"),
                hash.as_deref().unwrap_or("_"),
                self.stream,
                self.consumer
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_captured_v1() {
        let m = MessageMetadata::parse("$JS.ACK.ORDERS.worker.1.1.1.1795615218263621720.2")
            .expect("valid v1 subject");
        assert_eq!(m.domain, None);
        assert_eq!(m.account_hash, None);
        assert_eq!(
            (m.stream.as_str(), m.consumer.as_str()),
            ("ORDERS", "worker")
        );
        assert_eq!(
            (
                m.delivered,
                m.stream_sequence,
                m.consumer_sequence,
                m.pending
            ),
            (1, 1, 1, 2)
        );
        assert_eq!(m.timestamp_nanos(), 1_795_615_218_263_621_720);
    }

    #[test]
    fn parses_captured_v2_and_extra_tokens() {
        let m = MessageMetadata::parse("$JS.ACK._.szMpdrwD.ORDERS.pc.1.1.1.1795615327919686389.0")
            .expect("valid v2 subject");
        assert_eq!(m.domain, None);
        assert_eq!(m.account_hash.as_deref(), Some("szMpdrwD"));
        assert_eq!((m.stream.as_str(), m.consumer.as_str()), ("ORDERS", "pc"));
        assert_eq!(m.pending, 0);
        let m = MessageMetadata::parse("$JS.ACK.hub.AbC.S.c.2.10.7.5.3.extra.more").expect("valid");
        assert_eq!(m.domain.as_deref(), Some("hub"));
        assert_eq!(
            (
                m.delivered,
                m.stream_sequence,
                m.consumer_sequence,
                m.pending
            ),
            (2, 10, 7, 3)
        );
    }

    #[test]
    fn malformed_subjects_are_typed_errors() {
        assert!(matches!(
            MessageMetadata::parse("_INBOX.x"),
            Err(MetadataError::NotJetStream(_))
        ));
        assert_eq!(
            MessageMetadata::parse("$JS.ACK.S.c.1.1.1.1"),
            Err(MetadataError::TokenCount(8))
        );
        assert_eq!(
            MessageMetadata::parse("$JS.ACK.d.h.S.c.1.1.1.1"),
            Err(MetadataError::TokenCount(10))
        );
        assert_eq!(
            MessageMetadata::parse("$JS.ACK.S.c.x.1.1.1.1"),
            Err(MetadataError::Number {
                field: "delivered",
                value: "x".into()
            })
        );
        assert_eq!(
            MessageMetadata::parse("$JS.ACK.S.c.1.1.1.+1.1"),
            Err(MetadataError::Number {
                field: "timestamp",
                value: "+1".into()
            })
        );
        assert_eq!(
            MessageMetadata::parse("$JS.ACK.S.c.1.1.1.1.99999999999999999999"),
            Err(MetadataError::Number {
                field: "pending",
                value: "99999999999999999999".into()
            })
        );
        assert_eq!(
            MessageMetadata::parse("$JS.ACK..c.1.1.1.1.1"),
            Err(MetadataError::Empty("stream"))
        );
        assert_eq!(
            MessageMetadata::parse("$JS.ACK._..S.c.1.1.1.1.1"),
            Err(MetadataError::Empty("account hash"))
        );
        assert!(is_jetstream_reply("$JS.ACK.S.c.1.1.1.1.1"));
        assert!(!is_jetstream_reply("$JS.FC.S.c.x"));
    }

    mod proptests {
        use super::super::*;
        use proptest::prelude::*;

        fn token() -> impl Strategy<Value = String> {
            "[A-Za-z0-9_-]{1,12}".prop_filter("'_' means no domain", |s| s != "_")
        }

        proptest! {
            #[test]
            fn round_trips(
                v2 in any::<bool>(),
                domain in proptest::option::of(token()),
                hash in token(),
                stream in token(),
                consumer in token(),
                nums in any::<(u64, u64, u64, u64)>(),
                ts in any::<u64>(),
            ) {
                let m = MessageMetadata {
                    domain: if v2 { domain } else { None },
                    account_hash: v2.then_some(hash),
                    stream,
                    consumer,
                    delivered: nums.0,
                    stream_sequence: nums.1,
                    consumer_sequence: nums.2,
                    timestamp: UNIX_EPOCH + Duration::from_nanos(ts),
                    pending: nums.3,
                };
                prop_assert_eq!(MessageMetadata::parse(&m.ack_subject()), Ok(m));
            }

            #[test]
            fn never_panics(s in "\\$JS\\.ACK\\.[a-z0-9._]{0,40}") {
                let _ = MessageMetadata::parse(&s);
            }
        }
    }
}
