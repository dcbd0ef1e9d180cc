//! Pausing, resuming and resetting consumers (nats-server 2.11+ and 2.14+), and their
//! `ServerTooOld` on older servers; nats-py (2.16, which has both) sees natbus's pause and
//! reset and the reverse.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use natbus::Runtime;
use natbus::jetstream::{
    AckPolicy, ConsumerConfig, DeliverPolicy, Feature, FetchOptions, JetStream, JsMessage,
    ServerVersion,
};
use natbus_tests::NatsServer;

use super::WAIT;
use super::js_server_version::{assert_too_old, running_version};
use super::js_support::{api_code, js_with_stream, publish_n, stream_seqs};
use super::python::{nats_py, run_python};

/// Whether the server has `feature`; if not, says the test's rest is skipped.
fn has(version: ServerVersion, feature: Feature, test: &str) -> bool {
    let has = version >= feature.min_version();
    if !has {
        println!(
            "SKIPPED the rest of {test}: {feature}: nats-server {} or newer; this is {version}",
            feature.min_version()
        );
    }
    has
}

/// Fetches exactly `n` messages (each batch waits at most [`WAIT`]).
async fn fetch(js: &JetStream, stream: &str, consumer: &str, n: usize) -> Vec<JsMessage> {
    let c = js.pull_consumer(stream, consumer).await.expect("bind");
    c.fetch(FetchOptions::new(n).expires(WAIT))
        .await
        .expect("fetch")
}

pub async fn js_consumer_pause_and_resume(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let version = running_version(&server);
    let js = js_with_stream(&rt, &server, "PAUSE", "pause.>").await;
    let config = ConsumerConfig::durable("w").ack(AckPolicy::Explicit);
    js.create_consumer("PAUSE", config.clone())
        .await
        .expect("consumer");
    let until = SystemTime::now() + Duration::from_secs(3600);
    if !has(
        version,
        Feature::ConsumerPause,
        "js_consumer_pause_and_resume",
    ) {
        let old = Some(version);
        let feature = Feature::ConsumerPause;
        assert_too_old(js.pause_consumer("PAUSE", "w", until).await, feature, old);
        assert_too_old(js.resume_consumer("PAUSE", "w").await, feature, old);
        let mut paused = ConsumerConfig::durable("p");
        paused.pause_until = Some(until);
        assert_too_old(js.create_consumer("PAUSE", paused).await, feature, old);
        return;
    }
    publish_n(&js, "pause.a", 2).await;

    let state = js.pause_consumer("PAUSE", "w", until).await.expect("pause");
    assert!(state.paused, "{state:?}");
    let at = state.pause_until.expect("paused until a time");
    let off = at.duration_since(until).unwrap_or_else(|e| e.duration());
    assert!(
        off < Duration::from_secs(1),
        "pause_until {at:?}, asked {until:?}"
    );
    assert!(
        state
            .pause_remaining
            .is_some_and(|r| r > Duration::from_secs(3000))
    );
    let info = js.consumer_info("PAUSE", "w").await.expect("info");
    assert!(info.paused && info.config.pause_until.is_some(), "{info:?}");

    // Paused: a pull request waits and gets nothing.
    let c = js.pull_consumer("PAUSE", "w").await.expect("bind");
    let none = c
        .fetch(FetchOptions::new(2).expires(Duration::from_millis(300)))
        .await
        .expect("fetch");
    assert!(
        none.is_empty(),
        "a paused consumer delivered {:?}",
        stream_seqs(&none)
    );

    let state = js.resume_consumer("PAUSE", "w").await.expect("resume");
    assert!(!state.paused && state.pause_until.is_none(), "{state:?}");
    assert_eq!(stream_seqs(&fetch(&js, "PAUSE", "w", 2).await), [1, 2]);
    assert!(!js.consumer_info("PAUSE", "w").await.expect("info").paused);

    // A consumer can be created paused; unknown consumers are API errors.
    let mut paused = ConsumerConfig::durable("p");
    paused.pause_until = Some(until);
    let info = js
        .create_consumer("PAUSE", paused)
        .await
        .expect("create paused");
    assert!(info.paused, "{info:?}");
    assert_eq!(
        api_code(js.pause_consumer("PAUSE", "nobody", until).await),
        10014
    );
    assert_eq!(api_code(js.resume_consumer("NOPE", "w").await), 10059);

    // nats-py sees natbus's pause and resumes the consumer; natbus sees that.
    let Some(python) = nats_py("js_consumer_pause_and_resume") else {
        return;
    };
    js.pause_consumer("PAUSE", "w", until).await.expect("pause");
    run_python(
        &rt,
        python,
        "consumer-pause",
        PAUSE_SCRIPT,
        server.url(),
        "ok",
    )
    .await;
    // nats-py resumes by pausing until 1970: the config keeps that past time.
    let info = js.consumer_info("PAUSE", "w").await.expect("info");
    assert!(!info.paused, "{info:?}");
    assert!(
        info.config
            .pause_until
            .is_none_or(|t| t < SystemTime::now()),
        "{info:?}"
    );
}

