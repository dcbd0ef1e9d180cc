//! The JetStream API prefix and the subject of every API call.
//!
//! Only the prefix varies (`$JS.API`, `$JS.<domain>.API`, or a custom import prefix); the
//! suffix is fixed per call. Stream and consumer names become subject tokens, so a name
//! with a `.` or a wildcard would address a different (unknown) API subject that the
//! server never answers: the request would just time out. The builders therefore validate
//! names and return [`InvalidName`] instead.

/// The default API prefix.
pub const DEFAULT_API_PREFIX: &str = "$JS.API";

/// Longest stream or consumer name the server accepts, in bytes.
pub const MAX_NAME_LEN: usize = 255;

/// A stream or consumer name the server would reject or could not be addressed by.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidName {
    /// The name is empty.
    #[error("name is empty")]
    Empty,
    /// The name is longer than 255 bytes.
    #[error("name '{0}' is longer than 255 bytes")]
    TooLong(String),
    /// The name contains a character that cannot appear in a name.
    #[error(
        "name '{name}' contains {ch:?}: names may not contain whitespace, '.', '*', '>', '/' or '\\'"
    )]
    Character {
        /// The rejected name.
        name: String,
        /// The first forbidden character.
        ch: char,
    },
}

/// Checks a stream or consumer name (also durable names and KV-derived stream names).
///
/// # Errors
/// [`InvalidName`] saying what is wrong.
pub fn validate_name(name: &str) -> Result<(), InvalidName> {
    if name.is_empty() {
        return Err(InvalidName::Empty);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(InvalidName::TooLong(name.to_owned()));
    }
    if let Some(ch) = name.chars().find(|c| {
        matches!(
            c,
            ' ' | '\t' | '\r' | '\n' | '\x0c' | '.' | '*' | '>' | '/' | '\\'
        )
    }) {
        return Err(InvalidName::Character {
            name: name.to_owned(),
            ch,
        });
    }
    Ok(())
}

/// The JetStream API prefix, and a builder for every API subject under it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiPrefix(String);

impl Default for ApiPrefix {
    fn default() -> Self {
        Self(DEFAULT_API_PREFIX.to_owned())
    }
}

impl ApiPrefix {
    /// The default prefix, `$JS.API`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The prefix of a JetStream domain: `$JS.<domain>.API`. An empty domain is the default.
    pub fn domain(domain: &str) -> Self {
        if domain.is_empty() {
            Self::default()
        } else {
            Self(format!("$JS.{domain}.API"))
        }
    }

    /// A custom prefix (e.g. an imported API from another account); a trailing `.` is dropped.
    pub fn custom(prefix: &str) -> Self {
        Self(prefix.trim_end_matches('.').to_owned())
    }

