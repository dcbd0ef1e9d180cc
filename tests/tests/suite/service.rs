//! Services: typed endpoints, errors, the worker limit, queue groups, graceful stop, and
//! trace propagation (discovery is in `service_discovery.rs`, nats-py in `service_py.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use natbus::envelope::{BusEnvelope, BusMessage};
use natbus::service::{CallError, Endpoint, Handler, Service, ServiceError, StartError};
use natbus::{Client, RequestError, Runtime};
use natbus_tests::NatsServer;
use serde::{Deserialize, Serialize};

use super::{WAIT, connect, latch, options, sleep, wait_until, within};

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Greet {
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Greeting {
    pub message: String,
}

/// The seed's greeter: `v1.greeter.greet`, 404 for "nobody".
pub async fn greeter(client: &Client) -> Service {
    client
        .service_builder()
        .name("greeter")
        .version("1.0.0")
        .add_action(
            "greet",
            Handler::typed(|req: Greet| async move {
                if req.name == "nobody" {
                    return Err(ServiceError::new(404, "nobody is not here"));
                }
                Ok(Greeting {
                    message: format!("Hello {}!", req.name),
                })
            }),
        )
        .start()
        .await
        .expect("start the greeter")
}

fn header<'a>(msg: &'a natbus::Message, name: &str) -> Option<&'a str> {
    msg.headers.as_ref().and_then(|h| h.get(name))
}

