//! Time in natbus: the clock types, deadlines made from user durations, and time as NATS
//! writes it in JSON.
//!
//! **Clock types.** [`Instant`], [`SystemTime`] and [`UNIX_EPOCH`] are `std::time`'s on
//! every native target: the `web-time` crate re-exports them there, so nothing changes for
//! native users. In a browser (`wasm32-unknown-unknown`), where `std::time::Instant::now()`
//! and `SystemTime::now()` panic, they are web-time's, read from `performance.now()` and
//! `Date.now()`. The core itself never reads a clock (it takes `now` as input); natbus and
//! its runtimes use these types so that one client compiles for both.
//!
//! **Deadlines.** Every timeout, interval and expiry a user gives is a `Duration`, and
//! `Duration::MAX` is the usual way to say "no timeout". `now + d` panics when the sum
//! does not fit in an `Instant`, so no code adds a user's duration to an instant
//! directly: it calls [`deadline`], which saturates at [`NEVER`] (about 100 years) ahead.
//! That is the one rule: **a duration of [`NEVER`] or more means "never"**, and zero
//! means "at once". A deadline stays a plain `Instant`, so code that picks the earliest
//! of several deadlines needs no special case, and the runtimes natbus runs on sleep
//! until such an instant without trouble (tokio clamps a far deadline to its timer
//! wheel's range; async-io keeps it in its timer map and waits without a timeout).
//! Multiples of a user's duration (two heartbeat intervals) use
//! [`Duration::saturating_mul`], and seconds written as a number (config files,
//! environment variables) go through [`duration_from_secs_f64`].
//!
//! **JSON.** JetStream and the Service API write RFC 3339 UTC timestamps and integer
//! nanosecond durations (saturating at `i64::MAX` ns, about 292 years). They are written
//! here by hand, rather than with a date crate, because all the crate needs is UTC
//! civil-date arithmetic.

use std::time::Duration;

pub use web_time::{Instant, SystemTime, UNIX_EPOCH};

/// How far ahead "never" lies: 100 years. A wait this long or longer never ends in the
/// life of a process, and an `Instant` this far ahead fits on every platform.
pub const NEVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The instant `d` after `now`, saturating: at most [`NEVER`] ahead, so `Duration::MAX`
/// (or any huge value) means "never" instead of the panic `now + d` would raise.
pub fn deadline(now: Instant, d: Duration) -> Instant {
    let mut d = d.min(NEVER);
    loop {
        // `now + NEVER` fits wherever an `Instant` counts from boot or from a fixed
        // epoch; should a platform's range end sooner, the furthest instant that fits is
        // taken (halving ends at zero, which always fits).
        if let Some(at) = now.checked_add(d) {
            return at;
        }
        d /= 2;
    }
}

/// `d` in whole nanoseconds as NATS JSON writes durations (an `i64`), saturating at
/// `i64::MAX` (about 292 years, "never" to a server) instead of wrapping as a cast would.
pub fn saturating_nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// Durations with the extremes (0, 1 ns, [`NEVER`], `u64::MAX` s, `Duration::MAX`)
/// weighted as heavily as everything in between, for the proptests of every module that
/// takes a user's duration.
#[cfg(test)]
pub(crate) fn any_duration() -> impl proptest::strategy::Strategy<Value = Duration> {
    use proptest::prelude::*;
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::from_nanos(1)),
        Just(NEVER),
        Just(Duration::from_secs(u64::MAX)),
        Just(Duration::MAX),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        any::<u64>().prop_map(Duration::from_nanos),
    ]
}

/// Why a number of seconds is not a duration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{secs} is not a duration: expected a number of seconds, zero or more")]
pub struct SecondsError {
    /// The number given.
    pub secs: f64,
}

