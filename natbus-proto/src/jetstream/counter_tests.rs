use super::*;

#[test]
fn values_parse_as_go_big_int_reads_them_and_print_canonically() {
    for (text, canonical) in [
        ("5", "5"),
        ("+5", "5"),
        ("-5", "-5"),
        ("0", "0"),
        ("-0", "0"),
        ("+000", "0"),
        ("007", "7"),
        ("-0042", "-42"),
        (
            "170141183460469231731687303715884105728",
            "170141183460469231731687303715884105728",
        ),
    ] {
        let v: CounterValue = text.parse().expect(text);
        assert_eq!(v.as_str(), canonical, "{text}");
        assert_eq!(v.header_value(), canonical);
    }
    for bad in [
        "", "+", "-", "1.5", " 1", "1 ", "1_000", "0x10", "--1", "one", "1e3",
    ] {
        assert_eq!(
            bad.parse::<CounterValue>(),
            Err(CounterError::NotAnInteger(bad.to_owned())),
            "{bad:?}"
        );
    }
}

#[test]
fn values_convert_to_integers_only_when_they_fit() {
    assert_eq!(CounterValue::from(i128::MIN).to_i128(), Some(i128::MIN));
    assert_eq!(CounterValue::from(u64::MAX).to_i64(), None);
    assert_eq!(
        CounterValue::from(u64::MAX).to_i128(),
        Some(i128::from(u64::MAX))
    );
    let beyond: CounterValue = "170141183460469231731687303715884105728"
        .parse()
        .expect("i128::MAX + 1");
    assert_eq!(beyond.to_i128(), None);
    assert!(CounterValue::from(0u8).is_zero());
    assert!(!CounterValue::from(-1).is_zero());
}

#[test]
fn an_entry_reads_the_body_the_increment_and_the_sources() {
    let entry = CounterEntry::from_message(
        "count.hits",
        Some("-3"),
        Some(r#"{"EU":{"count.eu.hits":"40"},"US":{"count.us.hits":"60","count.us.x":"1"}}"#),
        br#"{"val":"97"}"#,
    )
    .expect("a counter message");
    assert_eq!(entry.subject, "count.hits");
    assert_eq!(entry.value.to_i64(), Some(97));
    assert_eq!(entry.increment, Some(CounterValue::from(-3)));
    assert_eq!(entry.sources.len(), 2);
    assert_eq!(entry.sources["EU"]["count.eu.hits"], CounterValue::from(40));
    assert_eq!(entry.sources["US"]["count.us.x"], CounterValue::from(1));

    let plain = CounterEntry::from_message("c", None, None, br#"{"val":"0"}"#).expect("plain");
    assert!(plain.sources.is_empty() && plain.increment.is_none() && plain.value.is_zero());
}

#[test]
fn a_message_that_is_not_a_counter_says_so() {
    for (incr, sources, body, says) in [
        (None, None, &b"hello"[..], "body"),
        (None, None, br#"{"val":5}"#, "body"),
        (None, None, br#"{"val":"5.5"}"#, "body"),
        (Some("x"), None, br#"{"val":"5"}"#, "Nats-Incr"),
        (None, Some("[]"), br#"{"val":"5"}"#, "Nats-Counter-Sources"),
    ] {
        let err = CounterEntry::from_message("c.x", incr, sources, body).expect_err(says);
        assert!(
            matches!(&err, CounterError::NotACounter { subject, reason } if subject == "c.x" && reason.starts_with(says)),
            "{err:?}"
        );
    }
}
