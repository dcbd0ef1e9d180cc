//! Request counters per endpoint, and the instance-wide record that STATS and INFO read.
//!
//! Bookkeeping per handled request (ADR-32 §5): one more request, its time added to the
//! total, the average recomputed by integer division, and on an error one more error and
//! `last_error = "<code>:<description>"`. A reply that fails to publish counts as an error
//! too. `reset` zeroes everything and moves `started` to the time passed in. No clock is
//! read here: the caller measures `elapsed` and passes `now`.

use crate::time::SystemTime;
use std::time::Duration;

use serde_json::Value;

use super::config::ServiceConfig;
use super::error::ServiceError;
use super::schema::{EndpointInfo, EndpointStats, InfoResponse, StatsResponse};

/// The running counters of one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointRecorder {
    num_requests: u64,
    num_errors: u64,
    last_error: String,
    processing_time: Duration,
}

impl EndpointRecorder {
    /// Zeroed counters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one handled request that took `elapsed`, answered with `error` if it failed.
    pub fn record(&mut self, elapsed: Duration, error: Option<&ServiceError>) {
        self.num_requests = self.num_requests.saturating_add(1);
        self.processing_time = self.processing_time.saturating_add(elapsed);
        if let Some(error) = error {
            self.record_error(error);
        }
    }

    /// Records an error that is not a handled request of its own, such as a reply that could
    /// not be published after the handler ran (`num_errors` may then exceed `num_requests`,
    /// as in nats.go).
    pub fn record_error(&mut self, error: &ServiceError) {
        self.num_errors = self.num_errors.saturating_add(1);
        self.last_error = error.last_error();
    }

    /// Zeroes every counter and forgets the last error.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Requests recorded since the last reset.
    pub fn num_requests(&self) -> u64 {
        self.num_requests
    }

    /// Errors recorded since the last reset.
    pub fn num_errors(&self) -> u64 {
        self.num_errors
    }

    /// `processing_time / num_requests` by integer division of nanoseconds; zero with no
    /// requests.
    pub fn average_processing_time(&self) -> Duration {
        if self.num_requests == 0 {
            return Duration::ZERO;
        }
        let average = self.processing_time.as_nanos() / u128::from(self.num_requests);
        Duration::from_nanos(u64::try_from(average).unwrap_or(u64::MAX))
    }

    /// The STATS entry for `endpoint` with these counters and the stats hook's `data`.
    pub fn snapshot(&self, endpoint: &EndpointInfo, data: Option<Value>) -> EndpointStats {
        EndpointStats {
            name: endpoint.name.clone(),
            subject: endpoint.subject.clone(),
            queue_group: endpoint.queue_group.clone(),
            num_requests: self.num_requests,
            num_errors: self.num_errors,
            last_error: self.last_error.clone(),
            processing_time: self.processing_time,
            average_processing_time: self.average_processing_time(),
            data: data.filter(|v| !v.is_null()),
        }
    }
}

/// The position of an endpoint in a [`ServiceStats`], returned by
/// [`ServiceStats::add_endpoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EndpointIndex(usize);

/// What one running instance knows about its endpoints: their descriptions for INFO and
/// their counters for STATS, plus when it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStats {
    started: SystemTime,
    endpoints: Vec<(EndpointInfo, EndpointRecorder)>,
}

impl ServiceStats {
    /// An instance with no endpoints, started at `now`.
    pub fn new(now: SystemTime) -> Self {
        Self {
            started: now,
            endpoints: Vec::new(),
        }
    }

    /// Adds an endpoint (endpoints may be added after start; none are ever removed).
    pub fn add_endpoint(&mut self, endpoint: EndpointInfo) -> EndpointIndex {
        self.endpoints.push((endpoint, EndpointRecorder::new()));
        EndpointIndex(self.endpoints.len() - 1)
    }

    /// The counters of one endpoint; `None` for an index from another `ServiceStats`.
    pub fn endpoint_mut(&mut self, index: EndpointIndex) -> Option<&mut EndpointRecorder> {
        self.endpoints
            .get_mut(index.0)
            .map(|(_, recorder)| recorder)
    }

    /// Records a handled request on one endpoint (see [`EndpointRecorder::record`]).
    /// Returns `false`, recording nothing, for an index from another `ServiceStats`.
    pub fn record(
        &mut self,
        index: EndpointIndex,
        elapsed: Duration,
        error: Option<&ServiceError>,
    ) -> bool {
        match self.endpoint_mut(index) {
            Some(recorder) => {
                recorder.record(elapsed, error);
                true
            }
            None => false,
        }
    }

