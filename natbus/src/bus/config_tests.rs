//! Config parsing: JSON (nested and the Python NATBus's flat keys), the environment, and
//! the errors a user sees for bad input.

use std::collections::HashMap;
use std::time::Duration;

use super::*;

fn env(vars: &[(&str, &str)]) -> Result<BusConfig, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    BusConfig::from_lookup(|name| map.get(name).cloned())
}

#[test]
fn json_nested_form() {
    let config = BusConfig::from_json(
        r#"{"servers": ["nats://a:4222", "b:4223"], "user": "u", "password": "p",
            "name": "orders-svc", "queue_group": "workers", "manual_ack": true,
            "stream": {"name": "ORDERS", "subjects": ["orders.>"], "storage": "memory"},
            "request_timeout": 2.5, "ack_timeout": 1}"#,
    )
    .expect("valid config");
    assert_eq!(config.servers, ["nats://a:4222", "b:4223"]);
    assert_eq!(
        (config.user.as_deref(), config.password.as_deref()),
        (Some("u"), Some("p"))
    );
    assert_eq!(config.name.as_deref(), Some("orders-svc"));
    assert_eq!(config.queue_group.as_deref(), Some("workers"));
    assert!(config.manual_ack);
    assert_eq!(
        config.stream,
        Some(StreamSettings::new("ORDERS", ["orders.>"]).storage(StorageType::Memory))
    );
    assert_eq!(config.request_timeout, Duration::from_millis(2500));
    assert_eq!(config.ack_timeout, Duration::from_secs(1));
}

#[test]
fn json_seed_flat_form() {
    let config = BusConfig::from_json(
        r#"{"server": "nats-nats-jetstream:4222", "username": "nats-user",
            "password": "changeme", "stream_create": true, "stream_name": "TEST_STREAM",
            "stream_subjects": ["test.stream"], "queue_group": null}"#,
    )
    .expect("the seed's keys");
    assert_eq!(config.servers, ["nats-nats-jetstream:4222"]);
    assert_eq!(config.user.as_deref(), Some("nats-user"));
    let stream = config.stream.expect("a stream");
    assert_eq!((stream.name.as_str(), stream.create), ("TEST_STREAM", true));
    assert!(!config.manual_ack, "automatic acks by default");
    // Without stream_create the name only names the default stream, as in Python.
    let config = BusConfig::from_json(r#"{"stream_name": "S"}"#).expect("name only");
    assert_eq!(config.stream.map(|s| s.create), Some(false));
}

