//! Base64 with padding (RFC 4648): the standard alphabet (§4), as JetStream encodes stored
//! `hdrs` and `data`, and the URL-safe alphabet (§5), as the object store encodes object
//! names in subjects and SHA-256 digests.
//!
//! Written here instead of adding a crate: JetStream only ever uses these two padded
//! alphabets, so one strict encoder and decoder, parameterised by the alphabet, are about
//! fifty lines.
//! Public so that tools built on natbus print binary payloads the same way (the `natbus`
//! CLI's `--json` output shows a non-UTF-8 payload as `data_base64`).
//!
//! ```
//! use natbus_proto::jetstream::base64;
//! assert_eq!(base64::encode(b"foo"), "Zm9v");
//! assert_eq!(base64::decode("Zm9v").as_deref(), Ok(&b"foo"[..]));
//! assert_eq!(base64::encode_url(b"a/b?"), "YS9iPw==");
//! assert_eq!(base64::decode_url("YS9iPw==").as_deref(), Ok(&b"a/b?"[..]));
//! ```

/// The 64 letters of one base64 alphabet, and their values for decoding.
#[derive(Debug)]
struct Alphabet {
    letters: &'static [u8; 64],
    /// The value of each byte, or `INVALID`.
    values: [u8; 256],
}

const INVALID: u8 = 0xff;

impl Alphabet {
    const fn new(letters: &'static [u8; 64]) -> Self {
        let mut values = [INVALID; 256];
        let mut i = 0;
        while i < 64 {
            // `i` is below 64, so the cast cannot truncate.
            values[letters[i] as usize] = i as u8;
            i += 1;
        }
        Self { letters, values }
    }

    fn value(&self, byte: u8) -> Option<u8> {
        Some(self.values[usize::from(byte)]).filter(|&v| v != INVALID)
    }
}

/// RFC 4648 §4.
static STANDARD: Alphabet =
    Alphabet::new(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
/// RFC 4648 §5: `-` and `_` instead of `+` and `/`, so the result is valid in subjects.
static URL_SAFE: Alphabet =
    Alphabet::new(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

/// Why a base64 string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base64Error {
    /// The length is not a multiple of 4 (JetStream always pads).
    #[error("base64 length {0} is not a multiple of 4")]
    Length(usize),
    /// A byte outside the alphabet, or padding that is not at the end.
    #[error("invalid base64 byte {byte:#04x} at offset {offset}")]
    Byte {
        /// The offending byte.
        byte: u8,
        /// Its offset in the input.
        offset: usize,
    },
}

/// Decodes standard padded base64.
///
/// # Errors
/// [`Base64Error`] on a length that is not a multiple of 4, a byte outside the alphabet,
/// or misplaced padding.
pub fn decode(input: &str) -> Result<Vec<u8>, Base64Error> {
    decode_with(&STANDARD, input)
}

/// Decodes URL-safe padded base64 (object names in subjects, digests).
///
/// # Errors
/// As [`decode`].
pub fn decode_url(input: &str) -> Result<Vec<u8>, Base64Error> {
    decode_with(&URL_SAFE, input)
}

/// Encodes bytes as standard padded base64.
pub fn encode(input: &[u8]) -> String {
    encode_with(&STANDARD, input)
}

/// Encodes bytes as URL-safe padded base64.
pub fn encode_url(input: &[u8]) -> String {
    encode_with(&URL_SAFE, input)
}

fn decode_with(alphabet: &Alphabet, input: &str) -> Result<Vec<u8>, Base64Error> {
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
            let v = alphabet.value(b).ok_or(Base64Error::Byte {
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

fn encode_with(alphabet: &Alphabet, input: &[u8]) -> String {
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
                out.push(char::from(
                    alphabet.letters[((acc >> (18 - 6 * i)) & 63) as usize],
                ));
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

    #[test]
    fn url_safe_alphabet() {
        // The bytes that map to the last two letters differ between the alphabets.
        assert_eq!(encode_url(&[0xff, 0xfe, 0x00, 0x01]), "__4AAQ==");
        assert_eq!(
            decode_url("__4AAQ==").as_deref(),
            Ok(&[0xff, 0xfe, 0x00, 0x01][..])
        );
        assert_eq!(encode_url(&[0xfb, 0xef]), "--8=");
        assert_eq!(encode_url(b"foob"), "Zm9vYg==");
        // Each alphabet rejects the other's two letters.
        assert!(matches!(
            decode_url("//4AAQ=="),
            Err(Base64Error::Byte { byte: b'/', .. })
        ));
        assert!(matches!(
            decode("__4AAQ=="),
            Err(Base64Error::Byte { byte: b'_', .. })
        ));
    }

    mod proptests {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn round_trips(data in proptest::collection::vec(any::<u8>(), 0..64)) {
                prop_assert_eq!(decode(&encode(&data)), Ok(data.clone()));
                prop_assert_eq!(decode_url(&encode_url(&data)), Ok(data));
            }

            #[test]
            fn never_panics(s in "[A-Za-z0-9+/=-]{0,24}") {
                let _ = decode(&s);
                let _ = decode_url(&s);
            }
        }
    }
}
