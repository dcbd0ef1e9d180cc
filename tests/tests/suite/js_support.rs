//! What the JetStream tests share: a context on a fresh client, a stream to work on, and
//! the API error code of a refused call.

use std::sync::Arc;

use natbus::Runtime;
use natbus::jetstream::{JetStream, JetStreamError, JsMessage, StreamConfig};
use natbus_tests::NatsServer;

use super::{connect, options};

/// A JetStream context on a new client of `server`.
pub async fn js_for(rt: &Arc<dyn Runtime>, server: &NatsServer) -> JetStream {
    connect(rt, options(&server.url())).await.jetstream()
}

/// A JetStream context on a new client of `server`, with the stream `name` capturing
/// `subject` (file storage, the server's defaults) created.
pub async fn js_with_stream(
    rt: &Arc<dyn Runtime>,
    server: &NatsServer,
    name: &str,
    subject: &str,
) -> JetStream {
    let js = js_for(rt, server).await;
    js.create_stream(StreamConfig::new(name).subjects([subject]))
        .await
        .expect("create");
    js
}

/// The API error code of a call the server must refuse.
pub fn api_code(result: Result<impl std::fmt::Debug, JetStreamError>) -> u16 {
    let err = result.expect_err("the server refuses this");
    err.err_code()
        .unwrap_or_else(|| panic!("expected an API error, got {err:?}"))
}

/// Publishes `n` messages (payloads `0`, `1`, …) to `subject`, each acknowledged.
pub async fn publish_n(js: &JetStream, subject: &str, n: usize) {
    for i in 0..n {
        js.publish(subject.to_owned(), format!("{i}"))
            .await
            .expect("publish");
    }
}

/// The stream sequences of delivered messages.
pub fn stream_seqs(msgs: &[JsMessage]) -> Vec<u64> {
    msgs.iter()
        .map(|m| m.metadata().expect("metadata").stream_sequence)
        .collect()
}
