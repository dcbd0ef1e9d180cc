//! Handlers: what runs for each request, typed (serde in, serde out) or raw (the whole
//! message in, bytes and headers out).

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use natbus_proto::headers::HeaderMap;
use natbus_proto::message::Message;
use natbus_proto::service::{ServiceError, encode_result};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::catch_unwind::catch_panics;
use crate::envelope::BusEnvelope;
pub use crate::error::HandlerError;
use crate::runtime::BoxFuture;

/// The status code of a request whose payload does not fit the handler's request type.
pub const VALIDATION_ERROR_CODE: u16 = 400;

/// One request as a handler sees it: the whole message.
#[derive(Debug, Clone)]
pub struct Request {
    message: Message,
}

impl Request {
    pub(crate) fn new(message: Message) -> Self {
        Request { message }
    }

    /// The subject it was sent to (useful with wildcard endpoint subjects).
    pub fn subject(&self) -> &str {
        self.message.subject.as_str()
    }

    /// Where the reply goes; `None` for a plain publish (an event), which is handled but
    /// cannot be answered.
    pub fn reply(&self) -> Option<&str> {
        self.message.reply.as_ref().map(|r| r.as_str())
    }

    /// The request headers, if any.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.message.headers.as_ref()
    }

    /// The body.
    pub fn payload(&self) -> &Bytes {
        &self.message.payload
    }

    /// The whole message.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The envelope fields: content type, sender, trace and correlation ids.
    pub fn envelope(&self) -> BusEnvelope<'_> {
        BusEnvelope::from(&self.message)
    }

    /// The body parsed as JSON into `T`; an empty body reads as JSON `null`, so `()` and
    /// `Option<T>` requests accept it.
    ///
    /// # Errors
    /// A 400 [`ServiceError`] naming what did not parse, ready to return from a handler.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ServiceError> {
        let body: &[u8] = if self.message.payload.is_empty() {
            b"null"
        } else {
            &self.message.payload
        };
        serde_json::from_slice(body).map_err(|e| {
            ServiceError::new(
                VALIDATION_ERROR_CODE,
                format!(
                    "invalid request: the body is not valid JSON for {}: {e}",
                    short_type_name::<T>()
                ),
            )
        })
    }
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// A successful answer: a body and optional headers, sent as is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// Headers to send (the service adds trace and correlation ids from the request).
    pub headers: Option<HeaderMap>,
    /// The body.
    pub payload: Bytes,
}

impl Response {
    /// A response with `payload` and no headers.
    pub fn new(payload: impl Into<Bytes>) -> Self {
        Response {
            headers: None,
            payload: payload.into(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .get_or_insert_with(HeaderMap::new)
            .insert(name, value);
        self
    }

    /// The natbus success envelope `{"result": value}`.
    ///
    /// # Errors
    /// A 500 [`ServiceError`] when `value` cannot be serialized.
    pub fn result<T: Serialize + ?Sized>(value: &T) -> Result<Self, ServiceError> {
        encode_result(value)
            .map(Response::new)
            .map_err(|e| ServiceError::internal(format!("{e}: {}", source_text(&e))))
    }
}

fn source_text(e: &dyn std::error::Error) -> String {
    e.source().map(|s| s.to_string()).unwrap_or_default()
}

impl From<Bytes> for Response {
    fn from(payload: Bytes) -> Self {
        Response::new(payload)
    }
}

impl From<Vec<u8>> for Response {
    fn from(payload: Vec<u8>) -> Self {
        Response::new(payload)
    }
}

impl From<&'static str> for Response {
    fn from(payload: &'static str) -> Self {
        Response::new(payload)
    }
}

impl From<String> for Response {
    fn from(payload: String) -> Self {
        Response::new(payload)
    }
}

/// The answer to a handler's error: a [`ServiceError`] as it is (its code and message),
/// any other error as a 500 with the error's message.
fn to_service_error(error: impl Into<HandlerError>) -> ServiceError {
    match error.into().downcast::<ServiceError>() {
        Ok(e) => *e,
        Err(other) => ServiceError::internal(other.to_string()),
    }
}

trait Erased: Send + Sync + 'static {
    fn call(&self, request: Request) -> BoxFuture<Result<Response, ServiceError>>;
}

struct FnHandler<F>(F);

impl<F, Fut, E> Erased for FnHandler<F>
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response, E>> + Send + 'static,
    E: Into<HandlerError> + 'static,
{
    fn call(&self, request: Request) -> BoxFuture<Result<Response, ServiceError>> {
        let answer = (self.0)(request);
        Box::pin(async move { answer.await.map_err(to_service_error) })
    }
}

