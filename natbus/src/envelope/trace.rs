//! The envelope's header names and W3C trace context (`traceparent`).
//!
//! The names are written exactly as below, the way the Python NATBus reads them (nats-py's
//! header dictionaries are case-sensitive; the seed's `BusMessage.from_json` writes a
//! lowercase `content-type`), and read case-insensitively, so `Content-Type` from an HTTP
//! minded publisher is found too.
//!
//! | field | header |
//! |---|---|
//! | content type | `content-type` |
//! | sender | `X-Sender` |
//! | trace id | `X-Trace-Id` (and W3C `traceparent`) |
//! | correlation id | `X-Correlation-Id` |
//!
//! A trace id set on a [`BusMessage`](super::BusMessage) is written twice: as given, in
//! [`TRACE_ID_HEADER`], and, when it is a W3C trace id (32 hex digits, not all zero; a UUID
//! with dashes is accepted and normalised), as a `traceparent` header with a fresh span id,
//! so W3C trace context (OpenTelemetry) sees the same trace. Readers return the trace id
//! the sender set (`X-Trace-Id`) as it was written; `traceparent` is only used when there is
//! no `X-Trace-Id`, and a `traceparent` that names another trace is logged, never
//! preferred.

use natbus_proto::Prng;

/// The media type of the payload (`application/json`, `image/jpeg`…), lowercase as the
/// Python NATBus writes and reads it.
pub const CONTENT_TYPE_HEADER: &str = "content-type";
/// Who sent the message: a service or component name, free text.
pub const SENDER_HEADER: &str = "X-Sender";
/// The trace id as the sender gave it (also carried in `traceparent` when W3C-shaped).
pub const TRACE_ID_HEADER: &str = "X-Trace-Id";
/// The W3C trace context header: `00-<trace-id>-<parent-id>-<flags>`.
pub const TRACEPARENT_HEADER: &str = "traceparent";
/// Ties a message to the conversation it belongs to (a request, an order, a job).
pub const CORRELATION_ID_HEADER: &str = "X-Correlation-Id";
/// The content type [`BusMessage::json`](super::BusMessage::json) sets.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// Headers a service copies from a request to its reply, so traces and conversations
/// continue across the hop.
#[cfg(feature = "service")]
pub(crate) const PROPAGATED_HEADERS: [&str; 3] =
    [TRACEPARENT_HEADER, TRACE_ID_HEADER, CORRELATION_ID_HEADER];

/// The trace-id field of a `traceparent` value, if the value is well formed (version `00`
/// with exactly four fields, or a later version with at least four; ids in lowercase hex,
/// neither all zero).
pub fn traceparent_trace_id(value: &str) -> Option<&str> {
    let mut fields = value.trim().split('-');
    let version = fields.next()?;
    let trace_id = fields.next()?;
    let parent_id = fields.next()?;
    let flags = fields.next()?;
    let rest = fields.next();
    let ok = is_lower_hex(version, 2)
        && version != "ff"
        && (version != "00" || rest.is_none())
        && is_lower_hex(trace_id, 32)
        && is_lower_hex(parent_id, 16)
        && is_lower_hex(flags, 2)
        && !is_zero(trace_id)
        && !is_zero(parent_id);
    ok.then_some(trace_id)
}

/// The W3C form of a trace id (32 lowercase hex digits, not all zero), accepting uppercase
/// and UUID dashes; `None` when `trace_id` cannot be one.
pub fn w3c_trace_id(trace_id: &str) -> Option<String> {
    let hex: String = trace_id
        .trim()
        .chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (is_lower_hex(&hex, 32) && !is_zero(&hex)).then_some(hex)
}

/// A `traceparent` for `trace_id` (already in W3C form) with a new random span id, sampled.
pub(crate) fn new_traceparent(trace_id: &str, seed: u64) -> String {
    let mut rng = Prng::new(seed);
    // A zero parent id is invalid; xoshiro never yields zero twice in a row from a
    // splitmix-seeded state, but loop anyway rather than trust that.
    let mut span = rng.next_u64();
    while span == 0 {
        span = rng.next_u64();
    }
    format!("00-{trace_id}-{span:016x}-01")
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_zero(s: &str) -> bool {
    s.bytes().all(|b| b == b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    const TID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    #[test]
    fn parses_valid_traceparents() {
        let tp = format!("00-{TID}-00f067aa0ba902b7-01");
        assert_eq!(traceparent_trace_id(&tp), Some(TID));
        // A future version may carry more fields.
        let tp = format!("01-{TID}-00f067aa0ba902b7-00-extra");
        assert_eq!(traceparent_trace_id(&tp), Some(TID));
    }

    #[test]
    fn rejects_malformed_traceparents() {
        for bad in [
            String::new(),
            format!("00-{TID}-00f067aa0ba902b7"),
            format!("00-{TID}-00f067aa0ba902b7-01-extra"),
            format!("ff-{TID}-00f067aa0ba902b7-01"),
            format!("00-{}-00f067aa0ba902b7-01", TID.to_uppercase()),
            format!("00-{}-00f067aa0ba902b7-01", "0".repeat(32)),
            format!("00-{TID}-0000000000000000-01"),
            format!("00-{TID}-00f067aa0ba902b-01"),
        ] {
            assert_eq!(traceparent_trace_id(&bad), None, "{bad}");
        }
    }

    #[test]
    fn normalises_trace_ids() {
        assert_eq!(w3c_trace_id(TID).as_deref(), Some(TID));
        assert_eq!(
            w3c_trace_id("4BF92F35-77B3-4DA6-A3CE-929D0E0E4736").as_deref(),
            Some(TID)
        );
        assert_eq!(w3c_trace_id("order-42"), None);
        assert_eq!(w3c_trace_id(&"0".repeat(32)), None);
    }

    #[test]
    fn new_traceparents_are_valid() {
        for seed in 0..100 {
            let tp = new_traceparent(TID, seed);
            assert_eq!(traceparent_trace_id(&tp), Some(TID), "{tp}");
        }
        assert_ne!(new_traceparent(TID, 1), new_traceparent(TID, 2));
    }
}