#[test]
fn json_errors_say_what_is_wrong() {
    let cases = [
        (r#"{"sever": "x"}"#, "unknown field `sever`"),
        (r#"{"manual_ack": "yes"}"#, "invalid type"),
        (r#"{"user": "u"}"#, "user is set but password is not"),
        (
            r#"{"request_timeout": -1}"#,
            "request_timeout must be a positive number",
        ),
        (
            r#"{"stream": {"name": "A.B", "subjects": ["a"]}}"#,
            "stream name 'A.B'",
        ),
        (r#"{"stream": {"name": "A"}}"#, "has no subjects"),
        (r#"{"stream_subjects": ["a"]}"#, "need stream_name"),
        (r#"{"servers": "nats://:::"}"#, "server 'nats://:::'"),
        (r#"{"queue_group": "a b"}"#, "queue group 'a b'"),
        ("{", "EOF"),
    ];
    for (json, expected) in cases {
        let err = BusConfig::from_json(json).expect_err(json).to_string();
        assert!(err.contains(expected), "{json}: {err}");
    }
}

#[test]
fn from_file_names_the_file() {
    let err = BusConfig::from_file("/nonexistent/natbus-bus.json").expect_err("no file");
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
    assert!(
        err.to_string().contains("/nonexistent/natbus-bus.json"),
        "{err}"
    );
}

#[test]
fn env_reads_every_variable() {
    let config = env(&[
        (ENV_SERVER, "nats://a:4222, nats://b:4222"),
        ("NATS_URL", "nats://ignored:4222"),
        (ENV_USER, "u"),
        (ENV_PASSWORD, "p"),
        (ENV_NAME, "svc"),
        (ENV_STREAM, "ORDERS"),
        (ENV_STREAM_SUBJECTS, "orders.created, orders.paid"),
        (ENV_STREAM_STORAGE, "Memory"),
        (ENV_QUEUE_GROUP, "workers"),
        (ENV_MANUAL_ACK, "yes"),
        (ENV_REQUEST_TIMEOUT, "3"),
        (ENV_ACK_TIMEOUT, "0.5"),
    ])
    .expect("valid environment");
    assert_eq!(config.servers, ["nats://a:4222", "nats://b:4222"]);
    assert_eq!(config.name.as_deref(), Some("svc"));
    let stream = config.stream.clone().expect("stream");
    assert_eq!(stream.subjects, ["orders.created", "orders.paid"]);
    assert_eq!((stream.storage, stream.create), (StorageType::Memory, true));
    assert_eq!(config.queue_group.as_deref(), Some("workers"));
    assert!(config.manual_ack);
    assert_eq!(config.request_timeout, Duration::from_secs(3));
    assert_eq!(config.ack_timeout, Duration::from_millis(500));
}

#[test]
fn env_falls_back_to_nats_variables_and_defaults() {
    let config = env(&[("NATS_URL", "nats://n:4222"), (ENV_NAME, "")]).expect("valid");
    assert_eq!(config.servers, ["nats://n:4222"]);
    assert_eq!(config.name, None, "empty counts as unset");
    assert_eq!(config.stream, None);
    assert_eq!(env(&[]).expect("empty environment"), BusConfig::new());
}

#[test]
fn env_errors_name_the_variable() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[(ENV_MANUAL_ACK, "maybe")], "NATBUS_MANUAL_ACK=\"maybe\""),
        (&[(ENV_ACK_TIMEOUT, "soon")], "NATBUS_ACK_TIMEOUT=\"soon\""),
        (&[(ENV_STREAM_SUBJECTS, "a")], "it needs NATBUS_STREAM"),
        (
            &[(ENV_STREAM, "S"), (ENV_STREAM_STORAGE, "tape")],
            "expected file or memory",
        ),
        (&[(ENV_PASSWORD, "p")], "password is set but user is not"),
    ];
    for (vars, expected) in cases {
        let err = env(vars).expect_err(expected).to_string();
        assert!(err.contains(expected), "{vars:?}: {err}");
    }
}

#[test]
fn extreme_seconds_mean_no_timeout_or_are_refused() {
    let config = BusConfig::from_json(r#"{"request_timeout": 1e300, "ack_timeout": 1e-9}"#)
        .expect("huge and tiny timeouts are valid");
    assert_eq!(
        config.request_timeout,
        Duration::MAX,
        "too large means never"
    );
    assert_eq!(config.ack_timeout, Duration::from_nanos(1));
    for never in ["inf", "1e300", "18446744073709551616"] {
        let config = env(&[(ENV_REQUEST_TIMEOUT, never)]).expect(never);
        assert_eq!(config.request_timeout, Duration::MAX, "{never}");
    }
    for bad in ["NaN", "-inf", "-1", "-0.5", "0", "1e-10"] {
        let err = env(&[(ENV_REQUEST_TIMEOUT, bad)])
            .expect_err(bad)
            .to_string();
        assert!(err.contains("NATBUS_REQUEST_TIMEOUT"), "{bad}: {err}");
    }
    assert!(BusConfig::from_json(r#"{"ack_timeout": -1e300}"#).is_err());
}

#[test]
fn debug_never_prints_secrets() {
    let config = BusConfig::new()
        .user_password("u", "hunter2")
        .token("tok3n");
    let text = format!("{config:?}");
    assert!(
        !text.contains("hunter2") && !text.contains("tok3n"),
        "{text}"
    );
    assert!(text.contains("<redacted>"));
}
