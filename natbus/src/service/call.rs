//! Calling a service from the client side: JSON in, the envelope's result or error out.

use bytes::Bytes;
use natbus_proto::message::Message;
use natbus_proto::service::{ERROR_CODE_HEADER, ERROR_HEADER, decode_reply};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::CallError;
use crate::client::{Client, RequestOptions};

impl Client {
    /// Calls a service: sends `request` as JSON to `subject` and returns the `result` of
    /// the reply envelope as `Resp`.
    ///
    /// A reply carrying `Nats-Service-Error` headers is an error whatever its body, so
    /// this works with any ADR-32 service, not only natbus ones.
    ///
    /// ```no_run
    /// # async fn demo(client: natbus::Client) -> Result<(), natbus::service::CallError> {
    /// let reply: serde_json::Value = client
    ///     .call("v1.greeter.greet", &serde_json::json!({"name": "world"}))
    ///     .await?;
    /// # let _ = reply; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`CallError::Service`] when the service answered with an error,
    /// [`CallError::Request`] when no answer came, [`CallError::Encode`] /
    /// [`CallError::Decode`] when the request or reply does not fit the types.
    pub async fn call<Req, Resp>(
        &self,
        subject: impl AsRef<str>,
        request: &Req,
    ) -> Result<Resp, CallError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        self.call_with(subject, request, RequestOptions::default())
            .await
    }

    /// Like [`call`](Self::call), with headers (e.g. a trace or correlation id) and/or a
    /// timeout.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn call_with<Req, Resp>(
        &self,
        subject: impl AsRef<str>,
        request: &Req,
        options: RequestOptions,
    ) -> Result<Resp, CallError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let body = serde_json::to_vec(request).map_err(CallError::Encode)?;
        let reply = self
            .request_with(subject, Bytes::from(body), options)
            .await?;
        decode_call_reply(&reply)
    }
}

/// Reads a reply: headers first, then the envelope.
pub(crate) fn decode_call_reply<Resp: DeserializeOwned>(
    reply: &Message,
) -> Result<Resp, CallError> {
    let header = |name| reply.headers.as_ref().and_then(|h| h.get(name));
    let decoded = decode_reply::<Resp>(
        header(ERROR_HEADER),
        header(ERROR_CODE_HEADER),
        &reply.payload,
    )?;
    Ok(decoded.into_result()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use natbus_proto::headers::HeaderMap;
    use natbus_proto::service::ServiceError;

    fn reply(headers: Option<HeaderMap>, body: &'static str) -> Message {
        Message {
            subject: "_INBOX.x".try_into().expect("valid subject"),
            reply: None,
            headers,
            malformed_headers: None,
            payload: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn results_errors_and_mismatches() {
        let ok: Result<u32, _> = decode_call_reply(&reply(None, r#"{"result":7}"#));
        assert_eq!(ok.ok(), Some(7));
        let err = decode_call_reply::<u32>(&reply(
            None,
            r#"{"error":{"code":404,"message":"no order"}}"#,
        ));
        assert_eq!(
            err.err().and_then(|e| e.service_error().cloned()),
            Some(ServiceError::new(404, "no order"))
        );
        let headers: HeaderMap = [
            ("Nats-Service-Error", "boom"),
            ("Nats-Service-Error-Code", "500"),
        ]
        .into_iter()
        .collect();
        let err = decode_call_reply::<u32>(&reply(Some(headers), r#"{"result":7}"#));
        assert_eq!(
            err.err().and_then(|e| e.service_error().cloned()),
            Some(ServiceError::new(500, "boom")),
            "headers win over the body"
        );
        let err = decode_call_reply::<u32>(&reply(None, r#"{"result":"seven"}"#));
        assert!(matches!(err, Err(CallError::Decode(_))));
    }
}
