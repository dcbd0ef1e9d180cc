//! `pub --schedule` and `stream add --allow-schedules`: a schedule stored by the CLI fires
//! on its target; on a server older than 2.12 the CLI says which server it needs.

use std::time::{Duration, Instant};

use natbus_tests::{NatsServer, ServerVersion, server_at_least, server_version};

use crate::support::{json, natbus};

fn schedule_stream(server: &NatsServer) -> serde_json::Value {
    json(
        &natbus(
            server,
            &[
                "--json",
                "stream",
                "add",
                "SCHED",
                "--subjects",
                "sched.>,out.>",
                "--allow-schedules",
                "--allow-msg-ttl",
            ],
        )
        .ok(),
    )
}

#[test]
fn pub_schedule_at_fires_on_the_target() {
    let server = NatsServer::start();
    if server_version() < ServerVersion::new(2, 12, 0) {
        let line = natbus(
            &server,
            &[
                "pub",
                "sched.x",
                "hi",
                "--schedule",
                "@at 2020-01-01T00:00:00Z",
                "--target",
                "out.x",
            ],
        )
        .error_line();
        assert!(line.contains("need nats-server 2.12.0 or newer"), "{line}");
        return;
    }
    let info = schedule_stream(&server);
    assert_eq!(info["config"]["allow_msg_schedules"], true);
    assert_eq!(info["config"]["allow_msg_ttl"], true);

    // A time in the past fires at once.
    let stored = json(
        &natbus(
            &server,
            &[
                "--json",
                "pub",
                "sched.once",
                "ping",
                "--schedule",
                "@at 2020-01-01T00:00:00Z",
                "--target",
                "out.once",
                "--schedule-ttl",
                "1m",
            ],
        )
        .ok(),
    );
    assert_eq!(stored["stream"], "SCHED");
    assert_eq!(stored["target"], "out.once");
    assert_eq!(stored["schedule"], "@at 2020-01-01T00:00:00Z");

    let deadline = Instant::now() + Duration::from_secs(10);
    let fired = loop {
        let run = natbus(
            &server,
            &["--json", "stream", "get", "SCHED", "--last-for", "out.once"],
        );
        if run.status.success() {
            break json(&run.stdout);
        }
        assert!(
            Instant::now() < deadline,
            "the schedule never fired: {run:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(fired["data"], "ping", "{fired}");
    assert_eq!(
        fired["headers"]["Nats-Scheduler"][0], "sched.once",
        "{fired}"
    );
    assert_eq!(fired["headers"]["Nats-TTL"][0], "60s", "{fired}");
}

#[test]
fn pub_schedule_refuses_what_the_server_would() {
    let server = NatsServer::start();
    let run = natbus(
        &server,
        &["pub", "sched.x", "hi", "--schedule", "@every 1s"],
    );
    assert_eq!(run.status.code(), Some(2), "--target is required: {run:?}");
    for (when, says) in [
        ("@every 10ms", "at least 1s"),
        ("* * * * *", "six fields"),
        ("@at tomorrow", "RFC 3339"),
    ] {
        let line = natbus(
            &server,
            &[
                "pub",
                "sched.x",
                "hi",
                "--schedule",
                when,
                "--target",
                "out.x",
            ],
        )
        .error_line();
        assert!(line.contains(says), "{when}: {line}");
    }
    let line = natbus(
        &server,
        &[
            "pub",
            "sched.x",
            "hi",
            "--schedule",
            "@hourly",
            "--target",
            "out.x",
            "--count",
            "2",
        ],
    )
    .error_line();
    assert!(line.contains("neither --count nor --reply"), "{line}");
    if !server_at_least(
        ServerVersion::new(2, 12, 0),
        "pub_schedule_refuses_what_the_server_would",
        "message schedules",
    ) {
        return;
    }
    natbus(
        &server,
        &["stream", "add", "PLAIN", "--subjects", "plain.>"],
    )
    .ok();
    let line = natbus(
        &server,
        &[
            "pub",
            "plain.s",
            "x",
            "--schedule",
            "@at 2020-01-01T00:00:00Z",
            "--target",
            "plain.t",
        ],
    )
    .error_line();
    assert!(
        line.contains("could not store the schedule on 'plain.s'"),
        "{line}"
    );
}
