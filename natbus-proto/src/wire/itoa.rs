//! Hand-written decimal formatting and parsing of integers, for the hot encode/decode paths
//! (`format!` and `str::parse` go through UTF-8 and formatting machinery we do not need).

use bytes::BytesMut;

/// "00" to "99": two digits per division, half the divisions of a digit-by-digit loop.
const PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        // `i` is below 100, so both digits are below 10 and the casts cannot truncate.
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Appends `n` in decimal.
pub(crate) fn write_u64(out: &mut BytesMut, n: u64) {
    let mut buf = [0u8; 20];
    out.extend_from_slice(digits(n, &mut buf));
}

/// Writes `n`'s decimal digits at the end of `buf` (20 bytes hold any `u64`).
fn digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    while n >= 100 {
        // `n % 100` is below 100, so the cast cannot truncate.
        let pair = 2 * (n % 100) as usize;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        // `n` is below 100 here.
        let pair = 2 * n as usize;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        // `n` is below 10 here.
        buf[i] = b'0' + n as u8;
    }
    &buf[i..]
}

/// Appends `n` in decimal to a `String`, without a UTF-8 check of the digits.
pub(crate) fn push_u64(out: &mut String, n: u64) {
    let mut buf = [0u8; 20];
    out.extend(digits(n, &mut buf).iter().copied().map(char::from));
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
        let mut widths = vec![0, u64::MAX, u64::MAX - 1];
        let mut p = 1u64;
        while let Some(next) = p.checked_mul(10) {
            widths.extend([p - 1, p, p + 1, next / 2]);
            p = next;
        }
        widths.extend([p - 1, p, p + 1]);
        for n in widths {
            let mut out = BytesMut::new();
            write_u64(&mut out, n);
            assert_eq!(&out[..], n.to_string().as_bytes());
            assert_eq!(parse_u64(&out), Some(n));
            let mut s = String::from("x");
            push_u64(&mut s, n);
            assert_eq!(s, format!("x{n}"));
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
