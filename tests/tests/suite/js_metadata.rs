//! Stream and consumer metadata: the user's entries are kept across creates and updates,
//! the server's `_nats.` entries (2.11+) are read as `ServerMetadata` and never sent back;
//! metadata nats-py writes reads the same in natbus.

use std::sync::Arc;

use natbus::Runtime;
use natbus::jetstream::{ConsumerConfig, ServerMetadata, ServerVersion, StreamConfig};
use natbus_tests::NatsServer;

use super::js_server_version::running_version;
use super::js_support::js_for;
use super::python::{nats_py, run_python};

/// What the server under test must record: its version and level from 2.11 on, and the
/// level a config with `needs` requires; nothing before 2.11.
fn expect_server_metadata(m: ServerMetadata, version: ServerVersion, needs: u32) {
    if version < ServerVersion::new(2, 11, 0) {
        assert_eq!(m, ServerMetadata::default(), "2.10 records nothing");
        return;
    }
    assert_eq!(m.version, Some(version));
    assert!(m.api_level.is_some_and(|l| l >= 1), "{m:?}");
    assert_eq!(m.required_api_level, Some(needs), "{m:?}");
}

pub async fn js_stream_and_consumer_metadata(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let version = running_version(&server);
    let js = js_for(&rt, &server).await;

    let config = StreamConfig::new("META")
        .subjects(["meta.>"])
        .metadata("owner", "billing")
        .metadata("_nats.ver", "0.0.1");
    let info = js
        .create_stream(config)
        .await
        .expect("create")
        .cached_info()
        .clone();
    assert_eq!(
        info.config.user_metadata().into_iter().collect::<Vec<_>>(),
        [("owner", "billing")],
        "a reserved key is never sent"
    );
    expect_server_metadata(info.config.server_metadata(), version, 0);

    // An update replaces the user's entries; the server's are its own again.
    let mut changed = info.config.clone();
    changed.metadata.remove("owner");
    changed.metadata.insert("team".into(), "ops".into());
    let info = js
        .update_stream(changed)
        .await
        .expect("update")
        .cached_info()
        .clone();
    assert_eq!(
        info.config.user_metadata().into_iter().collect::<Vec<_>>(),
        [("team", "ops")]
    );
    expect_server_metadata(info.config.server_metadata(), version, 0);

    let consumer = ConsumerConfig::durable("w").metadata("purpose", "audit");
    let c = js
        .create_consumer("META", consumer)
        .await
        .expect("consumer");
    assert_eq!(
        c.config.metadata.get("purpose").map(String::as_str),
        Some("audit")
    );
    expect_server_metadata(c.config.server_metadata(), version, 0);
    let mut changed = c.config.clone();
    changed.metadata.insert("purpose".into(), "replay".into());
    let c = js.update_consumer("META", changed).await.expect("update");
    assert_eq!(
        c.config.user_metadata().into_iter().collect::<Vec<_>>(),
        [("purpose", "replay")]
    );

    // nats-py wrote a stream's metadata; natbus reads it.
    let Some(python) = nats_py("js_stream_and_consumer_metadata") else {
        return;
    };
    run_python(&rt, python, "metadata", METADATA_SCRIPT, server.url(), "ok").await;
    let info = js.stream_info("PYMETA").await.expect("info");
    assert_eq!(
        info.config.user_metadata().into_iter().collect::<Vec<_>>(),
        [("from", "python"), ("n", "1")]
    );
}

/// nats-py: creates stream `PYMETA` with metadata.
const METADATA_SCRIPT: &str = r#"
import asyncio, sys
import nats
from nats.js.api import StreamConfig

async def main():
    nc = await nats.connect(sys.argv[1])
    jsm = nc.jsm()
    await jsm.add_stream(StreamConfig(name="PYMETA", subjects=["pymeta"], metadata={"from": "python", "n": "1"}))
    await nc.close()
    print("ok")

asyncio.run(main())
"#;