    /// Zeroes every endpoint's counters and sets `started` to `now`.
    pub fn reset(&mut self, now: SystemTime) {
        self.started = now;
        for (_, recorder) in &mut self.endpoints {
            recorder.reset();
        }
    }

    /// When the instance started or was last reset.
    pub fn started(&self) -> SystemTime {
        self.started
    }

    /// The endpoints in the order they were added.
    pub fn endpoints(&self) -> impl Iterator<Item = &EndpointInfo> {
        self.endpoints.iter().map(|(info, _)| info)
    }

    /// The INFO answer of instance `id`.
    pub fn info_response(&self, config: &ServiceConfig, id: &str) -> InfoResponse {
        InfoResponse::new(config, id, self.endpoints().cloned().collect())
    }

    /// The STATS answer of instance `id`; `data` is the user's stats hook, called once per
    /// endpoint (return `None` for no `data` field).
    pub fn stats_response(
        &self,
        config: &ServiceConfig,
        id: &str,
        mut data: impl FnMut(&EndpointInfo) -> Option<Value>,
    ) -> StatsResponse {
        let endpoints = self
            .endpoints
            .iter()
            .map(|(info, recorder)| recorder.snapshot(info, data(info)))
            .collect();
        StatsResponse::new(config, id, self.started, endpoints)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::config::Metadata;
    use crate::time::UNIX_EPOCH;

    fn info() -> EndpointInfo {
        EndpointInfo::new("charge", "v1.billing.charge", Some("q"), Metadata::new())
    }

    #[test]
    fn arithmetic() {
        let mut r = EndpointRecorder::new();
        assert_eq!(r.average_processing_time(), Duration::ZERO);
        r.record(Duration::from_nanos(100), None);
        r.record(Duration::from_nanos(101), None);
        r.record(
            Duration::from_nanos(100),
            Some(&ServiceError::new(400, "amount must be positive")),
        );
        let s = r.snapshot(&info(), None);
        assert_eq!((s.num_requests, s.num_errors), (3, 1));
        assert_eq!(s.processing_time, Duration::from_nanos(301));
        // 301 / 3 = 100 by integer division.
        assert_eq!(s.average_processing_time, Duration::from_nanos(100));
        assert_eq!(s.last_error, "400:amount must be positive");
        assert_eq!((s.name.as_str(), s.queue_group.as_str()), ("charge", "q"));

        r.record_error(&ServiceError::internal("NATS error when sending response"));
        assert_eq!((r.num_requests(), r.num_errors()), (3, 2));
        assert_eq!(
            r.snapshot(&info(), None).last_error,
            "500:NATS error when sending response"
        );
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        let mut r = EndpointRecorder::new();
        r.record(Duration::MAX, None);
        r.record(Duration::MAX, None);
        assert_eq!(r.snapshot(&info(), None).processing_time, Duration::MAX);
        assert!(r.average_processing_time() > Duration::ZERO);
    }

    #[test]
    fn reset_zeroes_and_moves_started() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000);
        let t1 = t0 + Duration::from_secs(60);
        let mut stats = ServiceStats::new(t0);
        let charge = stats.add_endpoint(info());
        assert!(stats.record(
            charge,
            Duration::from_millis(2),
            Some(&ServiceError::new(400, "bad"))
        ));
        assert!(!stats.record(EndpointIndex(7), Duration::ZERO, None));
        let config = ServiceConfig::new("billing", "1.4.0");
        let before = stats.stats_response(&config, "ID", |_| Some(Value::from(5)));
        assert_eq!(before.started, t0);
        assert_eq!(before.endpoints[0].num_errors, 1);
        assert_eq!(before.endpoints[0].data, Some(Value::from(5)));

        stats.reset(t1);
        let after = stats.stats_response(&config, "ID", |_| Some(Value::Null));
        assert_eq!(after.started, t1);
        let ep = &after.endpoints[0];
        assert_eq!((ep.num_requests, ep.num_errors), (0, 0));
        assert_eq!(ep.last_error, "");
        assert_eq!(ep.processing_time, Duration::ZERO);
        assert_eq!(ep.data, None, "a null hook result is no data");

        let info_response = stats.info_response(&config, "ID");
        assert_eq!(info_response.endpoints, vec![info()]);
    }

    mod proptests {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn average_is_integer_division(times in proptest::collection::vec(0u64..1 << 40, 1..50)) {
                let mut r = EndpointRecorder::new();
                for t in &times {
                    r.record(Duration::from_nanos(*t), None);
                }
                let total: u64 = times.iter().sum();
                prop_assert_eq!(r.num_requests(), times.len() as u64);
                prop_assert_eq!(
                    r.average_processing_time(),
                    Duration::from_nanos(total / times.len() as u64)
                );
            }
        }
    }
}
