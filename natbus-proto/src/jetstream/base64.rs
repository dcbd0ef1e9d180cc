//! Standard base64 with padding (RFC 4648 §4), as JetStream encodes stored `hdrs` and `data`.
//!
//! Written here instead of adding a crate: the server only ever sends the one standard
//! alphabet with padding, so a strict encoder and decoder are about fifty lines.
//! Public so that tools built on natbus print binary payloads the same way (the `natbus`
//! CLI's `--json` output shows a non-UTF-8 payload as `data_base64`).
//!
//! ```
//! use natbus_proto::jetstream::base64;
//! assert_eq!(base64::encode(b"foo"), "Zm9v");
//! assert_eq!(base64::decode("Zm9v").as_deref(), Ok(&b"foo"[..]));
//! ```

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Why a base64 string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base64Error {
    /// The length is not a multiple of 4 (the server always pads).
    #[error("base64 length {0} is not a multiple of 4")]
    Length(usize),
    /// A byte outside the standard alphabet, or padding that is not at the end.
    #[error("invalid base64 byte {byte:#04x} at offset {offset}")]
    Byte {
        /// The offending byte.
        byte: u8,
        /// Its offset in the input.
        offset: usize,
    },
}

fn value(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes standard padded base64.
///
/// # Errors
/// [`Base64Error`] on a length that is not a multiple of 4, a byte outside the alphabet,
/// or misplaced padding.
pub fn decode(input: &str) -> Result<Vec<u8>, Base64Error> {
    let bytes = input.as_bytes();
    if bytes.len() % 4 != 0 {
        return Err(Base64Error::Length(bytes.len()));
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let quads = bytes.len() / 4;
    for (q, chunk) in bytes.chunks_exact(4).enumerate() {
        let last = q + 1 == quads;
        // Padding may only end the final quad: "xx==" or "xxx=".
        let pad = if last {
            chunk.iter().rev().take_while(|&&b| b == b'=').count()
        } else {
            0
        };
        if pad > 2 {
            return Err(Base64Error::Byte {
                byte: b'=',
                offset: q * 4 + 4 - pad,
            });
        }
        let mut acc: u32 = 0;
        for (i, &b) in chunk[..4 - pad].iter().enumerate() {
            let v = value(b).ok_or(Base64Error::Byte {
                byte: b,
                offset: q * 4 + i,
            })?;
            acc |= u32::from(v) << (18 - 6 * i);
        }
        let [_, b0, b1, b2] = acc.to_be_bytes();
        out.push(b0);
        if pad < 2 {
            out.push(b1);
        }
        if pad < 1 {
            out.push(b2);
        }
    }
    Ok(out)
}

/// Encodes bytes as standard padded base64.
pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            // `chunks` never yields an empty chunk, so index 0 exists.
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let acc = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((acc >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_captured_stored_message() {
        assert_eq!(
            decode("TkFUUy8xLjANCk5hdHMtTXNnLUlkOiBhYmMNCg0K").as_deref(),
            Ok(&b"NATS/1.0\r\nNats-Msg-Id: abc\r\n\r\n"[..])
        );
        assert_eq!(decode("aGVsbG8y").as_deref(), Ok(&b"hello2"[..]));
    }

    #[test]
    fn rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc).as_deref(), Ok(plain.as_bytes()));
        }
        // The last two letters of the alphabet, and a zero byte.
        assert_eq!(encode(&[0xff, 0xfe, 0x00, 0x01]), "//4AAQ==");
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(decode("Zg="), Err(Base64Error::Length(3)));
        assert!(matches!(decode("Zg=a"), Err(Base64Error::Byte { .. })));
        assert!(matches!(decode("Z==="), Err(Base64Error::Byte { .. })));
        assert!(matches!(
            decode("Zg==Zg=="),
            Err(Base64Error::Byte { offset: 2, .. })
        ));
        assert!(matches!(
            decode("Zm9v-A=="),
            Err(Base64Error::Byte { byte: b'-', .. })
        ));
    }

    mod proptests {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn round_trips(data in proptest::collection::vec(any::<u8>(), 0..64)) {
                prop_assert_eq!(decode(&encode(&data)), Ok(data));
            }

            #[test]
            fn never_panics(s in "[A-Za-z0-9+/=-]{0,24}") {
                let _ = decode(&s);
            }
        }
    }
}
