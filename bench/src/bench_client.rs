//! What the scenarios with a second task or process need from a client, for natbus and
//! async-nats alike, so each of those scenarios is written once.

use std::future::Future;

use bytes::Bytes;
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;

use crate::BoxError;
use crate::clients::{Kind, async_nats_connect, natbus_connect};

/// A connected client under test.
pub trait BenchClient: Clone + Send + Sync + Sized + 'static {
    /// Connects for `kind` with room for `capacity` buffered messages per subscription.
    fn connect(
        kind: Kind,
        url: &str,
        capacity: usize,
    ) -> impl Future<Output = Result<Self, BoxError>> + Send;
    /// One request, waiting for its reply.
    fn request(
        &self,
        subject: &'static str,
        payload: Bytes,
    ) -> impl Future<Output = Result<(), BoxError>> + Send;
    /// One publish (queued, not flushed).
    fn publish(
        &self,
        subject: &'static str,
        payload: Bytes,
    ) -> impl Future<Output = Result<(), BoxError>> + Send;
    /// Waits until the server has everything published so far.
    fn flush(&self) -> impl Future<Output = Result<(), BoxError>> + Send;
    /// Subscribes, flushes (the server knows the subscription when this returns), and
    /// returns the messages' payloads.
    fn subscribe(
        &self,
        subject: &'static str,
    ) -> impl Future<Output = Result<BoxStream<'static, Bytes>, BoxError>> + Send;
    /// Subscribes and flushes, then returns the task that echoes every request until the
    /// connection closes.
    fn echo(
        &self,
        subject: &'static str,
    ) -> impl Future<Output = Result<BoxFuture<'static, ()>, BoxError>> + Send;
    /// Closes the connection after sending what is queued.
    fn close(self) -> impl Future<Output = ()> + Send;
}

impl BenchClient for natbus::Client {
    async fn connect(kind: Kind, url: &str, capacity: usize) -> Result<Self, BoxError> {
        let rt = kind.natbus_runtime().ok_or("not a natbus client")?;
        natbus_connect(&rt, url, capacity).await
    }

    async fn request(&self, subject: &'static str, payload: Bytes) -> Result<(), BoxError> {
        natbus::Client::request(self, subject, payload).await?;
        Ok(())
    }

    async fn publish(&self, subject: &'static str, payload: Bytes) -> Result<(), BoxError> {
        Ok(natbus::Client::publish(self, subject, payload).await?)
    }

    async fn flush(&self) -> Result<(), BoxError> {
        Ok(natbus::Client::flush(self).await?)
    }

    async fn subscribe(
        &self,
        subject: &'static str,
    ) -> Result<BoxStream<'static, Bytes>, BoxError> {
        let sub = natbus::Client::subscribe(self, subject).await?;
        natbus::Client::flush(self).await?;
        Ok(sub.map(|m| m.payload).boxed())
    }

    async fn echo(&self, subject: &'static str) -> Result<BoxFuture<'static, ()>, BoxError> {
        let mut sub = natbus::Client::subscribe(self, subject).await?;
        natbus::Client::flush(self).await?;
        let client = self.clone();
        Ok(Box::pin(async move {
            while let Some(msg) = sub.next().await {
                if let Some(reply) = msg.reply
                    && client.publish(reply, msg.payload).await.is_err()
                {
                    break;
                }
            }
        }))
    }

    async fn close(self) {
        natbus::Client::close(&self).await;
    }
}

impl BenchClient for async_nats::Client {
    async fn connect(_: Kind, url: &str, capacity: usize) -> Result<Self, BoxError> {
        async_nats_connect(url, capacity).await
    }

    async fn request(&self, subject: &'static str, payload: Bytes) -> Result<(), BoxError> {
        async_nats::Client::request(self, subject, payload).await?;
        Ok(())
    }

    async fn publish(&self, subject: &'static str, payload: Bytes) -> Result<(), BoxError> {
        Ok(async_nats::Client::publish(self, subject, payload).await?)
    }

    async fn flush(&self) -> Result<(), BoxError> {
        Ok(async_nats::Client::flush(self).await?)
    }

    async fn subscribe(
        &self,
        subject: &'static str,
    ) -> Result<BoxStream<'static, Bytes>, BoxError> {
        let sub = async_nats::Client::subscribe(self, subject).await?;
        async_nats::Client::flush(self).await?;
        Ok(sub.map(|m| m.payload).boxed())
    }

    async fn echo(&self, subject: &'static str) -> Result<BoxFuture<'static, ()>, BoxError> {
        let mut sub = async_nats::Client::subscribe(self, subject).await?;
        async_nats::Client::flush(self).await?;
        let client = self.clone();
        Ok(Box::pin(async move {
            while let Some(msg) = sub.next().await {
                if let Some(reply) = msg.reply
                    && client.publish(reply, msg.payload).await.is_err()
                {
                    break;
                }
            }
        }))
    }

    async fn close(self) {
        let _ = self.drain().await;
    }
}
