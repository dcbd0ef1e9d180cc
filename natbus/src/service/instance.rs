//! `Service`: a running service instance, shared by its reader tasks and its handles.

use std::future::{Future, poll_fn};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use natbus_proto::service::{
    EndpointInfo, InfoResponse, PingResponse, ServiceConfig, ServiceStats, StatsResponse,
    instance_subjects,
};

use super::builder::ServiceBuilder;
use super::endpoint::Endpoint;
use super::error::{StartError, StopError};
use super::handler::Handler;
use super::serve::{EndpointRuntime, discovery_reader, endpoint_reader};
use super::state::{Shared, State};
use super::sync::{Latch, Semaphore};
use crate::client::Client;
use crate::connection::select::{Either, first};
use crate::runtime::sleep_for;

/// A running service instance: its endpoints answer requests and it answers
/// `$SRV.PING|INFO|STATS` until [`stop`](Self::stop) or until its connection closes.
///
/// Cheap to clone; dropping every handle does not stop the service (its tasks keep it
/// alive), so call `stop` for a graceful shutdown. Several services may share one client.
#[derive(Clone)]
pub struct Service {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("name", &self.shared.config.name)
            .field("version", &self.shared.config.version)
            .field("id", &self.shared.id)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// A builder for a service on `client` (same as [`Client::service_builder`]).
    pub fn builder(client: &Client) -> ServiceBuilder {
        ServiceBuilder::new(client.clone())
    }

    /// Subscribes the discovery subjects and `endpoints` (already validated).
    pub(crate) async fn start(
        client: Client,
        config: ServiceConfig,
        workers: usize,
        stop_timeout: Option<Duration>,
        endpoints: Vec<Endpoint>,
    ) -> Result<Service, StartError> {
        config.validate()?;
        let placed = endpoints
            .iter()
            .map(|e| e.place(&config))
            .collect::<Result<Vec<_>, _>>()?;
        let id = client.fresh_nuid();
        let span = tracing::info_span!("service", name = %config.name, id = %id);
        let stop_timeout = stop_timeout.unwrap_or(client.options().drain_timeout);
        let shared = Arc::new(Shared {
            client: client.clone(),
            stats: Mutex::new(ServiceStats::new(client.runtime().system_time())),
            workers: Semaphore::new(workers),
            span,
            state: Mutex::new(State::default()),
            stopped: Latch::default(),
            stop_timeout,
            config,
            id,
        });
        let service = Service { shared };
        if let Err(e) = service.subscribe_all(endpoints, placed).await {
            service.abort();
            return Err(e);
        }
        let shared = &service.shared;
        tracing::info!(parent: &shared.span, version = %shared.config.version, "service started");
        Ok(service)
    }

    async fn subscribe_all(
        &self,
        endpoints: Vec<Endpoint>,
        placed: Vec<natbus_proto::service::PlacedEndpoint>,
    ) -> Result<(), StartError> {
        let shared = &self.shared;
        let mut discovery = Vec::with_capacity(9);
        for (verb, subject) in
            instance_subjects(&shared.config.api_prefix, &shared.config.name, &shared.id)
        {
            discovery.push((verb, shared.client.subscribe(subject).await?));
        }
        let sids: Vec<u64> = discovery.iter().map(|(_, s)| s.sid()).collect();
        {
            let mut state = shared.state();
            state.readers += 1;
            state.sids.extend(sids);
        }
        shared.spawn(discovery_reader(shared.clone(), discovery));
        for (endpoint, placed) in endpoints.into_iter().zip(placed) {
            self.subscribe_endpoint(endpoint.handler, placed).await?;
        }
        self.flush().await;
        Ok(())
    }

    async fn subscribe_endpoint(
        &self,
        handler: Handler,
        placed: natbus_proto::service::PlacedEndpoint,
    ) -> Result<EndpointInfo, StartError> {
        let shared = &self.shared;
        let sub = match &placed.queue_group {
            Some(queue) => {
                shared
                    .client
                    .queue_subscribe(&placed.subject, queue)
                    .await?
            }
            None => shared.client.subscribe(&placed.subject).await?,
        };
        shared.add_reader(sub.sid())?;
        let info = placed.info();
        let index = shared.stats().add_endpoint(info.clone());
        tracing::debug!(parent: &shared.span, endpoint = %placed.name, subject = %placed.subject,
            queue_group = %info.queue_group, "endpoint added");
        let endpoint = Arc::new(EndpointRuntime {
            name: placed.name,
            index,
            handler,
        });
        shared.spawn(endpoint_reader(shared.clone(), sub, endpoint));
        Ok(info)
    }

