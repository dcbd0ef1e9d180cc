//! Unique ids (NUID-style) for inboxes and service instances.
//!
//! A NUID is 22 characters of base62 (`0-9A-Za-z`): a 12-character random prefix followed by
//! a 10-character sequence. The sequence starts at a random value and grows by a random step
//! in `[33, 333)`, so consecutive ids are cheap (no fresh randomness per id) yet not
//! guessable from one another. When the sequence passes `62^10` a new prefix is drawn.
//! Every request gets an inbox token, so [`Nuid::next`] writes into a fixed array and never
//! allocates.
//!
//! Unlike nats.go, the prefix comes from the caller-seeded [`Prng`], not a cryptographic
//! generator: the core takes no global randomness. Seed it from a good source (for example
//! the OS) in production; ids only need to be unique, not secret.

use crate::prng::Prng;

/// The base62 alphabet, in the order NATS uses.
const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE: u64 = 62;
const PREFIX_LEN: usize = 12;
const SEQ_LEN: usize = 10;
/// Length in bytes (and characters) of one id.
pub const NUID_LEN: usize = PREFIX_LEN + SEQ_LEN;
/// `62^10`: the sequence space of the last ten characters.
const MAX_SEQ: u64 = 839_299_365_868_340_224;
const MIN_INC: u64 = 33;
const MAX_INC: u64 = 333;

/// A generator of unique 22-character base62 ids.
///
/// Not `Clone` on purpose: two copies would hand out the same ids.
#[derive(Debug)]
pub struct Nuid {
    rng: Prng,
    prefix: [u8; PREFIX_LEN],
    seq: u64,
    inc: u64,
}

impl Nuid {
    /// Creates a generator whose ids are determined by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut nuid = Self {
            rng: Prng::new(seed),
            prefix: [b'0'; PREFIX_LEN],
            seq: 0,
            inc: MIN_INC,
        };
        nuid.randomize_prefix();
        nuid.reset_sequence();
        nuid
    }

    /// Returns the next id as ASCII bytes, without allocating.
    #[allow(
        clippy::should_implement_trait,
        reason = "the NATS ecosystem's name; an endless Iterator returning Option would only add noise"
    )]
    pub fn next(&mut self) -> [u8; NUID_LEN] {
        self.seq += self.inc;
        if self.seq >= MAX_SEQ {
            self.randomize_prefix();
            self.reset_sequence();
        }
        let mut out = [0u8; NUID_LEN];
        out[..PREFIX_LEN].copy_from_slice(&self.prefix);
        let mut seq = self.seq;
        for slot in out[PREFIX_LEN..].iter_mut().rev() {
            *slot = DIGITS[(seq % BASE) as usize];
            seq /= BASE;
        }
        out
    }

    /// Returns the next id as a `String`.
    pub fn next_string(&mut self) -> String {
        let id = self.next();
        // Every byte comes from `DIGITS`, which is ASCII, so this never fails; the fallback
        // only keeps the function panic-free.
        String::from_utf8(id.to_vec()).unwrap_or_default()
    }

    fn randomize_prefix(&mut self) {
        for slot in &mut self.prefix {
            *slot = DIGITS[self.rng.below(BASE) as usize];
        }
    }

    fn reset_sequence(&mut self) {
        self.seq = self.rng.below(MAX_SEQ);
        self.inc = MIN_INC + self.rng.below(MAX_INC - MIN_INC);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn max_seq_is_62_to_the_10th() {
        assert_eq!(Some(MAX_SEQ), BASE.checked_pow(SEQ_LEN as u32));
    }

    #[test]
    fn length_and_alphabet() {
        let mut nuid = Nuid::new(1);
        for _ in 0..1000 {
            let id = nuid.next();
            assert_eq!(id.len(), 22);
            assert!(id.iter().all(u8::is_ascii_alphanumeric), "{id:?}");
        }
        let s = nuid.next_string();
        assert_eq!(s.len(), 22);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn hundred_thousand_ids_are_unique() {
        let mut nuid = Nuid::new(0xDEAD_BEEF);
        let ids: HashSet<[u8; NUID_LEN]> = (0..100_000).map(|_| nuid.next()).collect();
        assert_eq!(ids.len(), 100_000);
    }

    #[test]
    fn seeds_differ_and_replay() {
        let a: Vec<_> = (0..3).scan(Nuid::new(1), |n, _| Some(n.next())).collect();
        let b: Vec<_> = (0..3).scan(Nuid::new(1), |n, _| Some(n.next())).collect();
        let c: Vec<_> = (0..3).scan(Nuid::new(2), |n, _| Some(n.next())).collect();
        assert_eq!(a, b);
        assert_ne!(a[0][..PREFIX_LEN], c[0][..PREFIX_LEN]);
    }

    #[test]
    fn sequence_part_increases_by_a_step_in_range() {
        let mut nuid = Nuid::new(5);
        let decode = |id: &[u8; NUID_LEN]| {
            id[PREFIX_LEN..].iter().fold(0u64, |acc, &b| {
                let digit = DIGITS
                    .iter()
                    .position(|&d| d == b)
                    .expect("id uses the alphabet");
                acc * BASE + digit as u64
            })
        };
        nuid.seq = 1_000;
        let first = decode(&nuid.next());
        let second = decode(&nuid.next());
        let step = second - first;
        assert!((MIN_INC..MAX_INC).contains(&step), "step {step}");
    }

    #[test]
    fn prefix_rolls_over_when_sequence_is_exhausted() {
        let mut nuid = Nuid::new(3);
        let before = nuid.next();
        nuid.seq = MAX_SEQ - 1;
        let after = nuid.next();
        assert_ne!(before[..PREFIX_LEN], after[..PREFIX_LEN]);
        assert!(nuid.seq < MAX_SEQ);
        // The new prefix is stable for the next id.
        let next = nuid.next();
        assert_eq!(after[..PREFIX_LEN], next[..PREFIX_LEN]);
    }

    #[test]
    fn top_of_the_sequence_encodes_as_all_z() {
        let mut nuid = Nuid::new(4);
        nuid.inc = MIN_INC;
        nuid.seq = MAX_SEQ - 1 - MIN_INC;
        let id = nuid.next();
        assert_eq!(&id[PREFIX_LEN..], b"zzzzzzzzzz");
    }
}
