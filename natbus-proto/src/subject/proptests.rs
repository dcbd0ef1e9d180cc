use proptest::prelude::*;

use super::*;

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_$-]{1,8}"
}

fn literal_subject() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(token(), 1..6)
}

proptest! {
    #[test]
    fn literal_matches_itself(tokens in literal_subject()) {
        let s = tokens.join(".");
        prop_assert!(validate_publish(&s).is_ok());
        prop_assert!(validate_subscribe(&s).is_ok());
        prop_assert!(matches(&s, &s));
    }

    #[test]
    fn full_wildcard_matches_everything_below(prefix in literal_subject(), rest in literal_subject()) {
        let pattern = format!("{}.>", prefix.join("."));
        prop_assert!(validate_subscribe(&pattern).is_ok());
        let below = format!("{}.{}", prefix.join("."), rest.join("."));
        prop_assert!(matches(&pattern, &below));
        // `>` needs at least one token below the prefix.
        prop_assert!(!matches(&pattern, &prefix.join(".")));
    }

    #[test]
    fn star_matches_exactly_one_token(prefix in literal_subject(), one in token(), more in literal_subject()) {
        let pattern = format!("{}.*", prefix.join("."));
        let p = prefix.join(".");
        let one_below = format!("{p}.{one}");
        let two_below = format!("{p}.{one}.{}", more.join("."));
        prop_assert!(matches(&pattern, &one_below));
        prop_assert!(!matches(&pattern, &p));
        prop_assert!(!matches(&pattern, &two_below));
    }

    #[test]
    fn replacing_tokens_with_star_still_matches(
        tokens in literal_subject(),
        mask in prop::collection::vec(any::<bool>(), 6),
    ) {
        let subject = tokens.join(".");
        let pattern: Vec<&str> = tokens
            .iter()
            .zip(mask.iter())
            .map(|(t, &star)| if star { "*" } else { t.as_str() })
            .collect();
        let pattern = pattern.join(".");
        prop_assert!(validate_subscribe(&pattern).is_ok());
        prop_assert!(matches(&pattern, &subject));
    }

    #[test]
    fn a_different_literal_does_not_match(a in literal_subject(), b in literal_subject()) {
        let (a, b) = (a.join("."), b.join("."));
        prop_assert_eq!(matches(&a, &b), a == b);
    }
}

/// The token-by-token rules written the obvious way (split on dots), to check the
/// single-pass validator against.
fn reference(subject: &str, wildcards: bool) -> Result<(), SubjectError> {
    if subject.is_empty() {
        return Err(SubjectError::Empty);
    }
    let tokens: Vec<&str> = subject.split('.').collect();
    for (i, token) in tokens.iter().enumerate() {
        if token.is_empty() {
            return Err(SubjectError::EmptyToken);
        }
        if token.bytes().any(is_subject_whitespace) {
            return Err(SubjectError::Whitespace);
        }
        match (*token, wildcards) {
            ("*" | ">", false) => return Err(SubjectError::WildcardInPublish),
            (">", true) if i + 1 < tokens.len() => return Err(SubjectError::FullWildcardNotLast),
            _ => {}
        }
    }
    Ok(())
}

proptest! {
    /// The single-pass validator gives the same verdict and the same first error as the
    /// split-based rules, on strings made of the characters that matter.
    #[test]
    fn single_pass_validation_agrees_with_the_token_rules(s in "[ab.*> \t\r\n]{0,12}") {
        prop_assert_eq!(validate_publish(&s), reference(&s, false));
        prop_assert_eq!(validate_subscribe(&s), reference(&s, true));
    }
}