    /// Makes sure the server has the subscriptions before returning, so a request sent
    /// right after from another connection reaches them. A failed flush (e.g. while
    /// reconnecting) is not an error: the subscriptions are re-sent on reconnect.
    async fn flush(&self) {
        if let Err(e) = self.shared.client.flush().await {
            tracing::debug!(parent: &self.shared.span, error = %e, "flush after subscribing failed");
        }
    }

    /// Adds an endpoint to the running service.
    ///
    /// # Errors
    /// [`StartError::Config`] for an invalid endpoint or group, [`StartError::Subscribe`]
    /// when the connection refuses, [`StartError::Stopped`] after a stop.
    pub async fn add_endpoint(&self, endpoint: Endpoint) -> Result<EndpointInfo, StartError> {
        if self.shared.state().closing {
            return Err(StartError::Stopped);
        }
        let placed = endpoint.place(&self.shared.config)?;
        let info = self.subscribe_endpoint(endpoint.handler, placed).await?;
        self.flush().await;
        Ok(info)
    }

    /// Adds an action on `v{major}.{service}.{action}` (see [`Endpoint::action`]).
    ///
    /// # Errors
    /// As [`add_endpoint`](Self::add_endpoint).
    pub async fn add_action(
        &self,
        action: impl Into<String>,
        handler: Handler,
    ) -> Result<EndpointInfo, StartError> {
        self.add_endpoint(Endpoint::action(action, handler)).await
    }

    /// Stops gracefully: stops receiving (drains every endpoint and `$SRV` subscription, so
    /// requests already sent are still served), waits for running handlers, and returns.
    /// The connection stays open for other users.
    ///
    /// # Errors
    /// [`StopError::TimedOut`] when handlers still ran after the stop timeout (the
    /// builder's [`stop_timeout`](ServiceBuilder::stop_timeout), else the client's drain
    /// timeout); the service is stopped anyway.
    pub async fn stop(&self) -> Result<(), StopError> {
        let shared = &self.shared;
        let sids = {
            let mut state = shared.state();
            state.closing = true;
            state.sids.clone()
        };
        tracing::info!(parent: &shared.span, in_flight = shared.workers.in_use(), "service stopping");
        for sid in &sids {
            shared.client.drain_sid(*sid);
        }
        let sleep = sleep_for(&**shared.client.runtime(), shared.stop_timeout);
        match first(self.stopped(), sleep).await {
            Either::Left(()) => Ok(()),
            Either::Right(()) => {
                self.abort();
                tracing::warn!(parent: &shared.span, in_flight = shared.workers.in_use(),
                    "stop timed out; handlers still running");
                Err(StopError::TimedOut(shared.stop_timeout))
            }
        }
    }

    /// Ends every subscription now and marks the service stopped.
    fn abort(&self) {
        let sids = {
            let mut state = self.shared.state();
            state.closing = true;
            state.sids.clone()
        };
        for sid in sids {
            self.shared.client.unsubscribe_sid(sid, None);
        }
        self.shared.stopped.fire();
    }

    /// Completes once the service has stopped: after [`stop`](Self::stop), or when the
    /// connection closed and the last handler returned. Await it to keep a worker process
    /// alive (the Python `is_done`).
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let shared = self.shared.clone();
        poll_fn(move |cx| shared.stopped.poll_wait(cx))
    }

    /// True once stopped.
    pub fn is_stopped(&self) -> bool {
        self.shared.stopped.is_fired()
    }

    /// The instance id (a NUID), unique per running instance.
    pub fn id(&self) -> &str {
        &self.shared.id
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &ServiceConfig {
        &self.shared.config
    }

    /// Handlers running right now.
    pub fn in_flight(&self) -> usize {
        self.shared.workers.in_use()
    }

    /// What `$SRV.PING` answers.
    pub fn ping(&self) -> PingResponse {
        PingResponse::new(&self.shared.config, self.shared.id.clone())
    }

    /// What `$SRV.INFO` answers.
    pub fn info(&self) -> InfoResponse {
        self.shared
            .stats()
            .info_response(&self.shared.config, &self.shared.id)
    }

    /// What `$SRV.STATS` answers: per-endpoint requests, errors, last error and times.
    pub fn stats(&self) -> StatsResponse {
        self.shared
            .stats()
            .stats_response(&self.shared.config, &self.shared.id, |_| None)
    }

    /// Zeroes every endpoint's counters and sets `started` to now.
    pub fn reset(&self) {
        let now = self.shared.client.runtime().system_time();
        self.shared.stats().reset(now);
        tracing::debug!(parent: &self.shared.span, "stats reset");
    }
}
