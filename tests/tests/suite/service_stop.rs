//! Graceful stop: in-flight requests are answered, `stopped()` resolves, the connection
//! stays; a stuck handler makes `stop` time out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use natbus::service::{Handler, ServiceError, StartError, StopError};
use natbus::{RequestError, Runtime};
use natbus_tests::NatsServer;

use super::{WAIT, connect, latch, options, wait_until, within};

pub async fn service_stop_drains_in_flight(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let finished = Arc::new(AtomicBool::new(false));
    let (release, released) = latch();
    let handler = {
        let finished = finished.clone();
        Handler::typed(move |_: ()| {
            let (finished, released) = (finished.clone(), released.clone());
            async move {
                let _ = released.await;
                finished.store(true, Ordering::SeqCst);
                Ok::<_, ServiceError>("done")
            }
        })
    };
    let service = client
        .service_builder()
        .name("stopper")
        .version("1.0.0")
        .add_action("slow", handler)
        .start()
        .await
        .expect("start");
    let call = client.call::<_, String>("v1.stopper.slow", &());
    let stop = async {
        wait_until(&rt, "the handler to start", || service.in_flight() == 1).await;
        let stopping = service.stop();
        futures::pin_mut!(stopping);
        assert!(
            futures::poll!(stopping.as_mut()).is_pending(),
            "stop waits while a handler runs"
        );
        let _ = release.send(());
        let result = stopping.await;
        assert!(
            finished.load(Ordering::SeqCst),
            "stop returned before the handler finished"
        );
        result
    };
    let (reply, stopped) = within(
        &rt,
        WAIT,
        "call and stop",
        futures::future::join(call, stop),
    )
    .await;
    assert_eq!(reply.expect("the in-flight request is answered"), "done");
    stopped.expect("a clean stop");
    within(&rt, WAIT, "stopped()", service.stopped()).await;
    assert!(service.is_stopped());
    let after = client.request("v1.stopper.slow", "").await;
    assert!(
        matches!(after, Err(RequestError::NoResponders { .. })),
        "{after:?}"
    );
    let late = service
        .add_action(
            "late",
            Handler::typed(|_: ()| async { Ok::<_, ServiceError>(()) }),
        )
        .await;
    assert!(matches!(late, Err(StartError::Stopped)), "{late:?}");
    assert!(
        !client.is_closed(),
        "stopping a service keeps the connection"
    );
}

pub async fn service_stop_times_out_on_stuck_handlers(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    // Never released while the test runs: the handler is stuck until the latch is dropped.
    let (_release, released) = latch();
    let service = client
        .service_builder()
        .name("stuck")
        .version("1.0.0")
        .stop_timeout(Duration::from_millis(100))
        .add_action(
            "wait",
            Handler::typed(move |_: ()| {
                let released = released.clone();
                async move {
                    let _ = released.await;
                    Ok::<_, ServiceError>(())
                }
            }),
        )
        .start()
        .await
        .expect("start");
    client
        .publish_with_reply("v1.stuck.wait", "_INBOX.ignored", "")
        .await
        .expect("publish");
    wait_until(&rt, "the handler to start", || service.in_flight() == 1).await;
    let result = within(&rt, WAIT, "stop", service.stop()).await;
    assert_eq!(result, Err(StopError::TimedOut(Duration::from_millis(100))));
    assert!(service.is_stopped());
}
