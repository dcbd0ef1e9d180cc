//! `counter add/get` and `stream add --allow-counter`: totals printed, big and negative
//! amounts, the errors; on a server older than 2.12 the version it needs.

use natbus_tests::{NatsServer, ServerVersion, server_version};

use crate::support::{json, natbus};

#[test]
fn counter_add_and_get_print_the_total() {
    let server = NatsServer::start();
    if server_version() < ServerVersion::new(2, 12, 0) {
        let line = natbus(&server, &["counter", "get", "HITS", "hits.home"]).error_line();
        assert!(line.contains("need nats-server 2.12.0 or newer"), "{line}");
        return;
    }
    let info = json(
        &natbus(
            &server,
            &[
                "--json",
                "stream",
                "add",
                "HITS",
                "--subjects",
                "hits.>",
                "--allow-counter",
            ],
        )
        .ok(),
    );
    assert_eq!(info["config"]["allow_msg_counter"], true);

    assert_eq!(
        natbus(&server, &["counter", "add", "HITS", "hits.home"]).ok(),
        "1\n"
    );
    assert_eq!(
        natbus(&server, &["counter", "add", "HITS", "hits.home", "-5"]).ok(),
        "-4\n"
    );
    let big = "100000000000000000000000000000000000000000";
    let added = json(
        &natbus(
            &server,
            &["--json", "counter", "add", "HITS", "hits.home", big],
        )
        .ok(),
    );
    assert_eq!(added["value"], "99999999999999999999999999999999999999996");
    assert_eq!(
        natbus(&server, &["counter", "get", "HITS", "hits.home"]).ok(),
        "99999999999999999999999999999999999999996\n"
    );
    let entry = json(&natbus(&server, &["--json", "counter", "get", "HITS", "hits.home"]).ok());
    assert_eq!(entry["subject"], "hits.home");
    assert_eq!(entry["increment"], big);
    assert_eq!(entry["sources"], serde_json::json!({}));

    let line = natbus(&server, &["counter", "get", "HITS", "hits.none"]).error_line();
    assert!(
        line.contains("no counter 'hits.none' in stream 'HITS'"),
        "{line}"
    );
    let line = natbus(&server, &["counter", "get", "NOPE", "x"]).error_line();
    assert!(line.contains("stream 'NOPE' not found"), "{line}");
    natbus(&server, &["stream", "add", "PLAIN", "--subjects", "plain"]).ok();
    let line = natbus(&server, &["counter", "add", "PLAIN", "plain"]).error_line();
    assert!(line.contains("does not allow counters"), "{line}");
    let run = natbus(&server, &["counter", "add", "HITS", "hits.home", "1.5"]);
    assert_eq!(run.status.code(), Some(2), "not an integer: {run:?}");
}
