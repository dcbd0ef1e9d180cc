//! Shared output helpers: stdout writes that survive a closed pipe, JSON lines, status
//! lines on stderr, plain tables, and number formats.

use std::io::{BufRead, IsTerminal, Read, Write};

use serde::Serialize;

use crate::error::{CliError, CliResult};

/// Writes `bytes` to stdout and flushes, so a reader sees each message at once.
///
/// # Errors
/// [`CliError::BrokenPipe`] when the reader went away, [`CliError::Io`] otherwise.
pub fn write_stdout(bytes: &[u8]) -> CliResult {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| CliError::io("could not write to stdout", e))
}

/// Prints one line to stdout.
///
/// # Errors
/// As [`write_stdout`].
pub fn line(text: impl AsRef<str>) -> CliResult {
    let mut bytes = Vec::with_capacity(text.as_ref().len() + 1);
    bytes.extend_from_slice(text.as_ref().as_bytes());
    bytes.push(b'\n');
    write_stdout(&bytes)
}

/// Prints `value` as one line of JSON.
///
/// # Errors
/// As [`write_stdout`].
pub fn json_line(value: &impl Serialize) -> CliResult {
    let text = serde_json::to_string(value)
        .map_err(|e| CliError::BadAnswer(format!("could not encode JSON output: {e}")))?;
    line(text)
}

/// Prints `value` as indented JSON (for single documents like `server check --json`).
///
/// # Errors
/// As [`write_stdout`].
pub fn json_pretty(value: &impl Serialize) -> CliResult {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::BadAnswer(format!("could not encode JSON output: {e}")))?;
    line(text)
}

/// Prints names sorted: a JSON array with `--json`, else one a line (for `ls --names`).
///
/// # Errors
/// As [`write_stdout`].
pub fn names(mut names: Vec<String>, json: bool) -> CliResult {
    names.sort();
    if json {
        json_pretty(&names)
    } else {
        names.iter().try_for_each(line)
    }
}

/// A progress or status note for the person at the terminal: stderr, so stdout stays
/// clean for pipes.
pub fn note(text: impl AsRef<str>) {
    eprintln!("{}", text.as_ref());
}

/// The largest `max_payload` a NATS server can be configured with; a longer body on stdin
/// is refused before it fills memory.
const MAX_BODY: u64 = 64 * 1024 * 1024;

/// The message body given as an argument, or else stdin: all of it when it is a pipe or a
/// file, nothing when `tty_means_empty` and stdin is a terminal.
///
/// # Errors
/// [`CliError::Io`] when stdin cannot be read.
pub fn body_or_stdin(body: Option<&str>, tty_means_empty: bool) -> CliResult<Vec<u8>> {
    if let Some(body) = body {
        return Ok(body.as_bytes().to_vec());
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        if tty_means_empty {
            return Ok(Vec::new());
        }
        note("Reading the message body from stdin; end it with Ctrl-D");
    }
    let mut buf = Vec::new();
    stdin
        .lock()
        .take(MAX_BODY + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::io("could not read the message body from stdin", e))?;
    if buf.len() as u64 > MAX_BODY {
        return Err(CliError::Usage(format!(
            "the message body on stdin is over {}, more than any NATS server accepts",
            bytes(MAX_BODY)
        )));
    }
    Ok(buf)
}

/// A plain text table: a header row, then rows, columns padded to their widest cell.
#[derive(Debug)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|s| (*s).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells print empty).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, one line per row, ending in a newline.
    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                line.push_str(cell);
                let pad = width.saturating_sub(cell.chars().count());
                line.extend(std::iter::repeat_n(' ', pad + 2));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Labelled values, one per line, labels right-aligned as `nats stream info` prints them:
///
/// ```text
///  Subjects: orders.>
///  Replicas: 1
/// ```
pub fn fields(rows: &[(&str, String)]) -> String {
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (label, value) in rows {
        let pad = width - label.chars().count();
        out.extend(std::iter::repeat_n(' ', pad + 2));
        out.push_str(label);
        out.push_str(": ");
        out.push_str(value);
        out.push('\n');
    }
    out
}

/// Asks before destroying data, as the `nats` CLI does: `-f` skips the question, and
/// without a terminal to ask on, the command refuses instead of guessing.
///
/// # Errors
/// [`CliError::Usage`] when the answer is not yes or there is no terminal to ask.
pub fn confirm(question: &str, force: bool) -> CliResult {
    if force {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::Usage(format!(
            "{question}: refusing without confirmation; add -f to do it"
        )));
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    stdin
        .lock()
        .take(64)
        .read_line(&mut answer)
        .map_err(|e| CliError::io("could not read the answer from stdin", e))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(CliError::Usage("cancelled".to_owned()))
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 publisher`, `2 publishers`.
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    match n.into() {
        1 => format!("1 {noun}"),
        n => format!("{} {noun}s", thousands(n)),
    }
}

/// Bytes in binary units: `512 B`, `1.0 KiB`, `1.0 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// "1 message", "3 messages": a count with its noun, `one` or `many`.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_plural_except_for_one() {
        assert_eq!(counted(1, "message", "messages"), "1 message");
        assert_eq!(counted(0, "request", "requests"), "0 requests");
        assert_eq!(counted(42, "reply", "replies"), "42 replies");
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(count(1u64, "publisher"), "1 publisher");
        assert_eq!(count(2000u64, "request"), "2,000 requests");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1024 * 1024), "1.0 MiB");
        assert_eq!(bytes(1536), "1.5 KiB");
    }

    #[test]
    fn aligns_fields() {
        let text = fields(&[("Subjects", "a".into()), ("Storage", "File".into())]);
        assert_eq!(text, "  Subjects: a\n   Storage: File\n");
    }

    #[test]
    fn pads_tables() {
        let mut t = Table::new(&["Name", "ID"]);
        t.row(vec!["billing".into(), "1".into()]);
        t.row(vec!["a".into()]);
        assert_eq!(t.render(), "Name     ID\nbilling  1\na\n");
    }
}