/// What an endpoint runs for each request. Cheap to clone; one handler may serve several
/// endpoints.
///
/// A handler returns `Result<_, E>` for any error type `E` that converts into
/// [`HandlerError`] (every `std::error::Error + Send + Sync`, strings too), so `?` works on
/// ordinary errors: a [`ServiceError`] is answered with its own code and message, any
/// other error with code 500 and the error's message. A handler that panics is answered
/// with a 500 as well, and the service keeps serving.
///
/// ```
/// use natbus::service::{Handler, HandlerError, ServiceError};
///
/// #[derive(serde::Deserialize)]
/// struct Resize { width: String }
///
/// let resize = Handler::typed(|req: Resize| async move {
///     let width: u32 = req.width.parse()?; // a bad number: 500 "invalid digit found in string"
///     if width == 0 {
///         return Err(ServiceError::new(400, "width must be positive").into()); // a 400
///     }
///     Ok::<_, HandlerError>(width * 2)
/// });
/// # let _ = resize;
/// ```
#[derive(Clone)]
pub struct Handler(Arc<dyn Erased>);

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Handler")
    }
}

impl Handler {
    /// A raw handler: gets the whole [`Request`] and answers with a [`Response`] (sent as
    /// is) or an error (sent as the error envelope with the ADR-32 error headers: a
    /// [`ServiceError`]'s code and message, else 500 and the error's message).
    pub fn raw<F, Fut, E>(f: F) -> Self
    where
        F: Fn(Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response, E>> + Send + 'static,
        E: Into<HandlerError> + 'static,
    {
        Handler(Arc::new(FnHandler(f)))
    }

    /// A typed handler: the body is parsed as JSON `Req` (a body that does not parse is
    /// answered with a 400 error and the handler is not called); the handler's `Resp` is
    /// sent as `{"result": …}`, its error as `{"error": {"code", "message"}}` plus headers
    /// (see [`Handler`] for how errors map to codes).
    pub fn typed<Req, Resp, F, Fut, E>(f: F) -> Self
    where
        Req: DeserializeOwned + Send + 'static,
        Resp: Serialize + Send + 'static,
        F: Fn(Req) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Resp, E>> + Send + 'static,
        E: Into<HandlerError> + 'static,
    {
        Self::typed_with_request(move |_request, body| f(body))
    }

    /// Like [`typed`](Self::typed), also handing the handler the [`Request`] (headers,
    /// subject, trace and correlation ids).
    pub fn typed_with_request<Req, Resp, F, Fut, E>(f: F) -> Self
    where
        Req: DeserializeOwned + Send + 'static,
        Resp: Serialize + Send + 'static,
        F: Fn(Request, Req) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Resp, E>> + Send + 'static,
        E: Into<HandlerError> + 'static,
    {
        Handler::raw(move |request: Request| {
            let call = request.json::<Req>().map(|body| f(request, body));
            async move {
                let response = call?.await.map_err(to_service_error)?;
                Response::result(&response)
            }
        })
    }

    /// Runs the handler; a panic inside it becomes a 500 error instead of a lost reply.
    pub(crate) async fn call(&self, request: Request) -> Result<Response, ServiceError> {
        catch_panics(|| self.0.call(request))
            .await
            .unwrap_or_else(|| {
                Err(ServiceError::internal(
                    "the handler panicked; see the service's logs",
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &'static [u8]) -> Request {
        Request::new(Message {
            subject: "v1.greeter.greet".try_into().expect("valid subject"),
            reply: None,
            headers: None,
            malformed_headers: None,
            payload: Bytes::from_static(body),
        })
    }

    #[derive(serde::Deserialize)]
    struct Greet {
        name: String,
    }

    #[test]
    fn json_errors_are_400() {
        let err = request(b"{\"nom\":1}")
            .json::<Greet>()
            .err()
            .expect("missing field");
        assert_eq!(err.code, 400);
        assert!(err.message.contains("Greet"), "{}", err.message);
        assert!(err.message.contains("name"), "{}", err.message);
        assert_eq!(
            request(b"{\"name\":\"Ada\"}")
                .json::<Greet>()
                .map(|g| g.name),
            Ok("Ada".into())
        );
        assert_eq!(request(b"").json::<()>(), Ok(()));
    }

    #[test]
    fn ordinary_errors_are_500_with_their_message_and_service_errors_keep_theirs() {
        let parse = "x".parse::<u32>().expect_err("not a number");
        assert_eq!(
            to_service_error(parse),
            ServiceError::internal("invalid digit found in string")
        );
        let io = std::io::Error::other("disk full");
        assert_eq!(to_service_error(io), ServiceError::internal("disk full"));
        assert_eq!(
            to_service_error("plain text"),
            ServiceError::internal("plain text")
        );
        let own = ServiceError::new(404, "no such order");
        assert_eq!(to_service_error(own.clone()), own);
        let boxed: HandlerError = Box::new(own.clone());
        assert_eq!(
            to_service_error(boxed),
            own,
            "a boxed ServiceError keeps its code"
        );
    }

    #[test]
    fn response_result_is_the_envelope() {
        let r = Response::result(&serde_json::json!({"ok": true})).expect("encodes");
        assert_eq!(&r.payload[..], br#"{"result":{"ok":true}}"#);
    }
}
