//! Durations as the `nats` CLI writes them: `2s`, `500ms`, `1m30s`, `1.5s`, `250us`.

use std::time::Duration;

/// Parses a Go-style duration: one or more `<number><unit>` parts, units `h`, `m`, `s`,
/// `ms`, `us`/`µs`, `ns`.
///
/// # Errors
/// A message saying what a valid duration looks like.
pub fn parse(text: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid duration '{text}': expected e.g. 2s, 500ms or 1m30s");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(invalid)?;
        let number: f64 = rest[..number_len].parse().map_err(|_| invalid())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return Err(invalid()),
        };
        total += number * seconds_per_unit;
        rest = &rest[unit_len..];
    }
    Duration::try_from_secs_f64(total).map_err(|_| invalid())
}

/// A short human form with about three significant digits: `812ns`, `94.2µs`, `1.25ms`,
/// `2.50s`.
pub fn human(d: Duration) -> String {
    let ns = d.as_nanos();
    let (value, unit) = match ns {
        0..1_000 => return format!("{ns}ns"),
        1_000..1_000_000 => (ns as f64 / 1e3, "µs"),
        1_000_000..1_000_000_000 => (ns as f64 / 1e6, "ms"),
        _ => (d.as_secs_f64(), "s"),
    };
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$}{unit}")
}

/// A duration as Go prints it, with whole units: `2m0s`, `1h0m0s`, `1d2h0m0s`, `500ms`.
/// Used where the `nats` CLI shows configured limits and windows.
pub fn long(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return human(d);
    }
    let (days, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    if days > 0 {
        out.push_str(&format!("{days}d"));
    }
    if days > 0 || h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if days > 0 || h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&format!("{s}s"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "2", "s", "2x", "1..2s", "-1s", "2 s"] {
            assert!(parse(bad).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn prints_go_style() {
        assert_eq!(long(Duration::from_secs(120)), "2m0s");
        assert_eq!(long(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(long(Duration::from_secs(93_600)), "1d2h0m0s");
        assert_eq!(long(Duration::from_secs(5)), "5s");
        assert_eq!(long(Duration::from_millis(500)), "500ms");
    }

    #[test]
    fn prints_three_digits() {
        assert_eq!(human(Duration::from_nanos(812)), "812ns");
        assert_eq!(human(Duration::from_nanos(94_200)), "94.2µs");
        assert_eq!(human(Duration::from_micros(1250)), "1.25ms");
        assert_eq!(human(Duration::from_millis(2500)), "2.50s");
    }
}
