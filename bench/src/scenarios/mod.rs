//! The measured scenarios, one module per client family.

pub mod async_nats_core;
pub mod async_nats_js;
pub mod js_setup;
pub mod natbus_core;
pub mod natbus_js;

use bytes::Bytes;

use crate::args::Sizes;
use crate::clients::{Kind, Runtimes};
use crate::{BoxError, Metrics};

/// A scenario of the side-by-side table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scenario {
    /// Publish then flush.
    Pub,
    /// Publisher and subscriber in one process.
    PubSub,
    /// Request/reply latency and throughput.
    ReqReply,
    /// JetStream publish with acks.
    JsPub,
    /// JetStream pull consumer with acks.
    JsFetch,
}

impl Scenario {
    /// Every scenario, in table order.
    pub const ALL: [Scenario; 5] = [
        Scenario::Pub,
        Scenario::PubSub,
        Scenario::ReqReply,
        Scenario::JsPub,
        Scenario::JsFetch,
    ];

    /// The name used by `--scenario` and in the table.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Pub => "pub",
            Scenario::PubSub => "pub_sub",
            Scenario::ReqReply => "req_reply",
            Scenario::JsPub => "js_pub",
            Scenario::JsFetch => "js_fetch",
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
        rts.run(kind, sizes.timeout, async move {
            match (kind.natbus_runtime(), self) {
                (Some(rt), Scenario::Pub) => {
                    natbus_core::publish(rt, url, s.pub_msgs, payload).await
                }
                (Some(rt), Scenario::PubSub) => {
                    natbus_core::pub_sub(rt, url, s.pub_msgs, payload).await
                }
                (Some(rt), Scenario::ReqReply) => {
                    let (seq, conc) = (s.seq_requests, s.concurrent_requests);
                    natbus_core::req_reply(rt, url, seq, conc, payload).await
                }
                (Some(rt), Scenario::JsPub) => {
                    natbus_js::js_publish(rt, url, s.js_msgs, payload).await
                }
                (Some(rt), Scenario::JsFetch) => {
                    natbus_js::js_fetch(rt, url, s.js_msgs, payload).await
                }
                (None, Scenario::Pub) => async_nats_core::publish(url, s.pub_msgs, payload).await,
                (None, Scenario::PubSub) => {
                    async_nats_core::pub_sub(url, s.pub_msgs, payload).await
                }
                (None, Scenario::ReqReply) => {
                    let (seq, conc) = (s.seq_requests, s.concurrent_requests);
                    async_nats_core::req_reply(url, seq, conc, payload).await
                }
                (None, Scenario::JsPub) => async_nats_js::js_publish(url, s.js_msgs, payload).await,
                (None, Scenario::JsFetch) => async_nats_js::js_fetch(url, s.js_msgs, payload).await,
            }
        })
    }
}