pub async fn service_typed_endpoint_answers(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let _service = greeter(&client).await;
    let reply: Greeting = client
        .call("v1.greeter.greet", &Greet { name: "Ada".into() })
        .await
        .expect("call");
    assert_eq!(reply.message, "Hello Ada!");
    // On the wire: the envelope, and no error headers.
    let raw = client
        .request("v1.greeter.greet", r#"{"name":"Bob"}"#)
        .await
        .expect("request");
    assert_eq!(&raw.payload[..], br#"{"result":{"message":"Hello Bob!"}}"#);
    assert_eq!(header(&raw, "Nats-Service-Error"), None);
}

pub async fn service_bad_json_is_a_400(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let _service = greeter(&client).await;
    let raw = client
        .request("v1.greeter.greet", "not json")
        .await
        .expect("a reply, not silence");
    assert_eq!(header(&raw, "Nats-Service-Error-Code"), Some("400"));
    let description = header(&raw, "Nats-Service-Error").expect("error header");
    assert!(description.starts_with("invalid request"), "{description}");
    let body: serde_json::Value = serde_json::from_slice(&raw.payload).expect("JSON body");
    assert_eq!(body["error"]["code"], 400);
    assert_eq!(body["error"]["message"], description);
    // A well-formed JSON of the wrong shape is a 400 too, typed on the caller's side.
    let err = client
        .call::<_, Greeting>("v1.greeter.greet", &serde_json::json!({"nom": "x"}))
        .await
        .expect_err("wrong shape");
    assert_eq!(err.service_error().map(|e| e.code), Some(400), "{err}");
}

pub async fn service_handler_error_has_code_and_message(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let _service = greeter(&client).await;
    let err = client
        .call::<_, Greeting>(
            "v1.greeter.greet",
            &Greet {
                name: "nobody".into(),
            },
        )
        .await
        .expect_err("the handler fails");
    match err {
        CallError::Service(e) => assert_eq!(e, ServiceError::new(404, "nobody is not here")),
        other => panic!("expected a service error, got {other:?}"),
    }
    let raw = client
        .request("v1.greeter.greet", r#"{"name":"nobody"}"#)
        .await
        .expect("request");
    assert_eq!(header(&raw, "Nats-Service-Error-Code"), Some("404"));
    assert_eq!(
        header(&raw, "Nats-Service-Error"),
        Some("nobody is not here")
    );
    assert_eq!(
        &raw.payload[..],
        br#"{"error":{"code":404,"message":"nobody is not here"}}"#
    );
    // A transport failure is told apart from a service error.
    let err = client
        .call::<_, Greeting>("v1.nothing.here", &Greet { name: "x".into() })
        .await
        .expect_err("no responders");
    assert!(
        matches!(err, CallError::Request(RequestError::NoResponders { .. })),
        "{err:?}"
    );
}

pub async fn service_worker_limit_bounds_concurrency(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let (running, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    // Handlers hold their worker until released, so the limit is reached for certain.
    let (release, released) = latch();
    let handler = {
        let (running, max) = (running.clone(), max.clone());
        Handler::typed(move |n: u32| {
            let (running, max, released) = (running.clone(), max.clone(), released.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                let _ = released.await;
                running.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, ServiceError>(n)
            }
        })
    };
    let service = client
        .service_builder()
        .name("slow")
        .version("1.0.0")
        .workers(3)
        .add_action("work", handler)
        .start()
        .await
        .expect("start");
    let calls = (0..12u32).map(|i| {
        let client = client.clone();
        async move { client.call::<_, u32>("v1.slow.work", &i).await }
    });
    let full = async {
        wait_until(&rt, "3 handlers running", || {
            running.load(Ordering::SeqCst) == 3
        })
        .await;
        // The other nine wait for a worker instead of starting.
        assert_eq!(service.in_flight(), 3);
        let _ = release.send(());
    };
    let (results, ()) = within(
        &rt,
        WAIT,
        "12 calls",
        futures::future::join(futures::future::join_all(calls), full),
    )
    .await;
    for (i, r) in results.into_iter().enumerate() {
        assert_eq!(r.expect("call"), i as u32);
    }
    assert_eq!(
        max.load(Ordering::SeqCst),
        3,
        "at most 3 at once, and 3 were used"
    );
}

async fn counting_instance(
    client: &Client,
    hits: Arc<AtomicUsize>,
    events: Arc<AtomicUsize>,
) -> Service {
    client
        .service_builder()
        .name("orders")
        .version("2.1.0")
        .add_action(
            "create",
            Handler::typed(move |_: serde_json::Value| {
                hits.fetch_add(1, Ordering::SeqCst);
                async { Ok::<_, ServiceError>(true) }
            }),
        )
        .add_endpoint(
            Endpoint::new(
                "invalidate",
                Handler::raw(move |_| {
                    events.fetch_add(1, Ordering::SeqCst);
                    async { Ok::<_, ServiceError>("".into()) }
                }),
            )
            .subject("cache.invalidate")
            .no_queue_group(),
        )
        .start()
        .await
        .expect("start an instance")
}

pub async fn service_instances_share_the_load_and_opt_out_gets_all(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let a_client = connect(&rt, options(&server.url())).await;
    let b_client = connect(&rt, options(&server.url())).await;
    let caller = connect(&rt, options(&server.url())).await;
    let hits = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let events = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let _a = counting_instance(&a_client, hits[0].clone(), events[0].clone()).await;
    let _b = counting_instance(&b_client, hits[1].clone(), events[1].clone()).await;
    for i in 0..60 {
        let ok: bool = caller.call("v2.orders.create", &i).await.expect("call");
        assert!(ok);
    }
    let (a, b) = (
        hits[0].load(Ordering::SeqCst),
        hits[1].load(Ordering::SeqCst),
    );
    assert_eq!(a + b, 60, "each request handled once");
    assert!(a > 5 && b > 5, "queue group q splits the load: {a}/{b}");
    for _ in 0..7 {
        caller
            .publish("cache.invalidate", "")
            .await
            .expect("publish");
    }
    caller.flush().await.expect("flush");
    wait_until(&rt, "every instance gets every event", || {
        events.iter().all(|e| e.load(Ordering::SeqCst) >= 7)
    })
    .await;
    // Then nothing more: a short window in which a duplicate delivery would show.
    sleep(&rt, Duration::from_millis(100)).await;
    assert_eq!(
        events
            .iter()
            .map(|e| e.load(Ordering::SeqCst))
            .sum::<usize>(),
        14
    );
}

pub async fn service_config_errors_come_before_subscribing(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    for (name, version) in [
        ("greeter", "1.x"),
        ("greeter", "01"),
        ("gree ter", "1.0.0"),
        ("", "1.0.0"),
    ] {
        let result = client
            .service_builder()
            .name(name)
            .version(version)
            .start()
            .await;
        assert!(
            matches!(result, Err(StartError::Config(_))),
            "{name} {version}: {result:?}"
        );
    }
    let bad_endpoint = client
        .service_builder()
        .name("greeter")
        .version("1.0.0")
        .add_endpoint(
            Endpoint::new(
                "ok",
                Handler::raw(|_| async { Ok::<_, ServiceError>("".into()) }),
            )
            .subject("a.>.b"),
        )
        .start()
        .await;
    assert!(
        matches!(bad_endpoint, Err(StartError::Config(_))),
        "{bad_endpoint:?}"
    );
    let ping = client.request("$SRV.PING", "").await;
    assert!(
        matches!(ping, Err(RequestError::NoResponders { .. })),
        "nothing subscribed: {ping:?}"
    );
}

pub async fn service_propagates_trace_and_correlation(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let _service = greeter(&client).await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let request = BusMessage::json("v1.greeter.greet", &Greet { name: "Ada".into() })
        .expect("JSON")
        .sender("caller")
        .trace_id(trace_id)
        .correlation_id("conv-7");
    let reply = client.request_bus(request).await.expect("request");
    let envelope = BusEnvelope::from(&reply);
    assert_eq!(envelope.trace_id(), Some(trace_id));
    assert_eq!(envelope.correlation_id(), Some("conv-7"));
    assert!(envelope.traceparent().is_some());
    assert_eq!(envelope.sender(), None, "the caller's sender is not echoed");
    let body: serde_json::Value = envelope.json().expect("JSON");
    assert_eq!(body["result"]["message"], "Hello Ada!");
}
