//! SemVer 2.0.0 checking for service versions, written by hand.
//!
//! Both official clients validate the version with the regular expression suggested by
//! semver.org; this is the same grammar as a small hand-written parser, so the crate needs no
//! regex engine and can say *which* part of a version is wrong.

/// Checks that `version` is a SemVer 2.0.0 string such as `1.4.0`, `0.3.12-rc.1` or
/// `2.1.0+build.7`.
///
/// # Errors
/// A short reason naming the offending part (used in
/// [`ConfigError::InvalidVersion`](super::ConfigError::InvalidVersion)).
pub(crate) fn check(version: &str) -> Result<(), &'static str> {
    if version.is_empty() {
        return Err("it is empty");
    }
    // Build metadata starts at the first '+'; a pre-release at the first '-' before it
    // (identifiers may themselves contain '-', which is why we split on the first one).
    let (rest, build) = match version.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    check_core(core)?;
    if let Some(pre) = pre {
        if pre.is_empty() {
            return Err("the pre-release after '-' is empty");
        }
        for ident in pre.split('.') {
            check_pre_release_identifier(ident)?;
        }
    }
    if let Some(build) = build {
        if build.is_empty() {
            return Err("the build metadata after '+' is empty");
        }
        for ident in build.split('.') {
            if ident.is_empty() {
                return Err("a build metadata identifier is empty");
            }
            if !ident.bytes().all(is_ident_byte) {
                return Err("build metadata may only contain 0-9, A-Z, a-z, '-' and '.'");
            }
        }
    }
    Ok(())
}

/// `MAJOR.MINOR.PATCH`, each a non-negative integer without leading zeros.
fn check_core(core: &str) -> Result<(), &'static str> {
    let mut parts = 0;
    for part in core.split('.') {
        parts += 1;
        if parts > 3 {
            return Err("it has more than three numbers in MAJOR.MINOR.PATCH");
        }
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err("MAJOR.MINOR.PATCH must be three decimal numbers");
        }
        if part.len() > 1 && part.starts_with('0') {
            return Err("a number in MAJOR.MINOR.PATCH has a leading zero");
        }
    }
    if parts < 3 {
        return Err("it needs three numbers, MAJOR.MINOR.PATCH");
    }
    Ok(())
}

fn check_pre_release_identifier(ident: &str) -> Result<(), &'static str> {
    if ident.is_empty() {
        return Err("a pre-release identifier is empty");
    }
    if !ident.bytes().all(is_ident_byte) {
        return Err("a pre-release may only contain 0-9, A-Z, a-z, '-' and '.'");
    }
    let numeric = ident.bytes().all(|b| b.is_ascii_digit());
    if numeric && ident.len() > 1 && ident.starts_with('0') {
        return Err("a numeric pre-release identifier has a leading zero");
    }
    Ok(())
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// The MAJOR part of a version: everything before the first `.`, or the whole string when it
/// has no dot (so `"1"` stays `"1"`).
///
/// This is what natbus puts in the `v{major}` token of an action subject; it does not check
/// the version (see [`ServiceConfig::validate`](super::ServiceConfig::validate)).
pub fn major_version(version: &str) -> &str {
    match version.split_once('.') {
        Some((major, _)) => major,
        None => version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_versions() {
        for ok in [
            "1.0.0",
            "0.0.0",
            "0.3.12-rc.1",
            "2.1.0+build.7",
            "1.0.0-alpha-1.2+sha.5114f85",
            "10.20.30",
            "1.0.0-0",
            "1.0.0-alpha.0.beta",
            "1.0.0-0a",
            "1.0.0--",
            "1.0.0+001",
            "1.0.0+-",
            "1.0.0-x-y-z.--",
            "999999999999999999999.0.0",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok:?} should be valid");
        }
    }

    #[test]
    fn rejects_invalid_versions() {
        for bad in [
            "",
            "1",
            "1.0",
            "v1.0.0",
            "1.02.0",
            "01.0.0",
            "1.0.00",
            "1.0.0-01",
            "1.0.0.1",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-alpha..1",
            "1.0.0-alpha.",
            "1.0.0+build..1",
            "1.0.0+a+b",
            "1.0.0-al_pha",
            "1.0.0 ",
            " 1.0.0",
            "1..0",
            "1.0.-1",
            "a.b.c",
            "1.0.0-é",
        ] {
            assert!(check(bad).is_err(), "{bad:?} should be invalid");
        }
    }

    #[test]
    fn reasons_name_the_part() {
        assert_eq!(
            check("1.02.0"),
            Err("a number in MAJOR.MINOR.PATCH has a leading zero")
        );
        assert_eq!(check("1.0.0-"), Err("the pre-release after '-' is empty"));
        assert_eq!(
            check("1.0.0+"),
            Err("the build metadata after '+' is empty")
        );
    }

    #[test]
    fn major_version_takes_the_first_number() {
        assert_eq!(major_version("1.4.0"), "1");
        assert_eq!(major_version("12.0.0-rc.1"), "12");
        assert_eq!(major_version("1"), "1");
        assert_eq!(major_version(""), "");
    }

    mod proptests {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn generated_versions_are_valid(
                major in 0u64..100_000, minor in 0u64..1000, patch in 0u64..1000,
                pre in proptest::option::of("[a-z][a-z0-9-]{0,5}(\\.(0|[1-9][0-9]{0,3}))?"),
                build in proptest::option::of("[0-9A-Za-z-]{1,6}(\\.[0-9A-Za-z-]{1,6})?"),
            ) {
                let mut v = format!("{major}.{minor}.{patch}");
                if let Some(pre) = &pre { v.push('-'); v.push_str(pre); }
                if let Some(build) = &build { v.push('+'); v.push_str(build); }
                prop_assert_eq!(check(&v), Ok(()));
                let major_text = major.to_string();
                prop_assert_eq!(major_version(&v), major_text.as_str());
            }

            #[test]
            fn never_panics(s in "\\PC{0,30}") {
                let _ = check(&s);
                let _ = major_version(&s);
            }
        }
    }
}