    /// The prefix itself, without a trailing dot.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn join(&self, suffix: &str) -> String {
        format!("{}.{suffix}", self.0)
    }

    fn with_stream(&self, op: &str, stream: &str) -> Result<String, InvalidName> {
        validate_name(stream)?;
        Ok(self.join(&format!("{op}.{stream}")))
    }

    fn with_consumer(&self, op: &str, stream: &str, consumer: &str) -> Result<String, InvalidName> {
        validate_name(stream)?;
        validate_name(consumer)?;
        Ok(self.join(&format!("{op}.{stream}.{consumer}")))
    }

    /// `INFO`: account info (there is no `ACCOUNT.INFO`).
    pub fn account_info(&self) -> String {
        self.join("INFO")
    }

    /// `STREAM.CREATE.<stream>`.
    ///
    /// # Errors
    /// [`InvalidName`] for a name the server cannot be addressed with.
    pub fn stream_create(&self, stream: &str) -> Result<String, InvalidName> {
        self.with_stream("STREAM.CREATE", stream)
    }

    /// `STREAM.UPDATE.<stream>`.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream name.
    pub fn stream_update(&self, stream: &str) -> Result<String, InvalidName> {
        self.with_stream("STREAM.UPDATE", stream)
    }

    /// `STREAM.INFO.<stream>`.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream name.
    pub fn stream_info(&self, stream: &str) -> Result<String, InvalidName> {
        self.with_stream("STREAM.INFO", stream)
    }

    /// `STREAM.DELETE.<stream>`.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream name.
    pub fn stream_delete(&self, stream: &str) -> Result<String, InvalidName> {
        self.with_stream("STREAM.DELETE", stream)
    }

    /// `STREAM.PURGE.<stream>`.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream name.
    pub fn stream_purge(&self, stream: &str) -> Result<String, InvalidName> {
        self.with_stream("STREAM.PURGE", stream)
    }

    /// `STREAM.NAMES` (paged).
    pub fn stream_names(&self) -> String {
        self.join("STREAM.NAMES")
    }

    /// `STREAM.LIST` (paged).
    pub fn stream_list(&self) -> String {
        self.join("STREAM.LIST")
    }

    /// `STREAM.MSG.GET.<stream>`.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream name.
    pub fn stream_msg_get(&self, stream: &str) -> Result<String, InvalidName> {
        self.with_stream("STREAM.MSG.GET", stream)
    }

    /// `STREAM.MSG.DELETE.<stream>`.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream name.
    pub fn stream_msg_delete(&self, stream: &str) -> Result<String, InvalidName> {
        self.with_stream("STREAM.MSG.DELETE", stream)
    }

    /// `DIRECT.GET.<stream>` (JSON request body; only on `allow_direct` streams).
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream name.
    pub fn direct_get(&self, stream: &str) -> Result<String, InvalidName> {
        self.with_stream("DIRECT.GET", stream)
    }

    /// `DIRECT.GET.<stream>.<subject>`: the last message on `subject`, with an empty body.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream name.
    pub fn direct_get_last(&self, stream: &str, subject: &str) -> Result<String, InvalidName> {
        Ok(format!(
            "{}.{subject}",
            self.with_stream("DIRECT.GET", stream)?
        ))
    }

    /// `CONSUMER.CREATE.<stream>`: legacy ephemeral create; the server picks the name.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream name.
    pub fn consumer_create_ephemeral(&self, stream: &str) -> Result<String, InvalidName> {
        self.with_stream("CONSUMER.CREATE", stream)
    }

    /// `CONSUMER.CREATE.<stream>.<consumer>`: the modern create form.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream or consumer name.
    pub fn consumer_create(&self, stream: &str, consumer: &str) -> Result<String, InvalidName> {
        self.with_consumer("CONSUMER.CREATE", stream, consumer)
    }

    /// `CONSUMER.CREATE.<stream>.<consumer>.<filter>`: the body's `filter_subject` must equal
    /// `filter` (this form lets accounts permit creates per filter).
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream or consumer name.
    pub fn consumer_create_filtered(
        &self,
        stream: &str,
        consumer: &str,
        filter: &str,
    ) -> Result<String, InvalidName> {
        Ok(format!(
            "{}.{filter}",
            self.with_consumer("CONSUMER.CREATE", stream, consumer)?
        ))
    }

    /// `CONSUMER.DURABLE.CREATE.<stream>.<durable>`: legacy durable create.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream or durable name.
    pub fn consumer_durable_create(
        &self,
        stream: &str,
        durable: &str,
    ) -> Result<String, InvalidName> {
        self.with_consumer("CONSUMER.DURABLE.CREATE", stream, durable)
    }

    /// `CONSUMER.INFO.<stream>.<consumer>`.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream or consumer name.
    pub fn consumer_info(&self, stream: &str, consumer: &str) -> Result<String, InvalidName> {
        self.with_consumer("CONSUMER.INFO", stream, consumer)
    }

    /// `CONSUMER.DELETE.<stream>.<consumer>`.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream or consumer name.
    pub fn consumer_delete(&self, stream: &str, consumer: &str) -> Result<String, InvalidName> {
        self.with_consumer("CONSUMER.DELETE", stream, consumer)
    }

    /// `CONSUMER.PAUSE.<stream>.<consumer>` (server 2.11+).
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream or consumer name.
    pub fn consumer_pause(&self, stream: &str, consumer: &str) -> Result<String, InvalidName> {
        self.with_consumer("CONSUMER.PAUSE", stream, consumer)
    }

    /// `CONSUMER.UNPIN.<stream>.<consumer>` (server 2.11+): unpin a priority group.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream or consumer name.
    pub fn consumer_unpin(&self, stream: &str, consumer: &str) -> Result<String, InvalidName> {
        self.with_consumer("CONSUMER.UNPIN", stream, consumer)
    }

    /// `CONSUMER.RESET.<stream>.<consumer>` (server 2.14+): reset the delivery state.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream or consumer name.
    pub fn consumer_reset(&self, stream: &str, consumer: &str) -> Result<String, InvalidName> {
        self.with_consumer("CONSUMER.RESET", stream, consumer)
    }

    /// `CONSUMER.NAMES.<stream>` (paged).
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream name.
    pub fn consumer_names(&self, stream: &str) -> Result<String, InvalidName> {
        self.with_stream("CONSUMER.NAMES", stream)
    }

    /// `CONSUMER.LIST.<stream>` (paged).
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream name.
    pub fn consumer_list(&self, stream: &str) -> Result<String, InvalidName> {
        self.with_stream("CONSUMER.LIST", stream)
    }

    /// `CONSUMER.MSG.NEXT.<stream>.<consumer>`: where pull requests go.
    ///
    /// # Errors
    /// [`InvalidName`] for an invalid stream or consumer name.
    pub fn consumer_msg_next(&self, stream: &str, consumer: &str) -> Result<String, InvalidName> {
        self.with_consumer("CONSUMER.MSG.NEXT", stream, consumer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(ApiPrefix::new().as_str(), "$JS.API");
        assert_eq!(ApiPrefix::domain("hub").as_str(), "$JS.hub.API");
        assert_eq!(ApiPrefix::domain("").as_str(), "$JS.API");
        assert_eq!(ApiPrefix::custom("JS.acc.API.").as_str(), "JS.acc.API");
        assert_eq!(
            ApiPrefix::domain("hub").stream_info("ORDERS").as_deref(),
            Ok("$JS.hub.API.STREAM.INFO.ORDERS")
        );
    }

    #[test]
    fn every_subject() -> Result<(), InvalidName> {
        let p = ApiPrefix::new();
        assert_eq!(p.account_info(), "$JS.API.INFO");
        assert_eq!(p.stream_create("S")?, "$JS.API.STREAM.CREATE.S");
        assert_eq!(p.stream_update("S")?, "$JS.API.STREAM.UPDATE.S");
        assert_eq!(p.stream_info("S")?, "$JS.API.STREAM.INFO.S");
        assert_eq!(p.stream_delete("S")?, "$JS.API.STREAM.DELETE.S");
        assert_eq!(p.stream_purge("S")?, "$JS.API.STREAM.PURGE.S");
        assert_eq!(p.stream_names(), "$JS.API.STREAM.NAMES");
        assert_eq!(p.stream_list(), "$JS.API.STREAM.LIST");
        assert_eq!(p.stream_msg_get("S")?, "$JS.API.STREAM.MSG.GET.S");
        assert_eq!(p.stream_msg_delete("S")?, "$JS.API.STREAM.MSG.DELETE.S");
        assert_eq!(p.direct_get("S")?, "$JS.API.DIRECT.GET.S");
        assert_eq!(
            p.direct_get_last("KV_b", "$KV.b.a.b")?,
            "$JS.API.DIRECT.GET.KV_b.$KV.b.a.b"
        );
        assert_eq!(
            p.consumer_create_ephemeral("S")?,
            "$JS.API.CONSUMER.CREATE.S"
        );
        assert_eq!(p.consumer_create("S", "c")?, "$JS.API.CONSUMER.CREATE.S.c");
        assert_eq!(
            p.consumer_create_filtered("S", "c", "orders.*")?,
            "$JS.API.CONSUMER.CREATE.S.c.orders.*"
        );
        assert_eq!(
            p.consumer_durable_create("S", "d")?,
            "$JS.API.CONSUMER.DURABLE.CREATE.S.d"
        );
        assert_eq!(p.consumer_info("S", "c")?, "$JS.API.CONSUMER.INFO.S.c");
        assert_eq!(p.consumer_delete("S", "c")?, "$JS.API.CONSUMER.DELETE.S.c");
        assert_eq!(p.consumer_pause("S", "c")?, "$JS.API.CONSUMER.PAUSE.S.c");
        assert_eq!(p.consumer_unpin("S", "c")?, "$JS.API.CONSUMER.UNPIN.S.c");
        assert_eq!(p.consumer_reset("S", "c")?, "$JS.API.CONSUMER.RESET.S.c");
        assert_eq!(p.consumer_names("S")?, "$JS.API.CONSUMER.NAMES.S");
        assert_eq!(p.consumer_list("S")?, "$JS.API.CONSUMER.LIST.S");
        assert_eq!(
            p.consumer_msg_next("S", "c")?,
            "$JS.API.CONSUMER.MSG.NEXT.S.c"
        );
        Ok(())
    }

    #[test]
    fn names_are_validated() {
        let p = ApiPrefix::new();
        assert_eq!(p.stream_info(""), Err(InvalidName::Empty));
        assert!(matches!(
            p.stream_create("a.b"),
            Err(InvalidName::Character { ch: '.', .. })
        ));
        assert!(matches!(
            p.consumer_info("S", "c*"),
            Err(InvalidName::Character { ch: '*', .. })
        ));
        for bad in ["a>", "a/b", "a\\b", "a b", "a\tb", "a\nb"] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(validate_name(&"x".repeat(255)), Ok(()));
        assert!(matches!(
            validate_name(&"x".repeat(256)),
            Err(InvalidName::TooLong(_))
        ));
        assert_eq!(validate_name("Bestellungen_ü-1"), Ok(()));
    }
}
