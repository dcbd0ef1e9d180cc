//! Counters (ADR-49): a stream with `allow_msg_counter` keeps a number per subject.
//!
//! An add is a publish with an empty body and a `Nats-Incr: <signed integer>` header; the
//! server loads the subject's last message, adds, stores the new total as the body
//! `{"val":"<total>"}` (keeping the `Nats-Incr` header for audits and recounts) and returns
//! the total in the PubAck's `val`. Totals are arbitrary-precision integers on the server
//! (Go's `big.Int`), so here they are [`CounterValue`]s: canonical decimal strings, read as
//! `i128` when they fit. A stream that sources counter streams (with subject transforms)
//! aggregates them: its messages carry `Nats-Counter-Sources`, the last total seen per
//! source stream and subject, which [`CounterEntry::sources`] exposes.
//!
//! ```
//! use natbus_proto::jetstream::counter::{CounterEntry, CounterValue, Increment};
//!
//! let by: Increment = (-5i64).into();
//! assert_eq!(by.header_value(), "-5");
//! let huge: Increment = "+123456789012345678901234567890123456789012".parse()?;
//! assert_eq!(huge.header_value(), "123456789012345678901234567890123456789012");
//!
//! let entry = CounterEntry::from_message(
//!     "hits.home",
//!     Some("+2"),
//!     None,
//!     br#"{"val":"100"}"#,
//! )?;
//! assert_eq!(entry.value, CounterValue::from(100));
//! assert_eq!(entry.value.to_i128(), Some(100));
//! assert_eq!(entry.increment, Some(CounterValue::from(2)));
//! # Ok::<(), natbus_proto::jetstream::counter::CounterError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

/// The header carrying an add's signed amount.
pub const NATS_INCR: &str = "Nats-Incr";
/// On messages of an aggregating stream: the last total seen per source stream and
/// subject, as JSON `{"stream":{"subject":"total"}}`.
pub const NATS_COUNTER_SOURCES: &str = "Nats-Counter-Sources";

/// 10168: `Nats-Incr` on a stream without `allow_msg_counter`.
pub const INCR_DISABLED: u16 = 10168;
/// 10169: a message without `Nats-Incr` into a counter stream.
pub const INCR_MISSING: u16 = 10169;
/// 10170: an add with a body.
pub const INCR_PAYLOAD: u16 = 10170;
/// 10171: a `Nats-Incr` that is not an integer, or with headers an add may not carry.
pub const INCR_INVALID: u16 = 10171;
/// 10172: the subject's last message is not a counter value.
pub const COUNTER_BROKEN: u16 = 10172;

/// A counter's total or an add's amount: a signed integer of any size, kept as its
/// canonical decimal text (no `+`, no leading zeros, `0` not `-0`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CounterValue(String);

/// An add's amount (`Nats-Incr`); the same as [`CounterValue`], named for its role.
pub type Increment = CounterValue;

/// A counter value that is not a signed decimal integer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CounterError {
    /// Not `[+-]digits`.
    #[error("{0:?} is not an integer (expected e.g. 5, -3 or +10)")]
    NotAnInteger(String),
    /// The stream was not created with `allow_msg_counter`.
    #[error("stream '{0}' does not allow counters (create it with allow_msg_counter)")]
    NotACounterStream(String),
    /// The stored message is not a counter value (`{"val":"<integer>"}`).
    #[error("the message on {subject:?} is not a counter value: {reason}")]
    NotACounter {
        /// Its subject.
        subject: String,
        /// Why.
        reason: String,
    },
}

impl CounterValue {
    /// The decimal text (`-42`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as an `i128`, or `None` when it is larger than that.
    pub fn to_i128(&self) -> Option<i128> {
        self.0.parse().ok()
    }

    /// The value as an `i64`, or `None` when it is larger than that.
    pub fn to_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// `Nats-Incr`'s value for an add of this amount.
    pub fn header_value(&self) -> &str {
        &self.0
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.0 == "0"
    }
}

impl FromStr for CounterValue {
    type Err = CounterError;

    /// `[+-]?digits`, as Go's `big.Int` reads base 10 (no spaces, no `_`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || CounterError::NotAnInteger(text.to_owned());
        let (negative, digits) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let digits = digits.trim_start_matches('0');
        Ok(match (negative, digits.is_empty()) {
            (_, true) => CounterValue("0".to_owned()),
            (true, false) => CounterValue(format!("-{digits}")),
            (false, false) => CounterValue(digits.to_owned()),
        })
    }
}

macro_rules! counter_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for CounterValue {
            fn from(n: $t) -> Self {
                CounterValue(n.to_string())
            }
        }
    )*};
}
counter_from_int!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl fmt::Display for CounterValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for CounterValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CounterValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A counter as stored: the last message on its subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterEntry {
    /// The counter's subject.
    pub subject: String,
    /// The total.
    pub value: CounterValue,
    /// The amount of the add that stored this message (`Nats-Incr`), for audits.
    pub increment: Option<CounterValue>,
    /// For an aggregating stream: the last total seen per source stream, per subject in
    /// that stream (`Nats-Counter-Sources`). Empty for a counter fed only directly.
    pub sources: BTreeMap<String, BTreeMap<String, CounterValue>>,
}

/// The body of a counter message.
#[derive(Deserialize)]
struct Body {
    val: CounterValue,
}

impl CounterEntry {
    /// The entry of a stored counter message, from its `Nats-Incr` and
    /// `Nats-Counter-Sources` header values and its body.
    ///
    /// # Errors
    /// [`CounterError::NotACounter`] when the body or a header is not what a counter
    /// stream stores.
    pub fn from_message(
        subject: &str,
        incr: Option<&str>,
        sources: Option<&str>,
        body: &[u8],
    ) -> Result<Self, CounterError> {
        let broken = |reason: String| CounterError::NotACounter {
            subject: subject.to_owned(),
            reason,
        };
        let value = serde_json::from_slice::<Body>(body)
            .map_err(|e| broken(format!("body: {e}")))?
            .val;
        let increment = incr
            .map(|i| i.trim().parse())
            .transpose()
            .map_err(|e: CounterError| broken(format!("{NATS_INCR}: {e}")))?;
        let sources = match sources {
            Some(json) => serde_json::from_str(json)
                .map_err(|e| broken(format!("{NATS_COUNTER_SOURCES}: {e}")))?,
            None => BTreeMap::new(),
        };
        Ok(CounterEntry {
            subject: subject.to_owned(),
            value,
            increment,
            sources,
        })
    }
}

#[cfg(test)]
#[path = "counter_tests.rs"]
mod tests;
