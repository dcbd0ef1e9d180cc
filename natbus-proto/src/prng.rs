//! A small deterministic pseudo-random generator.
//!
//! The protocol core takes no global randomness: every random choice (NUID prefixes, pool
//! shuffles, reconnect jitter) comes from a [`Prng`] seeded by the caller, so a test that
//! fixes the seed replays exactly. The generator is xoshiro256** (Blackman and Vigna) with its
//! state filled by splitmix64, the seeding its authors recommend. It is fast and statistically
//! good, but it is **not** cryptographically secure: never use it for secrets or nonces.

use std::time::Duration;

/// A deterministic xoshiro256** generator seeded from one `u64`.
///
/// Two generators built from the same seed produce the same sequence on every platform.
#[derive(Clone, Debug)]
pub struct Prng {
    s: [u64; 4],
}

/// One step of splitmix64: advances `state` and returns a well-mixed output.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Prng {
    /// Creates a generator whose whole sequence is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Self::from_state(s)
    }

    /// Creates a generator from raw state; an all-zero state (the one fixed point of
    /// xoshiro) is replaced by a non-zero one.
    fn from_state(mut s: [u64; 4]) -> Self {
        if s == [0; 4] {
            s[0] = 1;
        }
        Self { s }
    }

    /// Returns the next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Returns a uniformly distributed value in `[0, n)`; `0` when `n == 0`.
    ///
    /// Uses Lemire's multiply-and-shift with rejection, so the result is unbiased.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        // The low half decides whether this sample falls in the biased zone; the threshold
        // `2^64 mod n` is only computed in the rare case it might.
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// Shuffles `items` in place (Fisher–Yates); every permutation is equally likely.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            // `i + 1` fits in u64 and the result is at most `i`, so both casts are lossless.
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// Returns a uniformly distributed duration in `[0, max)` with nanosecond resolution;
    /// zero when `max` is zero.
    ///
    /// Durations beyond `u64::MAX` nanoseconds (about 584 years) are treated as that bound.
    pub fn duration_below(&mut self, max: Duration) -> Duration {
        let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(self.below(nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_reference_output() {
        // First outputs of splitmix64 seeded with 0, as published with the algorithm.
        let mut state = 0;
        assert_eq!(splitmix64(&mut state), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut state), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn xoshiro_matches_reference_output() {
        // Reference xoshiro256** from state [1, 2, 3, 4].
        let mut rng = Prng::from_state([1, 2, 3, 4]);
        let got: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
        assert_eq!(got, [11_520, 0, 1_509_978_240, 1_215_971_899_390_074_240]);
    }

    #[test]
    fn same_seed_same_sequence_different_seed_differs() {
        let a: Vec<u64> = {
            let mut r = Prng::new(42);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Prng::new(42);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut r = Prng::new(43);
            (0..8).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut rng = Prng::new(7);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[rng.below(6) as usize] += 1;
        }
        for c in counts {
            assert!(
                (9_000..11_000).contains(&c),
                "bucket count {c} far from 10000"
            );
        }
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
    }

    #[test]
    fn shuffle_is_a_permutation_and_moves_things() {
        let mut rng = Prng::new(1);
        let mut items: Vec<u32> = (0..50).collect();
        rng.shuffle(&mut items);
        assert_ne!(items, (0..50).collect::<Vec<_>>());
        let mut sorted = items.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        let mut empty: [u8; 0] = [];
        rng.shuffle(&mut empty);
    }

    #[test]
    fn duration_below_bounds() {
        let mut rng = Prng::new(9);
        assert_eq!(rng.duration_below(Duration::ZERO), Duration::ZERO);
        assert_eq!(rng.duration_below(Duration::from_nanos(1)), Duration::ZERO);
        let max = Duration::from_millis(100);
        let samples: Vec<Duration> = (0..1000).map(|_| rng.duration_below(max)).collect();
        assert!(samples.iter().all(|d| *d < max));
        assert!(samples.iter().any(|d| *d > max / 2));
        assert!(rng.duration_below(Duration::MAX) < Duration::MAX);
    }

    mod proptests {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn below_stays_below(seed: u64, n in 1u64..) {
                let mut rng = Prng::new(seed);
                for _ in 0..16 {
                    prop_assert!(rng.below(n) < n);
                }
            }

            #[test]
            fn duration_below_stays_below(seed: u64, nanos in 1u64..) {
                let max = Duration::from_nanos(nanos);
                let mut rng = Prng::new(seed);
                prop_assert!(rng.duration_below(max) < max);
            }
        }
    }
}
