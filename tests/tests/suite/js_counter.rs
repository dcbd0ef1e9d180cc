//! Counters (ADR-49): adds from several clients at once sum exactly, totals beyond 64 and
//! 128 bits survive, and a stream sourcing counter streams holds their sum with each
//! source's share. Before 2.12 the same calls fail at once with `ServerTooOld`.

use std::sync::Arc;

use natbus::Runtime;
use natbus::jetstream::{
    CounterError, CounterValue, Feature, JetStream, JetStreamError, ServerVersion, StreamConfig,
};
use natbus::proto::jetstream::counter::INCR_MISSING;
use natbus::proto::jetstream::stream::{StreamSource, SubjectTransform};
use natbus_tests::NatsServer;

use super::js_server_version::{assert_too_old, running_version};
use super::js_support::{api_code, js_for};
use super::{WAIT, sleep, within};

const V2_12: ServerVersion = ServerVersion::new(2, 12, 0);

fn counter_stream(name: &str, subjects: &[&str]) -> StreamConfig {
    let mut config = StreamConfig::new(name).subjects(subjects.iter().copied());
    config.allow_msg_counter = true;
    config.allow_direct = true;
    config
}

/// `None` (after checking the error) when the server is too old for counters.
async fn counters_or_too_old(rt: &Arc<dyn Runtime>, server: &NatsServer) -> Option<JetStream> {
    let version = running_version(server);
    let js = js_for(rt, server).await;
    if version < V2_12 {
        assert_too_old(
            js.create_stream(counter_stream("HITS", &["hits.>"])).await,
            Feature::MessageCounters,
            Some(version),
        );
        assert_too_old(
            js.counters("HITS").await,
            Feature::MessageCounters,
            Some(version),
        );
        return None;
    }
    Some(js)
}

pub async fn js_counter_adds_from_several_clients_sum_exactly(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let Some(js) = counters_or_too_old(&rt, &server).await else {
        return;
    };
    js.create_stream(counter_stream("HITS", &["hits.>"]))
        .await
        .expect("counter stream");
    let counters = js.counters("HITS").await.expect("counters");
    assert_eq!(counters.get("hits.home").await.expect("get"), None);

    // Four clients, 25 adds each, of +1..+4 and every fifth a subtraction.
    const CLIENTS: i64 = 4;
    const ADDS: i64 = 25;
    let amount = |client: i64, n: i64| if n % 5 == 4 { -client } else { client + 1 };
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let js = js_for(&rt, &server).await;
        tasks.push(async move {
            let counters = js.counters("HITS").await.expect("counters");
            for n in 0..ADDS {
                counters
                    .add("hits.home", amount(client, n))
                    .await
                    .expect("add");
            }
        });
    }
    within(
        &rt,
        WAIT,
        "the concurrent adds",
        futures::future::join_all(tasks),
    )
    .await;
    let expected: i64 = (0..CLIENTS)
        .flat_map(|c| (0..ADDS).map(move |n| amount(c, n)))
        .sum();
    let entry = counters
        .get("hits.home")
        .await
        .expect("get")
        .expect("a counter");
    assert_eq!(entry.value, CounterValue::from(expected));
    assert!(entry.increment.is_some(), "the last add is kept for audits");
    assert!(entry.sources.is_empty());

    // Totals beyond i128: 2^126 four times is 2^128.
    let big = CounterValue::from(1i128 << 126);
    let mut total = CounterValue::from(0);
    for _ in 0..4 {
        total = counters
            .add("hits.big", big.clone())
            .await
            .expect("big add");
    }
    assert_eq!(total.as_str(), "340282366920938463463374607431768211456");
    assert_eq!(total.to_i128(), None);
    let back = counters
        .add(
            "hits.big",
            "-340282366920938463463374607431768211457"
                .parse::<CounterValue>()
                .expect("an integer"),
        )
        .await
        .expect("subtract beyond");
    assert_eq!(back, CounterValue::from(-1));

    // A plain message into a counter stream is refused; a plain stream has no counters.
    assert_eq!(api_code(js.publish("hits.home", "1").await), INCR_MISSING);
    js.create_stream(StreamConfig::new("PLAIN").subjects(["plain"]))
        .await
        .expect("plain stream");
    assert!(matches!(
        js.counters("PLAIN").await,
        Err(JetStreamError::Counter(CounterError::NotACounterStream(_)))
    ));
}

pub async fn js_counter_sourcing_streams_hold_the_sum_of_their_sources(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let Some(js) = counters_or_too_old(&rt, &server).await else {
        return;
    };
    for (region, subject) in [("EU", "eu.hits"), ("US", "us.hits")] {
        js.create_stream(counter_stream(region, &[subject]))
            .await
            .expect("regional counter");
    }
    let mut all = counter_stream("ALL", &[]);
    all.subjects.clear();
    all.sources = ["EU", "US"]
        .iter()
        .map(|region| {
            let mut source = StreamSource::new(*region);
            source.subject_transforms = vec![SubjectTransform {
                src: format!("{}.hits", region.to_lowercase()),
                dest: "all.hits".to_owned(),
            }];
            source
        })
        .collect();
    js.create_stream(all).await.expect("aggregating counter");
    let eu = js.counters("EU").await.expect("EU");
    let us = js.counters("US").await.expect("US");
    eu.add("eu.hits", 3).await.expect("EU add");
    us.add("us.hits", 40).await.expect("US add");
    eu.add("eu.hits", -1).await.expect("EU subtract");

    let all = js.counters("ALL").await.expect("ALL");
    let entry = within(&rt, WAIT, "the sources to be summed", async {
        loop {
            if let Some(e) = all.get("all.hits").await.expect("get") {
                if e.value == CounterValue::from(42) {
                    return e;
                }
            }
            sleep(&rt, std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(entry.sources["EU"]["eu.hits"], CounterValue::from(2));
    assert_eq!(entry.sources["US"]["us.hits"], CounterValue::from(40));
}
