//! Collecting discovery answers: one request, any number of replies (service-api.md §6).
//!
//! There is no end-of-replies marker and the number of instances is unknown, so replies
//! are read on a dedicated inbox subscription until a quiet period after the last one, or
//! the `--timeout`. A 503 status means no service matches.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use natbus_tokio::proto::service::{InfoResponse, PingResponse, StatsResponse};
use natbus_tokio::{Client, StatusCode};
use serde::de::DeserializeOwned;

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::{connect, output};

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
    let inbox = client.new_inbox();
    let mut replies = connect::subscribe(client, &inbox, None).await?;
    let sent = Instant::now();
    client
        .publish_with_reply(subject, &inbox, "")
        .await
        .map_err(|source| CliError::Publish {
            subject: subject.to_owned(),
            source,
        })?;
    let deadline = tokio::time::Instant::from_std(sent + global.timeout);
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    loop {
        let wait_until = match found.is_empty() {
            true => deadline,
            false => deadline.min(tokio::time::Instant::now() + QUIET_PERIOD),
        };
        let Ok(Some(msg)) = tokio::time::timeout_at(wait_until, replies.next()).await else {
            break; // quiet, timed out, or the subscription ended
        };
        let rtt = sent.elapsed();
        if msg.status() == Some(StatusCode::NO_RESPONDERS) {
            break; // nothing listens on the subject: no services
        }
        match serde_json::from_slice::<T>(&msg.payload) {
            Ok(response) if seen.insert(response.id().to_owned()) => {
                found.push(Answer { response, rtt });
            }
            Ok(_) => {} // the same instance twice
            Err(e) => output::note(format!(
                "natbus: warning: ignoring an invalid answer on {subject}: {e}"
            )),
        }
        if found.len() >= MAX_INSTANCES {
            output::note(format!(
                "natbus: warning: stopped after {MAX_INSTANCES} instances"
            ));
            break;
        }
    }
    found.sort_by(|a, b| {
        (a.response.name(), a.response.id()).cmp(&(b.response.name(), b.response.id()))
    });
    Ok(found)
}
