//! Interop: a nats-py client calls a natbus service and checks the reply envelope, the
//! ADR-32 error headers and `$SRV.PING`. Needs `scripts/setup-python` (run by
//! `scripts/test`); skipped, with a message, only when python3 is missing.

use std::sync::Arc;

use natbus::Runtime;
use natbus_tests::NatsServer;

use super::python::{nats_py, run_python};
use super::service::greeter;
use super::{connect, options};

const SCRIPT: &str = r#"
import asyncio, json, sys
import nats

async def main(url):
    nc = await nats.connect(url)
    ok = await nc.request("v1.greeter.greet", json.dumps({"name": "py"}).encode(), timeout=5)
    assert json.loads(ok.data) == {"result": {"message": "Hello py!"}}, ok.data
    assert not ok.headers or "Nats-Service-Error" not in ok.headers, ok.headers

    bad = await nc.request("v1.greeter.greet", b"not json", timeout=5)
    assert bad.headers["Nats-Service-Error-Code"] == "400", bad.headers
    assert bad.headers["Nats-Service-Error"].startswith("invalid request"), bad.headers
    body = json.loads(bad.data)
    assert body["error"]["code"] == 400 and body["error"]["message"] == bad.headers["Nats-Service-Error"], body

    missing = await nc.request("v1.greeter.greet", json.dumps({"name": "nobody"}).encode(), timeout=5)
    assert missing.headers["Nats-Service-Error-Code"] == "404", missing.headers
    assert missing.headers["Nats-Service-Error"] == "nobody is not here", missing.headers

    ping = json.loads((await nc.request("$SRV.PING.greeter", b"", timeout=5)).data)
    assert ping["type"] == "io.nats.micro.v1.ping_response" and ping["name"] == "greeter", ping
    stats = json.loads((await nc.request("$SRV.STATS.greeter." + ping["id"], b"", timeout=5)).data)
    ep = stats["endpoints"][0]
    assert (ep["num_requests"], ep["num_errors"]) == (3, 2), ep
    assert ep["last_error"] == "404:nobody is not here", ep
    await nc.close()
    print("nats-py interop OK")

asyncio.run(main(sys.argv[1]))
"#;

pub async fn service_answers_nats_py(rt: Arc<dyn Runtime>) {
    let Some(python) = nats_py("service_answers_nats_py") else {
        return;
    };
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let _service = greeter(&client).await;
    run_python(
        &rt,
        python,
        "service",
        SCRIPT,
        server.url(),
        "nats-py interop OK",
    )
    .await;
}
