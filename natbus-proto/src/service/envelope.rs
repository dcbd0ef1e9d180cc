//! The natbus application envelope: `{"result": …}` or `{"error": {"code": …, "message": …}}`.
//!
//! ADR-32 leaves bodies to the application. The Python services natbus replaces wrap every
//! answer in this envelope, so natbus speaks it too, while still setting the two ADR-32
//! error headers on failures (see [`ServiceError::header_values`]) so that other NATS
//! clients see an error. When reading a reply, the headers win over the body: a reply with
//! `Nats-Service-Error` is a failure even if its body says `{"result": …}`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::error::ServiceError;

/// A decoded reply: the handler's result, or the error it answered with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply<T> {
    /// Success: `{"result": <T>}`.
    #[serde(rename = "result")]
    Result(T),
    /// Failure: `{"error": {"code": <int>, "message": <string>}}`.
    #[serde(rename = "error")]
    Error(ServiceError),
}

impl<T> Reply<T> {
    /// The reply as a standard `Result`.
    ///
    /// # Errors
    /// The [`ServiceError`] of an error reply.
    pub fn into_result(self) -> Result<T, ServiceError> {
        match self {
            Reply::Result(value) => Ok(value),
            Reply::Error(error) => Err(error),
        }
    }
}

impl<T> From<Result<T, ServiceError>> for Reply<T> {
    fn from(result: Result<T, ServiceError>) -> Self {
        match result {
            Ok(value) => Reply::Result(value),
            Err(error) => Reply::Error(error),
        }
    }
}

/// Why an envelope could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The result value could not be serialized (for example a map with non-string keys).
    #[error("could not encode the reply result as JSON; check the result type's Serialize")]
    Encode(#[source] serde_json::Error),
    /// The body is neither `{"result": …}` nor `{"error": {"code", "message"}}`, or its
    /// result does not fit the expected type.
    #[error(
        "reply body is not a natbus envelope of the expected type ({{\"result\": …}} or {{\"error\": {{\"code\", \"message\"}}}})"
    )]
    Decode(#[source] serde_json::Error),
}

/// The success body `{"result": <value>}`.
///
/// # Errors
/// [`EnvelopeError::Encode`] when `value` cannot be serialized as JSON.
pub fn encode_result<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, EnvelopeError> {
    serde_json::to_vec(&Reply::<&T>::Result(value)).map_err(EnvelopeError::Encode)
}

/// The failure body `{"error": {"code": …, "message": …}}`. Send it together with
/// [`ServiceError::header_values`].
pub fn encode_error(error: &ServiceError) -> Vec<u8> {
    serde_json::to_vec(&Reply::<()>::Error(error.clone()))
        .expect("a ServiceError is a u16 and a string, which always serialize")
}

/// Reads a reply from its error header values (`Nats-Service-Error` and
/// `Nats-Service-Error-Code`, `None` when absent) and its body.
///
/// If either header is present the reply is an error built from the headers, whatever the
/// body holds (see [`ServiceError::from_headers`]). Otherwise the body must be an envelope.
///
/// # Errors
/// [`EnvelopeError::Decode`] when there is no error header and the body is not an envelope
/// whose result fits `T`.
pub fn decode_reply<T: DeserializeOwned>(
    error_header: Option<&str>,
    code_header: Option<&str>,
    body: &[u8],
) -> Result<Reply<T>, EnvelopeError> {
    if let Some(error) = ServiceError::from_headers(error_header, code_header) {
        return Ok(Reply::Error(error));
    }
    serde_json::from_slice(body).map_err(EnvelopeError::Decode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn encodes_exact_shapes() {
        let body = encode_result(&json!({"message": "Hello Ada!"})).expect("JSON encodes");
        assert_eq!(body, br#"{"result":{"message":"Hello Ada!"}}"#);
        let body = encode_error(&ServiceError::new(400, "amount must be positive"));
        assert_eq!(
            body,
            br#"{"error":{"code":400,"message":"amount must be positive"}}"#
        );
    }

    #[test]
    fn decodes_bodies() {
        let ok: Reply<Value> =
            decode_reply(None, None, br#"{"result": {"ack": true}}"#).expect("valid envelope");
        assert_eq!(ok, Reply::Result(json!({"ack": true})));
        let err: Reply<Value> = decode_reply(
            None,
            None,
            br#"{"error": {"code": 404, "message": "no order"}}"#,
        )
        .expect("valid envelope");
        assert_eq!(err.into_result(), Err(ServiceError::new(404, "no order")));
    }

    #[test]
    fn headers_win_over_body() {
        let reply: Reply<Value> = decode_reply(
            Some("amount must be positive"),
            Some("400"),
            br#"{"result": 1}"#,
        )
        .expect("headers decide");
        assert_eq!(
            reply,
            Reply::Error(ServiceError::new(400, "amount must be positive"))
        );
        // The captured nats-py error reply has an empty body.
        let reply: Reply<Value> =
            decode_reply(Some("boom"), Some("500"), b"").expect("headers decide");
        assert_eq!(reply, Reply::Error(ServiceError::new(500, "boom")));
    }

    #[test]
    fn rejects_non_envelopes() {
        for bad in [
            &b""[..],
            b"{}",
            b"[1]",
            br#"{"message": "hi"}"#,
            br#"{"result": 1, "error": {"code": 1, "message": ""}}"#,
            br#"{"error": {"message": "no code"}}"#,
            br#"{"result": "not a number"}"#,
        ] {
            let got = decode_reply::<i64>(None, None, bad);
            assert!(
                matches!(got, Err(EnvelopeError::Decode(_))),
                "{:?} gave {got:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn encode_reports_unserializable_results() {
        let mut map = std::collections::HashMap::new();
        map.insert(vec![1u8], 1);
        assert!(matches!(encode_result(&map), Err(EnvelopeError::Encode(_))));
    }

    mod proptests {
        use super::super::*;
        use proptest::prelude::*;
        use serde_json::Value;

        proptest! {
            #[test]
            fn result_round_trips(value in any::<i64>(), text in "\\PC{0,30}") {
                let body = encode_result(&(value, &text)).expect("tuples encode");
                let back: Reply<(i64, String)> =
                    decode_reply(None, None, &body).expect("our envelope decodes");
                prop_assert_eq!(back, Reply::Result((value, text)));
            }

            #[test]
            fn error_round_trips(code in any::<u16>(), message in "\\PC{0,30}") {
                let error = ServiceError::new(code, message);
                let back: Reply<Value> = decode_reply(None, None, &encode_error(&error))
                    .expect("our envelope decodes");
                prop_assert_eq!(back, Reply::Error(error));
            }

            #[test]
            fn never_panics(body in proptest::collection::vec(any::<u8>(), 0..64)) {
                let _ = decode_reply::<Value>(None, None, &body);
            }
        }
    }
}
