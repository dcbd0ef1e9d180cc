//! Service interop with nats-py: a nats-py client calls a natbus service and checks the
//! reply envelope, the ADR-32 error headers and `$SRV.PING`; natbus calls and discovers a
//! service written with nats-py's `nats.micro`. Needs `scripts/setup-python` (run by
//! `scripts/test`); skipped, with a message, only when python3 is missing.

use std::sync::Arc;

use natbus::service::{CallError, InfoResponse, PingResponse, ServiceError, StatsResponse};
use natbus::{Client, Runtime};
use natbus_tests::NatsServer;
use serde_json::json;

use super::python::{Script, converse, nats_py, run_python};
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

const MICRO_SCRIPT: &str = r#"
import asyncio, json, sys
import nats
from nats.micro import add_service
from nats.micro.request import ServiceError

async def main(url):
    nc = await nats.connect(url)
    svc = await add_service(nc, name="pysvc", version="1.2.3",
                            description="adds numbers", metadata={"lang": "python"})
    async def add(req):
        body = json.loads(req.data or b"{}")
        if "a" not in body or "b" not in body:
            # Raised, not answered with respond_error: nats-py counts only raised errors.
            raise ServiceError("400", "a and b are required")
        await req.respond(json.dumps({"result": body["a"] + body["b"]}).encode())
    group = svc.add_group(name="v1.pysvc", queue_group="adders")
    await group.add_endpoint(name="add", handler=add, metadata={"schema": "a+b"})
    done = await nc.subscribe("interop.py.done", max_msgs=1)
    await nc.flush()
    await nc.publish("interop.py.ready", b"")
    await done.next_msg(timeout=30)
    await svc.stop()
    await nc.close()
    print("nats-py micro service OK")

asyncio.run(main(sys.argv[1]))
"#;

/// natbus calls a service written with nats-py's `nats.micro`, gets its ADR-32 error as a
/// typed error, and reads its `$SRV` discovery answers with natbus's schema types.
pub async fn nats_py_micro_service_is_called_and_discovered(rt: Arc<dyn Runtime>) {
    let Some(python) = nats_py("nats_py_micro_service_is_called_and_discovered") else {
        return;
    };
    let server = NatsServer::start();
    let client = connect(&rt, options(&server.url())).await;
    let script = Script {
        python,
        name: "micro",
        source: MICRO_SCRIPT,
        ok_line: "nats-py micro service OK",
    };
    let caller = client.clone();
    let side = Box::pin(async move { call_and_discover(&caller).await });
    converse(&rt, &client, server.url(), script, side).await;
}

/// What natbus checks of the nats-py service; an `Err` says what differed.
async fn call_and_discover(client: &Client) -> Result<(), String> {
    let sum: i64 = client
        .call("v1.pysvc.add", &json!({ "a": 2, "b": 40 }))
        .await
        .map_err(|e| format!("call: {e}"))?;
    expect("the sum", sum, 42)?;
    let refused = client.call::<_, i64>("v1.pysvc.add", &json!({})).await;
    let error = refused.as_ref().err().and_then(CallError::service_error);
    expect(
        "the service error",
        error,
        Some(&ServiceError::new(400, "a and b are required")),
    )?;

    let ping: PingResponse = discover(client, "$SRV.PING.pysvc").await?;
    expect(
        "ping",
        (ping.name.as_str(), ping.version.as_str()),
        ("pysvc", "1.2.3"),
    )?;
    let info: InfoResponse = discover(client, &format!("$SRV.INFO.pysvc.{}", ping.id)).await?;
    expect("description", info.description.as_str(), "adds numbers")?;
    expect(
        "metadata",
        info.metadata.get("lang").map(String::as_str),
        Some("python"),
    )?;
    let endpoint = info.endpoints.first().ok_or("no endpoint in INFO")?;
    expect(
        "endpoint",
        (
            endpoint.name.as_str(),
            endpoint.subject.as_str(),
            endpoint.queue_group.as_str(),
        ),
        ("add", "v1.pysvc.add", "adders"),
    )?;
    let stats: StatsResponse = discover(client, "$SRV.STATS.pysvc").await?;
    let endpoint = stats.endpoints.first().ok_or("no endpoint in STATS")?;
    expect(
        "requests and errors",
        (endpoint.num_requests, endpoint.num_errors),
        (2, 1),
    )?;
    expect(
        "last error",
        endpoint.last_error.as_str(),
        "400:a and b are required",
    )
}

/// One `$SRV` request, its reply decoded into natbus's schema type.
async fn discover<T: serde::de::DeserializeOwned>(
    client: &Client,
    subject: &str,
) -> Result<T, String> {
    let reply = client
        .request(subject, "")
        .await
        .map_err(|e| format!("{subject}: {e}"))?;
    serde_json::from_slice(&reply.payload).map_err(|e| {
        format!(
            "{subject}: {e} in {}",
            String::from_utf8_lossy(&reply.payload)
        )
    })
}

fn expect<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}
