//! Hand-written decimal formatting and parsing of integers, for the hot encode/decode paths
//! (`format!` and `str::parse` go through UTF-8 and formatting machinery we do not need).

use bytes::BytesMut;

/// Appends `n` in decimal.
pub(crate) fn write_u64(out: &mut BytesMut, n: u64) {
    let mut buf = [0u8; 20];
    out.extend_from_slice(format_u64(n, &mut buf).as_bytes());
}

/// Formats `n` in decimal into `buf` (20 bytes hold any `u64`) without allocating.
pub(crate) fn format_u64(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        // `n % 10` is below 10, so the cast cannot truncate.
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written, which is always valid UTF-8.
    std::str::from_utf8(&buf[i..]).unwrap_or_default()
}

/// Parses a non-empty run of ASCII digits; `None` for anything else or on overflow.
pub(crate) fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(n)
}

/// [`parse_u64`] for sizes, which must also fit `usize`.
pub(crate) fn parse_usize(digits: &[u8]) -> Option<usize> {
    parse_u64(digits).and_then(|n| usize::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_every_width() {
        for n in [0, 1, 9, 10, 99, 100, 4096, 1 << 32, u64::MAX] {
            let mut out = BytesMut::new();
            write_u64(&mut out, n);
            assert_eq!(&out[..], n.to_string().as_bytes());
            assert_eq!(parse_u64(&out), Some(n));
        }
    }

    #[test]
    fn parse_rejects_non_digits_and_overflow() {
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b"+1"), None);
        assert_eq!(parse_u64(b"1a"), None);
        assert_eq!(parse_u64(b" 1"), None);
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"007"), Some(7));
    }
}
