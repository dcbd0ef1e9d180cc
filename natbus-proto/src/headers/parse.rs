//! Parsing a header block: lenient where it costs nothing, strict where a mistake would
//! hide a bug.

use super::{HeaderError, HeaderMap, StatusCode, VERSION_LINE};

impl HeaderMap {
    /// Parses a whole header block as carried by HMSG/HPUB.
    ///
    /// Lenient where it costs nothing (bare LF line ends, a missing final empty line, blanks
    /// around names and values), strict where a mistake would hide a bug (the `NATS/1.0`
    /// prefix, the 3-digit status, `:` on every line, CR inside a value). Never panics.
    ///
    /// # Errors
    /// Any [`HeaderError`] describing the first problem found.
    pub fn parse(block: &[u8]) -> Result<HeaderMap, HeaderError> {
        let mut lines = Lines(block);
        let first = lines.next().unwrap_or_default();
        let rest = first
            .strip_prefix(VERSION_LINE)
            .ok_or(HeaderError::MissingVersion)?;
        let mut map = HeaderMap::new();
        if !rest.is_empty() {
            if !rest[0].is_ascii_whitespace() {
                return Err(HeaderError::InvalidStatusLine);
            }
            let rest = rest.trim_ascii();
            if !rest.is_empty() {
                let (status, description) = parse_status(rest)?;
                map.status = Some(status);
                map.description = description;
            }
        }
        for line in lines {
            if line.trim_ascii().is_empty() {
                break;
            }
            let colon = memchr::memchr(b':', line).ok_or(HeaderError::MissingColon)?;
            let name = line[..colon].trim_ascii();
            if !is_valid_name(name) {
                return Err(HeaderError::InvalidName(
                    String::from_utf8_lossy(name).into_owned(),
                ));
            }
            let name = std::str::from_utf8(name)
                .expect("a valid header name is printable ASCII, hence UTF-8");
            let value = to_str(line[colon + 1..].trim_ascii())?;
            if has_line_break(value) {
                return Err(HeaderError::InvalidValue(name.to_owned()));
            }
            map.entries.push((name.to_owned(), value.to_owned()));
        }
        Ok(map)
    }
}

/// Parses `<3 digits>[ description]` (already trimmed, non-empty).
fn parse_status(rest: &[u8]) -> Result<(StatusCode, Option<String>), HeaderError> {
    let (code, tail) = rest.split_at(rest.len().min(3));
    if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
        return Err(HeaderError::InvalidStatusLine);
    }
    if tail.first().is_some_and(|b| !b.is_ascii_whitespace()) {
        return Err(HeaderError::InvalidStatusLine);
    }
    let code = code
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    let description = to_str(tail.trim_ascii())?;
    if has_line_break(description) {
        return Err(HeaderError::InvalidDescription);
    }
    let description = (!description.is_empty()).then(|| description.to_owned());
    Ok((StatusCode(code), description))
}

fn to_str(bytes: &[u8]) -> Result<&str, HeaderError> {
    std::str::from_utf8(bytes).map_err(|_| HeaderError::InvalidUtf8)
}

pub(super) fn has_line_break(s: &str) -> bool {
    s.bytes().any(|b| b == b'\r' || b == b'\n')
}

pub(super) fn is_valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| b.is_ascii_graphic() && b != b':')
}

/// Splits on LF, dropping one CR before it; a last line without LF is still yielded.
struct Lines<'a>(&'a [u8]);

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.0.is_empty() {
            return None;
        }
        let (line, rest) = match memchr::memchr(b'\n', self.0) {
            Some(i) => (&self.0[..i], &self.0[i + 1..]),
            None => (self.0, &[][..]),
        };
        self.0 = rest;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}
