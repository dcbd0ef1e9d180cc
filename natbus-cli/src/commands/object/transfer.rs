//! Moving object data between files (or stdin/stdout) and a store, one chunk at a time so
//! memory stays small whatever the size: a progress bar while a person watches, and a
//! summary line (bytes, time, rate) after.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use natbus_tokio::Compat;
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};

use crate::duration::human;
use crate::error::{CliError, CliResult};
use crate::output;

/// Data smaller than this moves too fast for a progress bar to help.
const BAR_FROM: u64 = 4 << 20;

/// The data a put reads, as natbus's `futures-io` reader.
pub type Input = Compat<Counted>;

/// A reader that moves a progress bar as it is read.
pub struct Counted {
    inner: Box<dyn AsyncRead + Unpin + Send>,
    bar: ProgressBar,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            self.bar.inc((buf.filled().len() - before) as u64);
        }
        polled
    }
}

/// Opens the data to put, a file or stdin for `-`, and its transfer (progress and summary).
///
/// # Errors
/// [`CliError::File`] when the file cannot be opened.
pub async fn open_input(path: &Path, quiet: bool) -> CliResult<(Input, Transfer)> {
    let (inner, size): (Box<dyn AsyncRead + Unpin + Send>, _) = if is_std(path) {
        (Box::new(tokio::io::stdin()), None)
    } else {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|source| CliError::File {
                what: "open",
                path: path.to_owned(),
                source,
            })?;
        let size = file.metadata().await.ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let transfer = Transfer::start(size, quiet);
    let bar = transfer.bar.clone();
    Ok((Compat::new(Counted { inner, bar }), transfer))
}

/// `-` means stdin or stdout, as in most tools.
fn is_std(path: &Path) -> bool {
    path == Path::new("-")
}

/// One transfer's progress bar and clock.
#[derive(Debug)]
pub struct Transfer {
    /// Moved by the data as it goes; hidden unless worth showing.
    pub bar: ProgressBar,
    started: Instant,
}

impl Transfer {
    /// Starts the clock; shows a bar on a terminal for big or unknown sizes unless `quiet`.
    pub fn start(size: Option<u64>, quiet: bool) -> Self {
        let big = size.is_none_or(|s| s >= BAR_FROM);
        let bar = if quiet || !big || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar = size.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} \
                 {bytes_per_sec}, eta {eta}",
            ) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        };
        Self {
            bar,
            started: Instant::now(),
        }
    }

    /// Clears the bar and says how it went: `300.0 KiB in 12.3ms (23.8 MiB/s)`.
    pub fn finish(self, bytes: u64) -> String {
        self.bar.finish_and_clear();
        let elapsed = self.started.elapsed();
        let rate = bytes as f64 / elapsed.as_secs_f64().max(1e-6);
        format!(
            "{} in {} ({}/s)",
            output::bytes(bytes),
            human(elapsed),
            output::bytes(rate as u64)
        )
    }
}

/// Where a get writes: stdout, or a file made for it.
#[derive(Debug)]
pub enum Output {
    /// Standard output.
    Stdout,
    /// A file this get created (or truncated, with `--force`).
    File {
        /// The open file.
        file: tokio::fs::File,
        /// Its path, to remove it again if the data turns out corrupt.
        path: PathBuf,
    },
}

impl Output {
    /// Stdout for no path or `-`; else creates the file, refusing to replace one that
    /// exists unless `force` (checked by the create itself, so no race).
    ///
    /// # Errors
    /// [`CliError::Usage`] when the file exists, [`CliError::File`] when it cannot be made.
    pub async fn create(path: Option<&Path>, force: bool) -> CliResult<Self> {
        let Some(path) = path.filter(|p| !is_std(p)) else {
            return Ok(Output::Stdout);
        };
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true);
        if force {
            options.create(true).truncate(true);
        } else {
            options.create_new(true);
        }
        match options.open(path).await {
            Ok(file) => Ok(Output::File {
                file,
                path: path.to_owned(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(CliError::Usage(
                format!("{} exists: add --force to overwrite it", path.display()),
            )),
            Err(source) => Err(CliError::File {
                what: "create",
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Writes one chunk.
    ///
    /// # Errors
    /// [`CliError::File`] or a stdout error (a closed pipe is [`CliError::BrokenPipe`]).
    pub async fn write(&mut self, chunk: &[u8]) -> CliResult {
        match self {
            Output::Stdout => output::write_stdout(chunk),
            Output::File { file, path } => {
                file.write_all(chunk)
                    .await
                    .map_err(|source| CliError::File {
                        what: "write to",
                        path: path.clone(),
                        source,
                    })
            }
        }
    }

    /// Makes sure every byte reached the file.
    ///
    /// # Errors
    /// [`CliError::File`] when the last writes fail.
    pub async fn finish(&mut self) -> CliResult {
        if let Output::File { file, path } = self {
            file.flush().await.map_err(|source| CliError::File {
                what: "write to",
                path: path.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// Removes a partly written file, so no one mistakes it for the object.
    pub async fn discard(self) {
        if let Output::File { file, path } = self {
            drop(file);
            match tokio::fs::remove_file(&path).await {
                Ok(()) => output::note(format!("Removed the partial {}", path.display())),
                Err(e) => output::note(format!(
                    "natbus: warning: could not remove the partial {}: {e}",
                    path.display()
                )),
            }
        }
    }

    /// Where the data went, for the summary line.
    pub fn describe(&self) -> String {
        match self {
            Output::Stdout => "stdout".to_owned(),
            Output::File { path, .. } => path.display().to_string(),
        }
    }
}
