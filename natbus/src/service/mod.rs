//! Services (the NATS Service API, ADR-32 "micro") with the natbus request envelope.
//!
//! A service is a set of endpoints (queue subscriptions by default, so instances share
//! the load) plus nine `$SRV.PING|INFO|STATS` subscriptions answered with the exact ADR-32
//! JSON, so `nats micro ls|info|stats` and other NATS clients see it. All rules, subjects
//! and JSON come from [`natbus_proto::service`]; this module adds the tasks that run them.
//!
//! - **Build**: [`Client::service_builder`] (or [`Service::builder`]) takes a name, a
//!   SemVer version, description, metadata, queue group, `$SRV` prefix and a worker limit;
//!   endpoints are [`Endpoint`]s, or actions on `v{major}.{service}.{action}`.
//! - **Handle**: [`Handler::typed`] parses the JSON body into your type (a body that does
//!   not parse is answered with a 400 error) and answers `{"result": …}`; a returned
//!   [`ServiceError`] is answered as `{"error": {"code", "message"}}` *and* with the
//!   `Nats-Service-Error` / `Nats-Service-Error-Code` headers. Handlers may use `?` on
//!   any error ([`HandlerError`]): one that is not a `ServiceError` is answered with code
//!   500 and its message, and so is a panic (the service keeps serving). Failures are
//!   logged at warn level. [`Handler::raw`] sees the
//!   whole [`Request`] and answers bytes. Trace and correlation ids are copied from each
//!   request to its reply.
//! - **Call**: [`Client::call`] sends JSON and returns the typed result, or a
//!   [`CallError`] that tells a service error from a transport one.
//! - **Run**: at most `workers` handlers run at once; [`Service::stop`] drains, waits for
//!   running handlers and returns; [`Service::stopped`] completes then (or when the
//!   connection closes). Lifecycle and each request are traced with `tracing`.
//!
//! ```no_run
//! # async fn demo(client: natbus::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use natbus::service::{Handler, ServiceError};
//!
//! let service = client
//!     .service_builder()
//!     .name("orders")
//!     .version("1.0.0")
//!     .add_action("order_created", Handler::typed(|order: serde_json::Value| async move {
//!         println!("processing {order}");
//!         Ok::<_, ServiceError>(serde_json::json!({"ack": true}))
//!     }))
//!     .start()
//!     .await?;
//! let reply: serde_json::Value = client.call("v1.orders.order_created", &serde_json::json!({"id": "1"})).await?;
//! assert_eq!(reply["ack"], true);
//! service.stop().await?;
//! # Ok(()) }
//! ```

mod builder;
mod call;
mod endpoint;
mod error;
mod handler;
mod instance;
mod serve;
mod state;
mod sync;

pub use builder::{DEFAULT_WORKERS, ServiceBuilder};
pub use endpoint::Endpoint;
pub use error::{CallError, StartError, StopError};
pub use handler::{Handler, HandlerError, Request, Response, VALIDATION_ERROR_CODE};
pub use instance::Service;
pub use natbus_proto::service::{
    ConfigError, ERROR_CODE_HEADER, ERROR_HEADER, EndpointInfo, EndpointStats, EnvelopeError,
    InfoResponse, Metadata, PingResponse, QueueGroup, Reply, ServiceError, StatsResponse,
};

use crate::client::Client;

impl Client {
    /// A builder for a service on this connection.
    pub fn service_builder(&self) -> ServiceBuilder {
        ServiceBuilder::new(self.clone())
    }
}
