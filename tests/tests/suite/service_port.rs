//! Porting a nats-client-py service: `version("1")` as the seed writes it, handlers that
//! use `?` on ordinary errors, a handler panic answered with a 500 while the service keeps
//! serving, failures logged at warn level, and `stopped()` (the seed's `is_done`) resolving
//! when the connection closes.

use std::sync::Arc;

use natbus::Runtime;
use natbus::service::{Handler, HandlerError, PingResponse, ServiceError};
use natbus_tests::NatsServer;
use serde::Deserialize;

use super::logs::{capture, wait_for_line};
use super::service::{Greet, Greeting};
use super::{WAIT, connect, options, within};

pub async fn service_version_one_as_the_seed_writes_it(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    // CreateService(version="1", name="greeter")
    let service = client
        .service_builder()
        .name("greeter")
        .version("1")
        .add_action(
            "greet",
            Handler::typed(|req: Greet| async move {
                Ok::<_, ServiceError>(Greeting {
                    message: format!("Hello {}!", req.name),
                })
            }),
        )
        .start()
        .await
        .expect("version 1 is accepted");
    assert_eq!(service.config().version, "1.0.0");
    let reply: Greeting = client
        .call("v1.greeter.greet", &Greet { name: "Ada".into() })
        .await
        .expect("on the seed's subject");
    assert_eq!(reply.message, "Hello Ada!");
    let ping = client.request("$SRV.PING.greeter", "").await.expect("ping");
    let ping: PingResponse = serde_json::from_slice(&ping.payload).expect("ping JSON");
    assert_eq!(ping.version, "1.0.0", "the Service API sees SemVer");

    let pre = client
        .service_builder()
        .name("greeter")
        .version("2.1.0-rc.1")
        .add_action(
            "greet",
            Handler::typed(|()| async { Ok::<_, ServiceError>(2) }),
        )
        .start()
        .await
        .expect("any SemVer");
    let two: u32 = client.call("v2.greeter.greet", &()).await.expect("v2");
    assert_eq!(two, 2);
    pre.stop().await.expect("stop");
    service.stop().await.expect("stop");
}

#[derive(Deserialize)]
struct Resize {
    width: String,
}

/// Parses with `?` (a 500 with the parse error's message), refuses zero with its own 400,
/// and panics on 13.
fn resize() -> Handler {
    Handler::typed(|req: Resize| async move {
        let width: u32 = req.width.parse()?;
        if width == 0 {
            return Err(ServiceError::new(400, "width must be positive").into());
        }
        if width == 13 {
            panic!("a bug in the handler");
        }
        Ok::<_, HandlerError>(width * 2)
    })
}

pub async fn service_handlers_use_question_mark_and_survive_panics(rt: Arc<dyn Runtime>) {
    capture();
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let service = client
        .service_builder()
        .name("images")
        .version("1")
        .workers(1)
        .add_action("resize", resize())
        .start()
        .await
        .expect("start");
    let call = |width: &str| {
        let client = client.clone();
        let body = serde_json::json!({ "width": width });
        async move { client.call::<_, u32>("v1.images.resize", &body).await }
    };
    assert_eq!(call("21").await.expect("a number"), 42);
    let err = call("wide").await.expect_err("not a number");
    assert_eq!(
        err.service_error(),
        Some(&ServiceError::internal("invalid digit found in string")),
        "{err}"
    );
    let err = call("0").await.expect_err("zero");
    assert_eq!(err.service_error().map(|e| e.code), Some(400), "{err}");
    for _ in 0..2 {
        let err = call("13").await.expect_err("the handler panics");
        assert_eq!(err.service_error().map(|e| e.code), Some(500), "{err}");
    }
    assert_eq!(call("5").await.expect("still serving"), 10);
    let stats = service.stats();
    assert_eq!(
        (
            stats.endpoints[0].num_requests,
            stats.endpoints[0].num_errors
        ),
        (6, 4)
    );
    // Each failure is logged at warn level with the endpoint, subject and code.
    let line = wait_for_line(
        &rt,
        &[
            "WARN",
            "request failed",
            "v1.images.resize",
            "code=500",
            "panicked",
        ],
    )
    .await;
    assert!(line.contains("endpoint=resize"), "{line}");
    wait_for_line(
        &rt,
        &["WARN", "v1.images.resize", "invalid digit found in string"],
    )
    .await;
    service.stop().await.expect("stop");
}

pub async fn service_stopped_resolves_when_the_connection_closes(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let service = client
        .service_builder()
        .name("orders")
        .version("1")
        .add_action(
            "order_created",
            Handler::typed(|()| async { Ok::<_, ServiceError>(()) }),
        )
        .start()
        .await
        .expect("start");
    let stopped = service.stopped();
    assert!(!service.is_stopped());
    // Not stop(): the connection closes under the running service (`await broker.is_done`).
    client.close().await;
    within(&rt, WAIT, "stopped() after the connection closed", stopped).await;
    assert!(service.is_stopped());
}
