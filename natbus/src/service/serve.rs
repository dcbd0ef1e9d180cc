//! The service's tasks: one reader per endpoint that hands requests to handler tasks
//! (bounded by the worker limit), and one reader answering the nine `$SRV` subjects.

use std::future::poll_fn;
use std::sync::Arc;
use std::task::Poll;

use bytes::Bytes;
use natbus_proto::headers::HeaderMap;
use natbus_proto::message::Message;
use natbus_proto::service::{EndpointIndex, ServiceError, Verb, encode_error};
use tracing::Instrument;

use super::handler::{Handler, Request};
use super::state::Shared;
use super::sync::Permit;
use crate::envelope::trace::PROPAGATED_HEADERS;
use crate::subscriber::Subscriber;

/// What a handler task needs to know about its endpoint.
pub(crate) struct EndpointRuntime {
    pub(crate) name: String,
    pub(crate) index: EndpointIndex,
    pub(crate) handler: Handler,
}

/// Reads one endpoint's subscription until it ends (drained by `stop`, or connection
/// closed). Waiting for a worker slot before taking the next message is the backpressure:
/// meanwhile messages wait in the subscription's bounded buffer.
pub(crate) async fn endpoint_reader(
    shared: Arc<Shared>,
    mut sub: Subscriber,
    endpoint: Arc<EndpointRuntime>,
) {
    while let Some(message) = sub.next().await {
        let permit = shared.workers.acquire().await;
        let span = tracing::debug_span!(
            parent: &shared.span,
            "request",
            endpoint = %endpoint.name,
            subject = %message.subject,
        );
        let task = serve(shared.clone(), endpoint.clone(), message, permit).instrument(span);
        shared.client.runtime().spawn(Box::pin(task));
    }
    shared.reader_done().await;
}

/// Runs the handler for one request, records stats, and replies.
async fn serve(
    shared: Arc<Shared>,
    endpoint: Arc<EndpointRuntime>,
    message: Message,
    _permit: Permit,
) {
    let runtime = shared.client.runtime().clone();
    let started = runtime.now();
    let reply_to = message.reply.clone();
    let subject = message.subject.clone();
    let request_headers = message.headers.clone();
    let outcome = endpoint.handler.call(Request::new(message)).await;
    let elapsed = runtime.now().saturating_duration_since(started);
    // Recorded before replying, so a caller that asks for STATS right after its reply
    // already sees this request.
    shared
        .stats()
        .record(endpoint.index, elapsed, outcome.as_ref().err());
    let (mut headers, payload) = match &outcome {
        Ok(response) => (response.headers.clone(), response.payload.clone()),
        Err(error) => {
            // Warn, not debug: a failing handler is something an operator needs to see.
            tracing::warn!(endpoint = %endpoint.name, %subject, code = error.code,
                error = %error.message, ?elapsed, "request failed");
            (Some(error_headers(error)), Bytes::from(encode_error(error)))
        }
    };
    if outcome.is_ok() {
        tracing::trace!(?elapsed, "request handled");
    }
    propagate(request_headers.as_ref(), &mut headers);
    let Some(reply_to) = reply_to else {
        tracing::debug!("no reply subject: handled as an event, nothing sent");
        return;
    };
    let sent = shared
        .client
        .publish_full(reply_to.as_str(), None, headers.as_ref(), payload)
        .await;
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not send the reply");
        let error = ServiceError::internal(format!("NATS error when sending response: {e}"));
        if let Some(recorder) = shared.stats().endpoint_mut(endpoint.index) {
            recorder.record_error(&error);
        }
    }
}

/// The two ADR-32 error headers.
fn error_headers(error: &ServiceError) -> HeaderMap {
    error.header_values().into_iter().collect()
}

/// Copies trace and correlation headers from the request to the reply, unless the handler
/// set its own.
fn propagate(request: Option<&HeaderMap>, reply: &mut Option<HeaderMap>) {
    let Some(request) = request else { return };
    for name in PROPAGATED_HEADERS {
        let Some(value) = request.get(name) else {
            continue;
        };
        let reply = reply.get_or_insert_with(HeaderMap::new);
        if reply.get(name).is_none() {
            reply.insert(name, value);
        }
    }
}

/// Answers PING, INFO and STATS on the nine discovery subscriptions until all have ended.
pub(crate) async fn discovery_reader(shared: Arc<Shared>, mut subs: Vec<(Verb, Subscriber)>) {
    loop {
        let next = poll_fn(|cx| {
            let mut i = 0;
            while let Some((verb, sub)) = subs.get_mut(i) {
                match sub.mailbox.poll_pop(cx) {
                    Poll::Ready(Some(message)) => return Poll::Ready(Some((*verb, message))),
                    Poll::Ready(None) => {
                        subs.swap_remove(i);
                    }
                    Poll::Pending => i += 1,
                }
            }
            if subs.is_empty() {
                Poll::Ready(None)
            } else {
                Poll::Pending
            }
        })
        .await;
        let Some((verb, message)) = next else { break };
        answer_discovery(&shared, verb, message).await;
    }
    shared.reader_done().await;
}

async fn answer_discovery(shared: &Shared, verb: Verb, message: Message) {
    let Some(reply_to) = message.reply else {
        tracing::debug!(subject = %message.subject, "discovery request without reply subject");
        return;
    };
    let (config, id) = (&shared.config, shared.id.as_str());
    let body = match verb {
        Verb::Ping => natbus_proto::service::PingResponse::new(config, id).to_json(),
        Verb::Info => shared.stats().info_response(config, id).to_json(),
        Verb::Stats => shared
            .stats()
            .stats_response(config, id, |_| None)
            .to_json(),
    };
    tracing::trace!(verb = verb.as_str(), "answering discovery");
    if let Err(e) = shared
        .client
        .publish_full(reply_to.as_str(), None, None, Bytes::from(body))
        .await
    {
        tracing::warn!(error = %e, verb = verb.as_str(), "could not answer discovery request");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn propagates_trace_and_correlation_only() {
        let request: HeaderMap = [
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
            ("X-Correlation-Id", "order-1"),
            ("X-Sender", "caller"),
        ]
        .into_iter()
        .collect();
        let mut reply = None;
        propagate(Some(&request), &mut reply);
        let reply = reply.expect("headers added");
        assert_eq!(reply.get("X-Correlation-Id"), Some("order-1"));
        assert!(reply.get("traceparent").is_some());
        assert_eq!(reply.get("X-Sender"), None, "the sender is not the replier");

        let mut own = Some([("X-Correlation-Id", "mine")].into_iter().collect());
        propagate(Some(&request), &mut own);
        assert_eq!(
            own.and_then(|h: HeaderMap| h.get("X-Correlation-Id").map(str::to_owned)),
            Some("mine".into())
        );

        let mut none = None;
        propagate(None, &mut none);
        assert!(none.is_none(), "no request headers: a plain reply");
    }

    #[test]
    fn error_headers_are_the_adr32_pair() {
        let h = error_headers(&ServiceError::new(400, "bad"));
        assert_eq!(h.get("Nats-Service-Error"), Some("bad"));
        assert_eq!(h.get("Nats-Service-Error-Code"), Some("400"));
    }
}