/// nats-py: checks that `PAUSE`/`w` is paused (by natbus), then resumes it.
const PAUSE_SCRIPT: &str = r#"
import asyncio, sys
import nats

async def main():
    nc = await nats.connect(sys.argv[1])
    jsm = nc.jsm()
    info = await jsm.consumer_info("PAUSE", "w")
    assert info.paused, f"not paused: {info}"
    state = await jsm.resume_consumer("PAUSE", "w")
    assert not state.paused, f"still paused: {state}"
    await nc.close()
    print("ok")

asyncio.run(main())
"#;

pub async fn js_consumer_reset(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let version = running_version(&server);
    let js = js_with_stream(&rt, &server, "RESET", "reset.>").await;
    let config = ConsumerConfig::durable("w").ack(AckPolicy::Explicit);
    js.create_consumer("RESET", config).await.expect("consumer");
    if !has(version, Feature::ConsumerReset, "js_consumer_reset") {
        assert_too_old(
            js.reset_consumer("RESET", "w", None).await,
            Feature::ConsumerReset,
            Some(version),
        );
        return;
    }
    publish_n(&js, "reset.a", 5).await;
    let got = fetch(&js, "RESET", "w", 3).await;
    assert_eq!(stream_seqs(&got), [1, 2, 3]);
    got[0].double_ack().await.expect("ack");

    // Without a sequence: back to the first message above the ack floor, 2 and 3 again.
    let reset = js.reset_consumer("RESET", "w", None).await.expect("reset");
    assert_eq!(reset.reset_seq, 2);
    assert_eq!(reset.info.num_ack_pending, 0, "{:?}", reset.info);
    assert_eq!(reset.info.num_pending, 4);
    let again = fetch(&js, "RESET", "w", 4).await;
    assert_eq!(stream_seqs(&again), [2, 3, 4, 5]);

    // To a sequence, backwards.
    let reset = js
        .reset_consumer("RESET", "w", Some(1))
        .await
        .expect("reset");
    assert_eq!(reset.reset_seq, 1);
    assert_eq!(
        stream_seqs(&fetch(&js, "RESET", "w", 5).await),
        [1, 2, 3, 4, 5]
    );

    // A consumer starting at sequence 3 cannot go below it (10204).
    let from3 = ConsumerConfig::durable("from3").deliver(DeliverPolicy::ByStartSequence(3));
    js.create_consumer("RESET", from3).await.expect("consumer");
    assert_eq!(
        api_code(js.reset_consumer("RESET", "from3", Some(2)).await),
        10204
    );
    let ok = js
        .reset_consumer("RESET", "from3", Some(4))
        .await
        .expect("reset");
    assert_eq!(ok.reset_seq, 4);

    // nats-py resets natbus's consumer to sequence 5; natbus then gets 5.
    let Some(python) = nats_py("js_consumer_reset") else {
        return;
    };
    run_python(
        &rt,
        python,
        "consumer-reset",
        RESET_SCRIPT,
        server.url(),
        "ok",
    )
    .await;
    assert_eq!(stream_seqs(&fetch(&js, "RESET", "w", 1).await), [5]);
}

/// nats-py: resets `RESET`/`w` to stream sequence 5.
const RESET_SCRIPT: &str = r#"
import asyncio, sys
import nats

async def main():
    nc = await nats.connect(sys.argv[1])
    jsm = nc.jsm()
    reset = await jsm.reset_consumer("RESET", "w", seq=5)
    assert reset.reset_seq == 5, f"{reset}"
    await nc.close()
    print("ok")

asyncio.run(main())
"#;
