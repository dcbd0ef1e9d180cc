//! Why a context could not be found, read, written or used; every file is named.

use std::io;
use std::path::PathBuf;

/// Why a `nats` context could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// The name cannot be a context's: empty, a path, or holding spaces or control
    /// characters.
    #[error("invalid context name {name:?}: {reason}")]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Neither `XDG_CONFIG_HOME` nor `HOME` is set, so there is no configuration directory.
    #[error("cannot find the nats configuration directory: set XDG_CONFIG_HOME or HOME")]
    NoConfigDir,
    /// No context file of that name.
    #[error("unknown context '{name}': {} does not exist", path.display())]
    NotFound {
        /// The context's name.
        name: String,
        /// The file that was looked for.
        path: PathBuf,
    },
    /// No context is selected.
    #[error("no context is selected ({} is missing or empty); choose one with `nats context select`", path.display())]
    NoneSelected {
        /// The selection file.
        path: PathBuf,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A context file is not a JSON object of the `nats` tool's fields.
    #[error("{} is not a valid nats context: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Where and why the JSON is wrong.
        #[source]
        source: serde_json::Error,
    },
    /// A context file is larger than any context could be.
    #[error("{} is not a nats context: {size} bytes, more than the {limit} a context may have", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A file or directory could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The context asks for something natbus does not do (or was built without).
    #[error("{context} uses {what}, which {why}")]
    Unsupported {
        /// The context's name and file.
        context: String,
        /// The setting, by its field name.
        what: &'static str,
        /// Why natbus cannot honour it, and what to do instead.
        why: &'static str,
    },
    /// The context's settings contradict each other.
    #[error("{context}: {problem}")]
    Invalid {
        /// The context's name and file.
        context: String,
        /// What is wrong.
        problem: &'static str,
    },
}