/// A duration from a number of seconds (a config file or environment variable): an
/// error for a negative number or NaN, `Duration::MAX` ("never") for one too large for
/// a `Duration`, infinity included. Unlike `Duration::from_secs_f64`, it never panics.
///
/// # Errors
/// [`SecondsError`] for a negative number or NaN.
pub fn duration_from_secs_f64(secs: f64) -> Result<Duration, SecondsError> {
    if secs.is_nan() || secs < 0.0 {
        return Err(SecondsError { secs });
    }
    Ok(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

/// Why a timestamp could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid RFC 3339 timestamp '{input}': {reason}")]
pub struct TimeError {
    input: String,
    reason: &'static str,
}

fn err(input: &str, reason: &'static str) -> TimeError {
    TimeError {
        input: input.to_owned(),
        reason,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats `time` as RFC 3339 UTC with as many fractional digits as needed (at most 9),
/// e.g. `2025-03-01T09:15:02.1234Z`. Times before 1970 are written as the Unix epoch's
/// distance backwards, and the zero time NATS uses for "never" round-trips.
pub fn format_rfc3339(time: SystemTime) -> String {
    let (secs, nanos) = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            let mut secs = -(d.as_secs() as i64);
            let mut nanos = d.subsec_nanos();
            if nanos > 0 {
                secs -= 1;
                nanos = 1_000_000_000 - nanos;
            }
            (secs, nanos)
        }
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let mut out = format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}");
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

fn digits(input: &str, s: &str, reason: &'static str) -> Result<u32, TimeError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(input, reason));
    }
    s.parse().map_err(|_| err(input, reason))
}

/// Parses an RFC 3339 timestamp with any number of fractional digits (extra digits past
/// nanoseconds are truncated) and a `Z` or `±hh:mm` offset.
///
/// # Errors
/// A [`TimeError`] naming what is wrong with the input.
pub fn parse_rfc3339(input: &str) -> Result<SystemTime, TimeError> {
    let s = input.trim();
    if !s.is_ascii() || s.len() < 20 {
        return Err(err(input, "too short or not ASCII"));
    }
    let b = s.as_bytes();
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(err(input, "expected YYYY-MM-DDTHH:MM:SS"));
    }
    let year = i64::from(digits(input, &s[0..4], "bad year")?);
    let month = digits(input, &s[5..7], "bad month")?;
    let day = digits(input, &s[8..10], "bad day")?;
    let hour = digits(input, &s[11..13], "bad hour")?;
    let minute = digits(input, &s[14..16], "bad minute")?;
    let second = digits(input, &s[17..19], "bad second")?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(err(input, "date out of range"));
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(err(input, "time out of range"));
    }
    let mut rest = &s[19..];
    let mut nanos: u32 = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let end = frac
            .bytes()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(frac.len());
        if end == 0 {
            return Err(err(input, "empty fraction"));
        }
        for (i, c) in frac[..end].bytes().enumerate() {
            if i < 9 {
                nanos = nanos * 10 + u32::from(c - b'0');
            }
        }
        for _ in end.min(9)..9 {
            nanos *= 10;
        }
        rest = &frac[end..];
    }
    let offset_secs: i64 = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':' =>
        {
            let h = i64::from(digits(input, &rest[1..3], "bad offset")?);
            let m = i64::from(digits(input, &rest[4..6], "bad offset")?);
            let sign = if rest.as_bytes()[0] == b'-' { -1 } else { 1 };
            sign * (h * 3600 + m * 60)
        }
        _ => return Err(err(input, "expected Z or a ±hh:mm offset")),
    };
    let secs = days_from_civil(year, month, day) * 86_400
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second)
        - offset_secs;
    let time = if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::new(secs as u64, nanos))
    } else {
        // Before 1970: Go's zero time (0001-01-01) stands for "never" in JetStream replies.
        // A platform whose clock type cannot go back that far (a browser's) gets the epoch
        // instead, as `zero_time` does; a panic on a server's timestamp is never an option.
        UNIX_EPOCH
            .checked_sub(Duration::from_secs(secs.unsigned_abs()))
            .and_then(|t| t.checked_add(Duration::from_nanos(u64::from(nanos))))
            .or(Some(UNIX_EPOCH))
    };
    time.ok_or_else(|| {
        err(
            input,
            "out of the range this platform's clock can represent",
        )
    })
}

/// Serde helpers for `SystemTime` as an RFC 3339 string (`#[serde(with = "time::rfc3339")]`).
pub mod rfc3339 {
    use super::SystemTime;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes as RFC 3339 UTC.
    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_rfc3339(*t))
    }

    /// Deserializes from RFC 3339.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

/// Serde helpers for `Duration` as integer nanoseconds (`#[serde(with = "time::nanos")]`).
///
/// Negative values (which some servers send for "unset") deserialize as zero.
pub mod nanos {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    /// Serializes as an integer count of nanoseconds (saturating at `i64::MAX`).
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(super::saturating_nanos(*d))
    }

    /// Deserializes from an integer count of nanoseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let n = i64::deserialize(d)?;
        Ok(Duration::from_nanos(n.max(0) as u64))
    }
}

