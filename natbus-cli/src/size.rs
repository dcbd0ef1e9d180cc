//! Byte sizes for limits: `1048576`, `512KB`, `1MiB`, `10GB` (binary multiples, as the
//! `nats` CLI reads them).

/// Parses a size with an optional unit `B`, `K`/`KB`/`KiB`, `M…`, `G…`, `T…`.
///
/// # Errors
/// A message saying what a valid size looks like.
pub fn parse(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("invalid size '{text}': expected e.g. 1024, 512KB or 1GB"))?;
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => {
            return Err(format!(
                "invalid size unit in '{text}': use B, KB, MB, GB or TB"
            ));
        }
    };
    number
        .checked_mul(1 << shift)
        .filter(|n| i64::try_from(*n).is_ok())
        .ok_or_else(|| format!("size '{text}' is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn sizes() {
        assert_eq!(parse("1024"), Ok(1024));
        assert_eq!(parse("512KB"), Ok(512 * 1024));
        assert_eq!(parse("1MiB"), Ok(1 << 20));
        assert_eq!(parse("10gb"), Ok(10 << 30));
        for bad in ["", "KB", "1PB", "-1", "99999999999TB"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
