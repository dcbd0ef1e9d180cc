//! `ws://` URLs in `--server` and `NATS_URL`.

use natbus_tests::NatsServer;

use crate::support::{command, finish, run, wait_for_subscriptions};

#[test]
fn sub_from_nats_url_and_pub_from_server_flag_over_websocket() {
    let server = NatsServer::builder().jetstream(false).websocket().start();
    let ws = server.websocket_url();
    let mut sub = command(&["sub", "demo.ws", "--count", "1", "--raw"]);
    sub.env("NATS_URL", &ws);
    let sub = sub.spawn().expect("the natbus binary runs");
    wait_for_subscriptions(&server, 1);
    let connz = server.connz();
    assert_eq!(connz["connections"][0]["type"], "websocket", "{connz}");
    run(command(&[
        "--server",
        &ws,
        "pub",
        "demo.ws",
        "over a WebSocket",
    ]))
    .ok();
    assert_eq!(finish(sub).ok(), "over a WebSocket\n");
}

#[test]
fn a_ws_url_to_a_nats_port_says_so() {
    let server = NatsServer::builder().jetstream(false).start();
    let url = format!("ws://127.0.0.1:{}", server.port());
    let line = run(command(&[
        "--server",
        &url,
        "--timeout",
        "2s",
        "pub",
        "x",
        "y",
    ]))
    .error_line();
    assert!(line.contains("NATS port"), "{line}");
}