/// Serde helpers for `Option<Duration>` as integer nanoseconds, `None` when absent.
pub mod nanos_opt {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    /// Serializes `Some` as nanoseconds and `None` as null (pair with `skip_serializing_if`).
    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::nanos::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    /// Deserializes nanoseconds; null becomes `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let n = Option::<i64>::deserialize(d)?;
        Ok(n.map(|n| Duration::from_nanos(n.max(0) as u64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::new(1_740_820_502, 123_400_000);
        assert_eq!(format_rfc3339(t), "2025-03-01T09:15:02.1234Z");
    }

    #[test]
    fn parses_every_precision_and_offsets() {
        let base = UNIX_EPOCH + Duration::from_secs(1_740_820_502);
        assert_eq!(parse_rfc3339("2025-03-01T09:15:02Z"), Ok(base));
        assert_eq!(
            parse_rfc3339("2025-03-01T09:15:02.912Z"),
            Ok(base + Duration::from_millis(912))
        );
        assert_eq!(
            parse_rfc3339("2025-03-01T09:15:02.123456789123Z"),
            Ok(base + Duration::from_nanos(123_456_789))
        );
        assert_eq!(parse_rfc3339("2025-03-01T10:15:02+01:00"), Ok(base));
    }

    #[test]
    fn zero_time_round_trips() {
        let zero = parse_rfc3339("0001-01-01T00:00:00Z").expect("the zero time is valid");
        assert_eq!(format_rfc3339(zero), "0001-01-01T00:00:00Z");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "2025-03-01",
            "2025-13-01T00:00:00Z",
            "2025-02-30T00:00:00Z",
            "2025-03-01T24:00:00Z",
            "2025-03-01T09:15:02",
            "2025-03-01T09:15:02.Z",
            "2025/03/01T09:15:02Z",
            "2025-03-01T09:15:02+0100",
            "abcd-03-01T09:15:02Z",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn deadline_saturates_at_never() {
        let now = Instant::now();
        assert_eq!(deadline(now, Duration::ZERO), now);
        assert_eq!(
            deadline(now, Duration::from_nanos(1)),
            now + Duration::from_nanos(1)
        );
        assert_eq!(deadline(now, Duration::MAX), now + NEVER);
        assert_eq!(deadline(now, Duration::from_secs(u64::MAX)), now + NEVER);
        assert_eq!(deadline(now, NEVER + Duration::from_nanos(1)), now + NEVER);
    }

    #[test]
    fn seconds_refuse_negative_and_nan_and_saturate_huge() {
        assert_eq!(duration_from_secs_f64(1.5), Ok(Duration::from_millis(1500)));
        assert_eq!(duration_from_secs_f64(0.0), Ok(Duration::ZERO));
        assert_eq!(duration_from_secs_f64(1e300), Ok(Duration::MAX));
        assert_eq!(duration_from_secs_f64(f64::INFINITY), Ok(Duration::MAX));
        assert!(duration_from_secs_f64(-1.0).is_err());
        assert!(duration_from_secs_f64(f64::NEG_INFINITY).is_err());
        assert!(duration_from_secs_f64(f64::NAN).is_err());
    }

    mod proptests {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn deadline_never_panics_and_is_exact_below_never(d in crate::time::any_duration()) {
                let now = Instant::now();
                let at = deadline(now, d);
                prop_assert!(at >= now);
                if d <= NEVER {
                    prop_assert_eq!(at, now + d);
                } else {
                    prop_assert_eq!(at, now + NEVER);
                }
            }

            #[test]
            fn seconds_never_panic(secs in any::<f64>()) {
                let got = duration_from_secs_f64(secs);
                prop_assert_eq!(got.is_err(), secs.is_nan() || secs < 0.0);
                if let Ok(d) = got {
                    if secs < 1e15 {
                        prop_assert!((d.as_secs_f64() - secs).abs() <= 1e-6);
                    } else {
                        prop_assert!(d.as_secs() >= 999_999_999_999_999);
                    }
                }
            }

            #[test]
            fn round_trips(secs in 0u64..253_402_300_799, nanos in 0u32..1_000_000_000) {
                let t = UNIX_EPOCH + Duration::new(secs, nanos);
                prop_assert_eq!(parse_rfc3339(&format_rfc3339(t)), Ok(t));
            }

            #[test]
            fn never_panics(s in "\\PC{0,40}") {
                let _ = parse_rfc3339(&s);
            }
        }
    }
}
