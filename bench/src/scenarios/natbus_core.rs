//! Core scenarios (`pub`, `pub_sub`, `req_reply`) for natbus, on any runtime.

use std::pin::pin;
use std::sync::Arc;

use bytes::Bytes;
use futures::future::{Either, join, select};

use crate::clients::natbus_connect;
use crate::cpu::Span;
use crate::{BoxError, Metrics};

type Rt = Arc<dyn natbus::Runtime>;

/// `pub`: publish `n` messages, then flush.
pub async fn publish(rt: Rt, url: &str, n: usize, payload: Bytes) -> Result<Metrics, BoxError> {
    let client = natbus_connect(&rt, url, 0).await?;
    let span = Span::start();
    for _ in 0..n {
        client.publish("bench.pub", payload.clone()).await?;
    }
    client.flush().await?;
    let metrics = span.metrics(n);
    client.close().await;
    Ok(metrics)
}

/// `pub_sub`: one publisher and one subscriber connection; done when the subscriber has all.
pub async fn pub_sub(rt: Rt, url: &str, n: usize, payload: Bytes) -> Result<Metrics, BoxError> {
    let sub_client = natbus_connect(&rt, url, n).await?;
    let mut sub = sub_client.subscribe("bench.pubsub").await?;
    sub_client.flush().await?;
    let pub_client = natbus_connect(&rt, url, 0).await?;
    let span = Span::start();
    let publish = async {
        for _ in 0..n {
            pub_client.publish("bench.pubsub", payload.clone()).await?;
        }
        pub_client.flush().await?;
        Ok::<_, BoxError>(())
    };
    let receive = async {
        let mut got = 0;
        while got < n {
            if sub.next().await.is_none() {
                return Err(format!("subscription ended after {got} of {n} messages"));
            }
            got += 1;
        }
        Ok(())
    };
    let (published, received) = join(publish, receive).await;
    published?;
    received?;
    let metrics = span.metrics(n);
    pub_client.close().await;
    sub_client.close().await;
    Ok(metrics)
}

/// `req_reply`: an echo responder; sequential latencies, then 64 requests in flight.
pub async fn req_reply(
    rt: Rt,
    url: &str,
    sequential: usize,
    concurrent: usize,
    payload: Bytes,
) -> Result<Metrics, BoxError> {
    let responder = natbus_connect(&rt, url, 0).await?;
    let mut sub = responder.subscribe("bench.echo").await?;
    responder.flush().await?;
    let serve = async {
        while let Some(msg) = sub.next().await {
            if let Some(reply) = msg.reply
                && responder.publish(reply, msg.payload).await.is_err()
            {
                break;
            }
        }
    };
    let client = natbus_connect(&rt, url, 0).await?;
    let (c, p) = (&client, &payload);
    let work = super::requests::measure(sequential, concurrent, move || async move {
        c.request("bench.echo", p.clone()).await?;
        Ok(())
    });
    let metrics = match select(pin!(serve), pin!(work)).await {
        Either::Left(((), _)) => return Err("the responder stopped early".into()),
        Either::Right((metrics, _)) => metrics?,
    };
    client.close().await;
    responder.close().await;
    Ok(metrics)
}
