//! Small statistics helpers.

use std::time::Duration;

/// `n` events over `elapsed`, per second.
pub fn per_second(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// The given percentiles (0..=1) of `samples`, in microseconds (nearest rank).
pub fn percentiles_us<const K: usize>(samples: &mut [Duration], ps: [f64; K]) -> [f64; K] {
    samples.sort_unstable();
    ps.map(|p| {
        if samples.is_empty() {
            return f64::NAN;
        }
        let rank = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
        samples[rank - 1].as_secs_f64() * 1e6
    })
}

/// The median of the finite values; NaN when there are none.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_ignores_failed_runs() {
        assert_eq!(median(&[3.0, f64::NAN, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0]), 2.5);
        assert!(median(&[f64::NAN]).is_nan());
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut s: Vec<Duration> = (1..=100).rev().map(Duration::from_micros).collect();
        assert_eq!(percentiles_us(&mut s, [0.5, 0.99]), [50.0, 99.0]);
    }
}
