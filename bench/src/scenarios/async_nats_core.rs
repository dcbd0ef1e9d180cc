//! Core scenarios (`pub`, `pub_sub`, `req_reply`) for async-nats, mirroring `natbus_core`.

use std::pin::pin;

use bytes::Bytes;
use futures::StreamExt;
use futures::future::{Either, join, select};

use crate::clients::async_nats_connect;
use crate::cpu::Span;
use crate::{BoxError, Metrics};

/// `pub`: publish `n` messages, then flush.
pub async fn publish(url: &str, n: usize, payload: Bytes) -> Result<Metrics, BoxError> {
    let client = async_nats_connect(url, 0).await?;
    let span = Span::start();
    for _ in 0..n {
        client.publish("bench.pub", payload.clone()).await?;
    }
    client.flush().await?;
    let metrics = span.metrics(n);
    client.drain().await?;
    Ok(metrics)
}

/// `pub_sub`: one publisher and one subscriber connection; done when the subscriber has all.
pub async fn pub_sub(url: &str, n: usize, payload: Bytes) -> Result<Metrics, BoxError> {
    let sub_client = async_nats_connect(url, n).await?;
    let mut sub = sub_client.subscribe("bench.pubsub").await?;
    sub_client.flush().await?;
    let pub_client = async_nats_connect(url, 0).await?;
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
    pub_client.drain().await?;
    sub_client.drain().await?;
    Ok(metrics)
}

/// `req_reply`: an echo responder; sequential latencies, then 64 requests in flight.
pub async fn req_reply(
    url: &str,
    sequential: usize,
    concurrent: usize,
    payload: Bytes,
) -> Result<Metrics, BoxError> {
    let responder = async_nats_connect(url, 0).await?;
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
    let client = async_nats_connect(url, 0).await?;
    let (c, p) = (&client, &payload);
    let work = super::requests::measure(sequential, concurrent, move || async move {
        c.request("bench.echo", p.clone()).await?;
        Ok(())
    });
    let metrics = match select(pin!(serve), pin!(work)).await {
        Either::Left(((), _)) => return Err("the responder stopped early".into()),
        Either::Right((metrics, _)) => metrics?,
    };
    client.drain().await?;
    responder.drain().await?;
    Ok(metrics)
}
