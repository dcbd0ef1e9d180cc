//! The context files in a configuration directory: `nats/context/NAME.json` and the
//! selection in `nats/context.txt`.
//!
//! The directory is a parameter ([`ContextStore::new`]); only [`ContextStore::from_env`]
//! looks at the environment, so tests (and programs with their own layout) never touch a
//! real home directory.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{Context, ContextError};

/// A context file larger than this is refused unread (a real one is under 1 KiB).
const MAX_CONTEXT_FILE: u64 = 1024 * 1024;

/// The `nats` contexts of one configuration directory (`$XDG_CONFIG_HOME`, or
/// `~/.config`).
///
/// ```no_run
/// # fn demo() -> Result<(), natbus::context::ContextError> {
/// use natbus::context::{Context, ContextStore};
/// let store = ContextStore::from_env()?;
/// let mut local = Context::new();
/// local.url = Some("nats://127.0.0.1:4222".to_owned());
/// store.save("local", &local)?;
/// store.select("local")?;
/// for name in store.list()? {
///     println!("{name}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextStore {
    config_dir: PathBuf,
}

impl ContextStore {
    /// The contexts under `config_dir` (which holds the `nats` directory).
    pub fn new(config_dir: impl Into<PathBuf>) -> Self {
        Self {
            config_dir: config_dir.into(),
        }
    }

    /// The contexts where the `nats` tool keeps them: `$XDG_CONFIG_HOME` when set and not
    /// empty, else `$HOME/.config`.
    ///
    /// # Errors
    /// [`ContextError::NoConfigDir`] when neither variable is set.
    pub fn from_env() -> Result<Self, ContextError> {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        match (var("XDG_CONFIG_HOME"), var("HOME")) {
            (Some(xdg), _) => Ok(Self::new(xdg)),
            (None, Some(home)) => Ok(Self::new(PathBuf::from(home).join(".config"))),
            (None, None) => Err(ContextError::NoConfigDir),
        }
    }

    /// The directory of the context files, `<config dir>/nats/context`.
    pub fn dir(&self) -> PathBuf {
        self.config_dir.join("nats").join("context")
    }

    /// The file naming the selected context, `<config dir>/nats/context.txt`.
    pub fn selection_file(&self) -> PathBuf {
        self.config_dir.join("nats").join("context.txt")
    }

    /// The file of context `name`.
    ///
    /// # Errors
    /// [`ContextError::InvalidName`] for a name that is not a context's.
    pub fn path(&self, name: &str) -> Result<PathBuf, ContextError> {
        check_name(name)?;
        Ok(self.dir().join(format!("{name}.json")))
    }

    /// The names of the contexts, sorted: the non-empty `.json` files with valid names (no
    /// directory yet means none).
    ///
    /// # Errors
    /// [`ContextError::Read`] when the directory exists but cannot be read.
    pub fn list(&self) -> Result<Vec<String>, ContextError> {
        let dir = self.dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(ContextError::Read { path: dir, source }),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| ContextError::Read {
                path: dir.clone(),
                source,
            })?;
            let is_context = entry.metadata().is_ok_and(|m| m.is_file() && m.len() > 0);
            let file_name = entry.file_name();
            let name = file_name.to_str().and_then(|n| n.strip_suffix(".json"));
            if let Some(name) = name.filter(|n| is_context && check_name(n).is_ok()) {
                names.push(name.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// The name in the selection file; `None` when it is missing or empty.
    ///
    /// # Errors
    /// [`ContextError::Read`] when it exists but cannot be read.
    pub fn selected(&self) -> Result<Option<String>, ContextError> {
        let path = self.selection_file();
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text.trim().to_owned()).filter(|n| !n.is_empty())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ContextError::Read { path, source }),
        }
    }

    /// Reads context `name`.
    ///
    /// # Errors
    /// [`ContextError::NotFound`], [`ContextError::Read`], [`ContextError::TooLarge`] or
    /// [`ContextError::Parse`], each naming the file.
    pub fn load(&self, name: &str) -> Result<Context, ContextError> {
        let path = self.path(name)?;
        let read = |source| ContextError::Read {
            path: path.clone(),
            source,
        };
        let size = match fs::metadata(&path) {
            Ok(meta) => meta.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(ContextError::NotFound {
                    name: name.to_owned(),
                    path,
                });
            }
            Err(e) => return Err(read(e)),
        };
        if size > MAX_CONTEXT_FILE {
            return Err(ContextError::TooLarge {
                path,
                size,
                limit: MAX_CONTEXT_FILE,
            });
        }
        let text = fs::read(&path).map_err(read)?;
        let mut context: Context =
            serde_json::from_slice(&text).map_err(|source| ContextError::Parse {
                path: path.clone(),
                source,
            })?;
        context.origin = Some((name.to_owned(), path));
        Ok(context)
    }

    /// Reads the selected context; `None` when none is selected.
    ///
    /// # Errors
    /// As [`load`](Self::load), for a selection naming a context that is missing or bad.
    pub fn load_selected(&self) -> Result<Option<Context>, ContextError> {
        match self.selected()? {
            Some(name) => self.load(&name).map(Some),
            None => Ok(None),
        }
    }

    /// Writes `context` as context `name` (replacing the file atomically, readable by the
    /// owner only) and returns its path.
    ///
    /// # Errors
    /// [`ContextError::InvalidName`], or [`ContextError::Write`] naming what could not be
    /// written.
    pub fn save(&self, name: &str, context: &Context) -> Result<PathBuf, ContextError> {
        let path = self.path(name)?;
        // The `nats` tool writes the name only when showing a context, never into its file.
        let mut stored = context.clone();
        stored.other.remove("name");
        let json = serde_json::to_vec_pretty(&stored).map_err(|e| ContextError::Write {
            path: path.clone(),
            source: io::Error::other(e),
        })?;
        self.create_dir()?;
        write_atomically(&path, &json)?;
        Ok(path)
    }

    /// Makes `name` the selected context.
    ///
    /// # Errors
    /// [`ContextError::NotFound`] when there is no such context, [`ContextError::Write`]
    /// when the selection file cannot be written.
    pub fn select(&self, name: &str) -> Result<(), ContextError> {
        let path = self.path(name)?;
        if !path.is_file() {
            return Err(ContextError::NotFound {
                name: name.to_owned(),
                path,
            });
        }
        self.create_dir()?;
        write_atomically(&self.selection_file(), name.as_bytes())
    }

    /// Creates the context directory, owner-only as the `nats` tool makes it.
    fn create_dir(&self) -> Result<(), ContextError> {
        let dir = self.dir();
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&dir)
            .map_err(|source| ContextError::Write { path: dir, source })
    }
}

/// Refuses names that are not plain file names, or that the `nats` tool would not list.
fn check_name(name: &str) -> Result<(), ContextError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.contains(['/', '\\']) || name.contains("..") {
        Some("it must not hold '/', '\\' or '..'")
    } else if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("it must not hold spaces or control characters")
    } else if name.contains(['*', '>']) {
        Some("it must not hold '*' or '>'")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(ContextError::InvalidName {
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`, so a
/// reader (the `nats` tool included) never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ContextError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let write = |p: &Path| {
        let failed = |source| ContextError::Write {
            path: p.to_owned(),
            source,
        };
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(p).map_err(failed)?;
        file.write_all(bytes).map_err(failed)?;
        file.sync_all().map_err(failed)
    };
    let result = write(&tmp).and_then(|()| {
        fs::rename(&tmp, path).map_err(|source| ContextError::Write {
            path: path.to_owned(),
            source,
        })
    });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
