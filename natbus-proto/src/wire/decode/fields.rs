//! Splitting a control line into its op name and fields, and reading numeric fields.

use super::{DecodeError, field_text};
use crate::wire::itoa::{parse_u64, parse_usize};

/// Most fields any operation has (HMSG: subject, sid, reply, header size, total size).
const MAX_FIELDS: usize = 5;
/// The fields of a control line, as ranges into the line.
pub(super) struct Fields {
    pub(super) ranges: [(usize, usize); MAX_FIELDS],
    pub(super) len: usize,
}

impl Fields {
    /// Splits `line[start..]` on runs of spaces and tabs; `len` counts every field even past
    /// [`MAX_FIELDS`], so a wrong count is reported as such.
    ///
    /// Runs on every received message: the end of each field is found with `memchr2`
    /// (many bytes per step) rather than testing byte by byte.
    pub(super) fn split(line: &[u8], start: usize) -> Fields {
        let mut fields = Fields {
            ranges: [(0, 0); MAX_FIELDS],
            len: 0,
        };
        let mut i = start;
        while i < line.len() {
            while i < line.len() && is_blank(line[i]) {
                i += 1;
            }
            if i == line.len() {
                break;
            }
            let begin = i;
            i = memchr::memchr2(b' ', b'\t', &line[i..]).map_or(line.len(), |n| i + n);
            if fields.len < MAX_FIELDS {
                fields.ranges[fields.len] = (begin, i);
            }
            fields.len += 1;
        }
        fields
    }

    pub(super) fn get<'a>(&self, line: &'a [u8], i: usize) -> &'a [u8] {
        let (a, b) = self.ranges[i];
        &line[a..b]
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Splits a control line into its op name and the index where the arguments start.
pub(super) fn split_op(line: &[u8]) -> (&[u8], usize) {
    let end = line.iter().position(|&b| is_blank(b)).unwrap_or(line.len());
    (&line[..end], end)
}

/// The argument text after the op, without surrounding blanks.
pub(super) fn trimmed_args(line: &[u8], start: usize) -> &[u8] {
    let args = &line[start..];
    let from = args
        .iter()
        .position(|&b| !is_blank(b))
        .unwrap_or(args.len());
    let to = args
        .iter()
        .rposition(|&b| !is_blank(b))
        .map_or(from, |i| i + 1);
    &args[from..to]
}

pub(super) fn size_field(bytes: &[u8]) -> Result<usize, DecodeError> {
    parse_usize(bytes).ok_or_else(|| DecodeError::InvalidSize(field_text(bytes)))
}

pub(super) fn sid_field(bytes: &[u8]) -> Result<u64, DecodeError> {
    parse_u64(bytes).ok_or_else(|| DecodeError::InvalidSid(field_text(bytes)))
}
