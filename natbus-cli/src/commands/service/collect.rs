//! Collecting discovery answers: one request, any number of replies (service-api.md §6).
//!
//! There is no end-of-replies marker and the number of instances is unknown, so replies
//! are read (`Client::request_many`) until a quiet period after the last one, or the
//! `--timeout`. No responders means no service matches.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use natbus_tokio::proto::service::{InfoResponse, PingResponse, StatsResponse};
use natbus_tokio::{Client, RequestManyOptions};
use serde::de::DeserializeOwned;

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::output;

/// How long to wait for more answers after the latest one.
const QUIET_PERIOD: Duration = Duration::from_millis(300);

/// Most instances read from one request, so a flood of replies cannot exhaust memory.
const MAX_INSTANCES: usize = 10_000;

/// A discovery answer that names its instance, so duplicates can be dropped and the
/// output sorted.
pub trait Instance {
    /// The service name.
    fn name(&self) -> &str;
    /// The instance id.
    fn id(&self) -> &str;
}

macro_rules! instance {
    ($($t:ty),*) => {$(
        impl Instance for $t {
            fn name(&self) -> &str { &self.name }
            fn id(&self) -> &str { &self.id }
        }
    )*};
}
instance!(PingResponse, InfoResponse, StatsResponse);

/// One instance's answer and how long it took to arrive.
#[derive(Debug)]
pub struct Answer<T> {
    /// The parsed answer.
    pub response: T,
    /// Time from sending the request to receiving this answer.
    pub rtt: Duration,
}

/// Sends an empty request to `subject` and collects every distinct instance's answer,
/// sorted by name then id. Empty when no service answered.
///
/// # Errors
/// Subscribe or publish failures. Answers that do not parse are reported on stderr and
/// skipped, so one broken instance does not hide the others.
pub async fn collect<T: DeserializeOwned + Instance>(
    client: &Client,
    subject: &str,
    global: &GlobalArgs,
) -> CliResult<Vec<Answer<T>>> {
    let options = RequestManyOptions::default()
        .timeout(global.timeout)
        .stall(QUIET_PERIOD)
        .max_replies(MAX_INSTANCES);
    let sent = Instant::now();
    let mut replies = client
        .request_many(subject, "", options)
        .await
        .map_err(CliError::Request)?;
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    // Ends when quiet, timed out, or at the cap; no responders means no services.
    while let Some(Ok(msg)) = replies.next().await {
        let rtt = sent.elapsed();
        match serde_json::from_slice::<T>(&msg.payload) {
            Ok(response) if seen.insert(response.id().to_owned()) => {
                found.push(Answer { response, rtt });
            }
            Ok(_) => {} // the same instance twice
            Err(e) => output::note(format!(
                "natbus: warning: ignoring an invalid answer on {subject}: {e}"
            )),
        }
    }
    if found.len() >= MAX_INSTANCES {
        output::note(format!(
            "natbus: warning: stopped after {MAX_INSTANCES} instances"
        ));
    }
    found.sort_by(|a, b| {
        (a.response.name(), a.response.id()).cmp(&(b.response.name(), b.response.id()))
    });
    Ok(found)
}
