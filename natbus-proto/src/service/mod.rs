//! The NATS Service API (ADR-32, "micro"): configuration rules, subjects, discovery JSON,
//! stats bookkeeping, service errors, and natbus's `{"result"|"error"}` envelope.
//!
//! Everything here is pure: no IO, no clock, no async. The `Service` of the `natbus` crate is
//! a thin layer that subscribes to the subjects computed here, measures time, and publishes
//! the bodies built here. Interoperability with `nats micro`, nats.go, async-nats and
//! nats-py rests on the exact subjects, field names, `type` strings and headers used below.
//!
//! # How the pieces fit
//! 1. **Configure and validate** ([`ServiceConfig`], [`EndpointConfig`], [`QueueGroup`]):
//!    [`ServiceConfig::validate`] applies the ADR-32 §2 rules (name charset, SemVer 2.0.0,
//!    queue group, `$SRV` prefix) and returns a [`ConfigError`] before anything is
//!    subscribed.
//! 2. **Place endpoints** ([`Group`]): the service is the root group; nested groups add
//!    subject prefixes and queue-group policies; [`Group::endpoint`] validates an endpoint
//!    and yields a [`PlacedEndpoint`] with its full subject and resolved queue group.
//! 3. **Subscribe**: each endpoint on its subject (with its queue group, if any), and the
//!    nine discovery subjects of [`instance_subjects`] plainly, so every instance answers.
//! 4. **Serve**: for each request, run the handler, then [`ServiceStats::record`] the
//!    elapsed time and the [`ServiceError`] if it failed. Reply with [`encode_result`], or on
//!    failure with [`encode_error`] *and* the [`ServiceError::header_values`] headers.
//! 5. **Answer discovery**: [`PingResponse`], [`ServiceStats::info_response`] and
//!    [`ServiceStats::stats_response`] build the `$SRV` replies; `to_json` gives the body.
//! 6. **Call a service** (client side): [`action_subject`] names the subject, and
//!    [`decode_reply`] reads the answer from its error headers and body, headers first.
//!
//! # Example
//! ```
//! use std::time::{Duration, SystemTime};
//! use natbus_proto::service::{
//!     action_subject, decode_reply, encode_error, instance_subjects, major_version,
//!     EndpointConfig, Group, QueueGroup, Reply, ServiceConfig, ServiceError, ServiceStats,
//! };
//!
//! let config = ServiceConfig::new("billing", "1.4.0").description("Invoices and charges");
//! config.validate()?;
//!
//! // The natbus convention: group v{major}.{service}, one endpoint per action.
//! let group = Group::root(&config).group(&format!("v{}.billing", major_version(&config.version)), QueueGroup::Default)?;
//! let charge = group.endpoint(&EndpointConfig::new("charge"))?;
//! assert_eq!(charge.subject, action_subject("1", "billing", "charge"));
//! assert_eq!(charge.queue_group.as_deref(), Some("q"));
//! assert_eq!(instance_subjects(&config.api_prefix, &config.name, "ID")[1].1, "$SRV.PING.billing");
//!
//! // Serving: the time comes from the caller, never from this crate.
//! let started = SystemTime::UNIX_EPOCH + Duration::from_secs(1_740_820_502);
//! let mut stats = ServiceStats::new(started);
//! let index = stats.add_endpoint(charge.info());
//! let error = ServiceError::new(400, "amount must be positive");
//! stats.record(index, Duration::from_micros(450), Some(&error));
//! let body = encode_error(&error);
//! let [(_, description), (_, code)] = error.header_values();
//!
//! // The caller sees the failure from the headers, whatever the body says.
//! let reply: Reply<serde_json::Value> = decode_reply(Some(&description), Some(&code), &body)?;
//! assert_eq!(reply.into_result(), Err(error));
//!
//! let stats_json = stats.stats_response(&config, "ID", |_| None).to_json();
//! assert!(std::str::from_utf8(&stats_json)?.contains(r#""last_error":"400:amount must be positive""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod envelope;
mod error;
mod group;
mod lenient;
mod schema;
mod semver;
mod stats;
mod subjects;
mod validate;

pub use config::{DEFAULT_QUEUE_GROUP, EndpointConfig, Metadata, QueueGroup, ServiceConfig};
pub use envelope::{EnvelopeError, Reply, decode_reply, encode_error, encode_result};
pub use error::{ERROR_CODE_HEADER, ERROR_HEADER, INTERNAL_ERROR_CODE, ServiceError};
pub use group::{Group, PlacedEndpoint};
pub use schema::{
    EndpointInfo, EndpointStats, INFO_RESPONSE_TYPE, InfoResponse, PING_RESPONSE_TYPE,
    PingResponse, STATS_RESPONSE_TYPE, StatsResponse,
};
pub use semver::major_version;
pub use stats::{EndpointIndex, EndpointRecorder, ServiceStats};
pub use subjects::{
    DEFAULT_API_PREFIX, Target, Verb, action_subject, discovery_subject, instance_subjects,
    join_subject,
};
pub use validate::{
    ConfigError, validate_api_prefix, validate_endpoint_name, validate_endpoint_subject,
    validate_group_name, validate_queue_group, validate_service_name, validate_version,
};
