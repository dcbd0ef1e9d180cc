use std::collections::HashSet;

use bytes::Bytes;

use super::*;

#[test]
fn subject_construction_checks_syntax_only() {
    assert_eq!(
        Subject::try_from("orders.new").map(|s| s.to_string()),
        Ok("orders.new".into())
    );
    // Wildcards and odd tokens are syntactically fine; token rules are for validate_*.
    assert!(Subject::try_from("orders.*").is_ok());
    assert!(Subject::try_from("a..b").is_ok());
    assert_eq!(Subject::try_from(""), Err(SubjectError::Empty));
    for bad in ["a b", "a\tb", "a\rb", "a\nb", "a\x0cb"] {
        assert_eq!(
            Subject::try_from(bad),
            Err(SubjectError::Whitespace),
            "{bad:?}"
        );
        assert_eq!(
            Subject::try_from(bad.to_owned()),
            Err(SubjectError::Whitespace)
        );
    }
}

#[test]
fn from_wire_is_lenient_but_needs_utf8() {
    let s = Subject::from_wire(Bytes::from_static(b"a..b")).expect("lenient");
    assert_eq!(s, "a..b");
    assert_eq!(Subject::from_wire(Bytes::new()), Err(SubjectError::Empty));
    assert_eq!(
        Subject::from_wire(Bytes::from_static(b"\xff\xfe")),
        Err(SubjectError::InvalidUtf8)
    );
}

#[test]
fn accessors_and_traits() {
    let s = Subject::from_static("orders.new");
    assert_eq!(s.as_str(), "orders.new");
    assert_eq!(s.as_bytes(), b"orders.new");
    assert_eq!(&*s, "orders.new");
    assert_eq!(s.len(), 10); // through Deref<Target = str>
    assert_eq!(format!("{s:?}"), "\"orders.new\"");
    assert_eq!(format!("{s}"), "orders.new");
    assert!(s == *"orders.new");
    assert!(s.is_literal());
    assert!(!Subject::from_static("orders.*").is_literal());
    assert!(!Subject::from_static("orders.>").is_literal());
    assert!(Subject::from_static("orders.a*").is_literal());
    assert!(Subject::from_static("a") < Subject::from_static("b"));
    let set: HashSet<Subject> = [s.clone(), s.clone()].into_iter().collect();
    assert_eq!(set.len(), 1);
    assert_eq!(s.clone().into_bytes(), Bytes::from_static(b"orders.new"));
}

#[test]
fn from_static_works_in_const() {
    const INFO: Subject = Subject::from_static("$JS.API.INFO");
    assert_eq!(INFO, "$JS.API.INFO");
}

#[test]
#[should_panic(expected = "invalid subject literal")]
fn from_static_panics_on_bad_literal() {
    let _ = Subject::from_static("has space");
}

#[test]
fn serde_as_string() {
    let s = Subject::from_static("a.b");
    assert_eq!(serde_json::to_string(&s).expect("serialize"), "\"a.b\"");
    let back: Subject = serde_json::from_str("\"a.b\"").expect("deserialize");
    assert_eq!(back, s);
    assert!(serde_json::from_str::<Subject>("\"a b\"").is_err());
    assert!(serde_json::from_str::<Subject>("\"\"").is_err());
}

#[test]
fn publish_validation() {
    assert_eq!(validate_publish("orders.new"), Ok(()));
    assert_eq!(validate_publish("a*.b>"), Ok(()));
    assert_eq!(validate_publish(""), Err(SubjectError::Empty));
    assert_eq!(validate_publish("a..b"), Err(SubjectError::EmptyToken));
    assert_eq!(validate_publish(".a"), Err(SubjectError::EmptyToken));
    assert_eq!(validate_publish("a."), Err(SubjectError::EmptyToken));
    assert_eq!(validate_publish("."), Err(SubjectError::EmptyToken));
    assert_eq!(validate_publish("a b"), Err(SubjectError::Whitespace));
    assert_eq!(validate_publish("a.\x0c"), Err(SubjectError::Whitespace));
    assert_eq!(
        validate_publish("a.*"),
        Err(SubjectError::WildcardInPublish)
    );
    assert_eq!(validate_publish(">"), Err(SubjectError::WildcardInPublish));
}

#[test]
fn subscribe_validation() {
    assert_eq!(validate_subscribe("a.*.c"), Ok(()));
    assert_eq!(validate_subscribe("a.>"), Ok(()));
    assert_eq!(validate_subscribe(">"), Ok(()));
    assert_eq!(validate_subscribe("*"), Ok(()));
    assert_eq!(
        validate_subscribe("a.>.c"),
        Err(SubjectError::FullWildcardNotLast)
    );
    assert_eq!(validate_subscribe("a..>"), Err(SubjectError::EmptyToken));
    assert_eq!(validate_subscribe("a\n"), Err(SubjectError::Whitespace));
    assert_eq!(validate_subscribe(""), Err(SubjectError::Empty));
}

#[test]
fn queue_group_validation() {
    assert_eq!(validate_queue_group("workers-1_A"), Ok(()));
    for bad in ["", "a.b", "a*", ">", "a b", "a\t", "é"] {
        assert_eq!(
            validate_queue_group(bad),
            Err(SubjectError::InvalidQueueGroup(bad.to_owned())),
            "{bad:?}"
        );
    }
}

#[test]
fn wildcard_matching() {
    assert!(matches("a.b", "a.b"));
    assert!(!matches("a.b", "a.c"));
    assert!(!matches("a.b", "a.b.c"));
    assert!(!matches("a.b.c", "a.b"));
    assert!(matches("a.*", "a.b"));
    assert!(!matches("a.*", "a.b.c"));
    assert!(!matches("a.*", "a"));
    assert!(matches("*.*", "x.y"));
    assert!(matches("a.>", "a.b"));
    assert!(matches("a.>", "a.b.c.d"));
    assert!(!matches("a.>", "a"));
    assert!(matches(">", "x"));
    assert!(matches("*.>", "x.y"));
    assert!(!matches("*.>", "x"));
    // `foo*` and `a>b` are literal tokens.
    assert!(!matches("foo*", "foobar"));
    assert!(matches("foo*", "foo*"));
    assert!(!matches("a>b", "a.b"));
}
