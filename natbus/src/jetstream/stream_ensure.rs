//! Making sure a stream exists at a service's start, without damaging one that does.
//!
//! A service that starts with "my stream is X capturing `orders.>`" must not reset a
//! stream an operator (or another service) already set up: other publishers may rely on
//! subjects the service does not know about, and limits (age, count, bytes), retention,
//! storage and replicas are the operator's decisions. So [`JetStream::ensure_stream`] only
//! ever *adds* subjects the stream does not capture yet, and reports every other difference
//! instead of applying it. [`JetStream::create_or_update_stream`] is the other meaning,
//! for the owner of a stream's whole configuration: make the stream exactly this.

use natbus_proto::jetstream::stream::StreamConfig;

use super::context::JetStream;
use super::error::JetStreamError;
use super::stream::Stream;

impl JetStream {
    /// Makes sure the stream `config.name` exists and captures `config.subjects`, without
    /// ever taking anything away from an existing stream. Safe to call at every start of a
    /// service.
    ///
    /// - Missing: it is created with `config`.
    /// - Existing: its limits, retention, storage, replicas and every other setting stay
    ///   as they are. Wanted subjects that none of its subjects captures are added (logged
    ///   at info level); its own subjects are never removed. Any other setting `config`
    ///   asks for that the stream does not have is logged at warn level and left alone
    ///   (storage and retention are always compared, other fields when `config` sets them).
    ///
    /// Use [`create_or_update_stream`](Self::create_or_update_stream) to make an existing
    /// stream match `config` exactly.
    ///
    /// # Errors
    /// As [`create_stream`](Self::create_stream); when subjects are added, what
    /// [`update_stream`](Self::update_stream) can fail with (e.g. a subject another stream
    /// captures).
    pub async fn ensure_stream(&self, config: StreamConfig) -> Result<Stream, JetStreamError> {
        let info = match self.stream_info(&config.name).await {
            Ok(info) => info,
            Err(JetStreamError::Api(e)) if e.is_stream_not_found() => {
                match self.create_stream(config.clone()).await {
                    Ok(stream) => {
                        tracing::info!(stream = %config.name, subjects = ?config.subjects, "stream created");
                        return Ok(stream);
                    }
                    // Someone else created it meanwhile: treat it as an existing stream.
                    Err(JetStreamError::Api(e)) if e.is_stream_name_in_use() => {
                        self.stream_info(&config.name).await?
                    }
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        for difference in differences(&info.config, &config) {
            tracing::warn!(stream = %config.name, %difference,
                "the existing stream differs from the wanted config; left unchanged");
        }
        let missing = missing_subjects(&info.config.subjects, &config.subjects);
        if missing.is_empty() {
            return Ok(Stream::new(self.clone(), info));
        }
        if info.config.mirror.is_some() {
            tracing::warn!(stream = %config.name, wanted = ?missing,
                "the existing stream is a mirror, which has no subjects; none added");
            return Ok(Stream::new(self.clone(), info));
        }
        tracing::info!(stream = %config.name, added = ?missing, kept = ?info.config.subjects,
            "adding subjects to the existing stream");
        let mut updated = info.config;
        updated.subjects.extend(missing);
        self.update_stream(updated).await
    }

    /// Creates the stream, or makes an existing one exactly `config`: on "stream name in
    /// use" the existing config is compared (ignoring server defaults and `_nats.*`
    /// metadata) and replaced when it differs. Subjects `config` does not list are removed
    /// from the stream and limits it does not set go back to the server's defaults, so
    /// use it only when this code owns the stream's whole configuration; a service that
    /// shares a stream wants [`ensure_stream`](Self::ensure_stream).
    ///
    /// # Errors
    /// As [`create_stream`](Self::create_stream), plus update errors for fields that
    /// cannot change (e.g. storage).
    pub async fn create_or_update_stream(
        &self,
        config: StreamConfig,
    ) -> Result<Stream, JetStreamError> {
        match self.create_stream(config.clone()).await {
            Err(JetStreamError::Api(e)) if e.is_stream_name_in_use() => {
                let info = self.stream_info(&config.name).await?;
                if info.config.is_equivalent(&config) {
                    Ok(Stream::new(self.clone(), info))
                } else {
                    self.update_stream(config).await
                }
            }
            other => other,
        }
    }
}

/// The wanted subjects (in order, without repeats) that no subject of `existing` captures.
fn missing_subjects(existing: &[String], wanted: &[String]) -> Vec<String> {
    let mut missing: Vec<String> = Vec::new();
    for subject in wanted {
        let captured = existing.iter().any(|have| covers(have, subject));
        if !captured && !missing.contains(subject) {
            missing.push(subject.clone());
        }
    }
    missing
}

/// True when every subject that `inner` matches is also matched by `outer` (both may hold
/// wildcards): `orders.>` covers `orders.*` and `orders.new`, `orders.*` does not cover
/// `orders.>`.
fn covers(outer: &str, inner: &str) -> bool {
    let mut outer_tokens = outer.split('.').peekable();
    let mut inner_tokens = inner.split('.');
    loop {
        match (outer_tokens.next(), inner_tokens.next()) {
            (None, None) => return true,
            (Some(">"), Some(_)) if outer_tokens.peek().is_none() => return true,
            (Some(_), Some(">")) => return false,
            (Some("*"), Some(_)) => {}
            (Some(o), Some(i)) if o == i => {}
            _ => return false,
        }
    }
}

/// Settings `wanted` asks for that `existing` does not have, as `field: stream has X,
/// wanted Y` lines. Compared with server defaults filled in on both sides; storage and
/// retention always, every other field only when `wanted` sets it. Name and subjects are
/// not compared here (subjects are only ever added).
fn differences(existing: &StreamConfig, wanted: &StreamConfig) -> Vec<String> {
    let set_by_caller = object(wanted);
    let (have, want) = (
        object(&existing.with_server_defaults()),
        object(&wanted.with_server_defaults()),
    );
    let mut fields: Vec<&str> = set_by_caller.keys().map(String::as_str).collect();
    fields.extend(["storage", "retention"]);
    fields.sort_unstable();
    fields.dedup();
    let null = serde_json::Value::Null;
    fields
        .into_iter()
        .filter(|f| !matches!(*f, "name" | "subjects"))
        .filter_map(|field| {
            let (h, w) = (
                have.get(field).unwrap_or(&null),
                want.get(field).unwrap_or(&null),
            );
            (h != w).then(|| format!("{field}: stream has {}, wanted {}", shown(h), shown(w)))
        })
        .collect()
}

/// A field's value for a log line; an unset field is the server's default.
fn shown(value: &serde_json::Value) -> String {
    if value.is_null() {
        "the default".to_owned()
    } else {
        value.to_string()
    }
}

/// A config's JSON fields as sent to the server (unset fields left out); empty if it
/// cannot be serialized, which a plain struct of strings and numbers never fails to be.
fn object(config: &StreamConfig) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(config) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use natbus_proto::jetstream::stream::{RetentionPolicy, StorageType};

    use super::*;

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn coverage_follows_wildcards() {
        assert!(covers("audit.>", "audit.login"));
        assert!(covers("audit.>", "audit.*"));
        assert!(covers("audit.>", "audit.>"));
        assert!(covers("audit.*", "audit.login"));
        assert!(covers("audit.*", "audit.*"));
        assert!(!covers("audit.*", "audit.>"));
        assert!(!covers("audit.*", "audit.a.b"));
        assert!(!covers("audit.login", "audit.*"));
        assert!(!covers("audit.>", "audit"));
        assert!(covers("test.stream", "test.stream"));
        assert!(!covers("test.stream", "test.streams"));
    }

    #[test]
    fn only_uncaptured_subjects_are_missing() {
        let existing = strings(&["test.stream", "audit.>"]);
        assert!(missing_subjects(&existing, &strings(&["test.stream"])).is_empty());
        assert!(missing_subjects(&existing, &strings(&["audit.login"])).is_empty());
        assert_eq!(
            missing_subjects(
                &existing,
                &strings(&["orders.new", "test.stream", "orders.new"])
            ),
            strings(&["orders.new"])
        );
    }

    #[test]
    fn differences_name_what_the_caller_set_and_storage() {
        let mut existing = StreamConfig::new("S")
            .subjects(["test.stream", "audit.>"])
            .max_age(Duration::from_secs(3600))
            .storage(StorageType::Memory);
        existing.max_msgs = 1000;
        // Only a name and subjects: the limits are the operator's business, storage is not.
        let wanted = StreamConfig::new("S").subjects(["test.stream"]);
        assert_eq!(
            differences(&existing, &wanted),
            ["storage: stream has \"memory\", wanted the default"]
        );
        let same_storage = wanted.clone().storage(StorageType::Memory);
        assert!(differences(&existing, &same_storage).is_empty());
        let more = same_storage
            .max_age(Duration::from_secs(60))
            .retention(RetentionPolicy::WorkQueue);
        let found = differences(&existing, &more);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("max_age: stream has 3600000000000"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("retention: stream has the default"),
            "{found:?}"
        );
    }
}
