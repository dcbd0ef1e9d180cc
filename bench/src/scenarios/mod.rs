//! The measured scenarios, one module per client family.

pub mod apart;
pub mod async_nats_core;
pub mod async_nats_js;
pub mod js_setup;
pub mod natbus_core;
pub mod natbus_js;
pub mod requests;

use bytes::Bytes;

use crate::args::Sizes;
use natbus::proto::jetstream::stream::StorageType;

use crate::clients::{Kind, Runtimes};
use crate::{BoxError, Metrics};

/// A scenario of the side-by-side table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scenario {
    /// Publish then flush.
    Pub,
    /// Publisher and subscriber in one process.
    PubSub,
    /// Request/reply latency and throughput, requester and responder in one task.
    ReqReply,
    /// Publisher here, subscriber (same client) in another process.
    PubSubProc,
    /// Requester and responder as separate spawned tasks.
    ReqTasks,
    /// Requester task here, the shared responder program in another process.
    ReqProc,
    /// JetStream publish with acks.
    JsPub,
    /// JetStream fast-ingest batch (natbus; async-nats has none and runs `js_pub` again).
    JsBatch,
    /// JetStream pull consumer with acks.
    JsFetch,
    /// `JsPub` into a stream on file storage.
    JsPubFile,
    /// `JsFetch` from a stream on file storage.
    JsFetchFile,
}

impl Scenario {
    /// Every scenario, in table order.
    pub const ALL: [Scenario; 11] = [
        Scenario::Pub,
        Scenario::PubSub,
        Scenario::PubSubProc,
        Scenario::ReqReply,
        Scenario::ReqTasks,
        Scenario::ReqProc,
        Scenario::JsPub,
        Scenario::JsPubFile,
        Scenario::JsBatch,
        Scenario::JsFetch,
        Scenario::JsFetchFile,
    ];

    /// The name used by `--scenario` and in the table.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Pub => "pub",
            Scenario::PubSub => "pub_sub",
            Scenario::PubSubProc => "pub_sub_proc",
            Scenario::ReqReply => "req_reply",
            Scenario::ReqTasks => "req_tasks",
            Scenario::ReqProc => "req_proc",
            Scenario::JsPub => "js_pub",
            Scenario::JsBatch => "js_batch",
            Scenario::JsFetch => "js_fetch",
            Scenario::JsPubFile => "js_pub_file",
            Scenario::JsFetchFile => "js_fetch_file",
        }
    }

    /// Runs this scenario once for `kind` with `payload_len`-byte payloads.
    pub fn run(
        self,
        rts: &Runtimes,
        kind: Kind,
        url: &str,
        sizes: Sizes,
        payload_len: usize,
    ) -> Result<Metrics, BoxError> {
        let payload = Bytes::from(vec![b'x'; payload_len]);
        let s = sizes;
        let reqs = (s.seq_requests, s.concurrent_requests);
        let storage = match self {
            Scenario::JsPubFile | Scenario::JsFetchFile => StorageType::File,
            _ => StorageType::Memory,
        };
        rts.run(kind, sizes.timeout, async move {
            use Scenario::*;
            match (kind.natbus_runtime(), self) {
                (Some(rt), Pub) => natbus_core::publish(rt, url, s.pub_msgs, payload).await,
                (Some(rt), PubSub) => natbus_core::pub_sub(rt, url, s.pub_msgs, payload).await,
                (Some(rt), ReqReply) => {
                    natbus_core::req_reply(rt, url, reqs.0, reqs.1, payload).await
                }
                (Some(rt), JsPub | JsPubFile) => {
                    natbus_js::js_publish(rt, url, s.js_msgs, payload, storage).await
                }
                (Some(rt), JsBatch) => natbus_js::js_batch(rt, url, s.js_msgs, payload).await,
                (Some(rt), JsFetch | JsFetchFile) => {
                    natbus_js::js_fetch(rt, url, s.js_msgs, payload, storage).await
                }
                (Some(_), PubSubProc) => {
                    apart::pub_sub_proc::<natbus::Client>(kind, url, s.pub_msgs, payload).await
                }
                (Some(_), ReqTasks) => {
                    apart::req_tasks::<natbus::Client>(kind, url, reqs, payload).await
                }
                (Some(_), ReqProc) => {
                    apart::req_proc::<natbus::Client>(kind, url, reqs, payload).await
                }
                (None, Pub) => async_nats_core::publish(url, s.pub_msgs, payload).await,
                (None, PubSub) => async_nats_core::pub_sub(url, s.pub_msgs, payload).await,
                (None, ReqReply) => async_nats_core::req_reply(url, reqs.0, reqs.1, payload).await,
                // async-nats has no batch publishing: its best, a window of acks, is the
                // comparison for `js_batch`.
                (None, JsPub | JsPubFile | JsBatch) => {
                    async_nats_js::js_publish(url, s.js_msgs, payload, storage).await
                }
                (None, JsFetch | JsFetchFile) => {
                    async_nats_js::js_fetch(url, s.js_msgs, payload, storage).await
                }
                (None, PubSubProc) => {
                    let n = s.pub_msgs;
                    apart::pub_sub_proc::<async_nats::Client>(kind, url, n, payload).await
                }
                (None, ReqTasks) => {
                    apart::req_tasks::<async_nats::Client>(kind, url, reqs, payload).await
                }
                (None, ReqProc) => {
                    apart::req_proc::<async_nats::Client>(kind, url, reqs, payload).await
                }
            }
        })
    }
}
