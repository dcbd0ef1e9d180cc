//! Clients in a second process: the shared echo responder of `req_proc` and the subscriber
//! of `pub_sub_proc`, both started from this binary (`bench --scenario responder|subscriber
//! --client C --url U [--msgs N]`), and the parent's handle on them.
//!
//! A child prints `ready` once its subscription is known to the server (after a flush), and
//! the subscriber prints one JSON line when it has every message. The parent reads the
//! child's lines on a thread and awaits them, so no runtime thread blocks on a pipe.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use futures::StreamExt;
use futures::channel::mpsc;
use serde_json::json;

use crate::BoxError;
use crate::args::Sizes;
use crate::bench_client::BenchClient;
use crate::clients::{Kind, Runtimes};
use crate::cpu::process_cpu_ns;

/// The subject the separate-process responder answers on.
pub const ECHO_SUBJECT: &str = "bench.echo.proc";
/// The subject the separate-process subscriber reads.
pub const PUB_SUB_SUBJECT: &str = "bench.pubsub.proc";
/// The client every `req_proc` measurement's responder uses: one program for both clients,
/// and not natbus, so natbus cannot be favoured by its own responder.
pub const RESPONDER: Kind = Kind::AsyncNats;

/// A running child of this binary; killed when dropped.
pub struct Child {
    process: std::process::Child,
    lines: mpsc::UnboundedReceiver<String>,
}

impl Child {
    /// Starts child scenario `name` for `kind` and waits until it says `ready`.
    pub async fn start(
        name: &str,
        kind: Kind,
        url: &str,
        msgs: Option<usize>,
    ) -> Result<Child, BoxError> {
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.args(["--scenario", name, "--client", kind.name(), "--url", url]);
        if let Some(n) = msgs {
            cmd.args(["--msgs", &n.to_string()]);
        }
        let mut process = cmd.stdout(Stdio::piped()).stdin(Stdio::null()).spawn()?;
        let stdout = process.stdout.take().ok_or("the child has no stdout")?;
        let (tx, lines) = mpsc::unbounded();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.unbounded_send(line).is_err() {
                    break;
                }
            }
        });
        let mut child = Child { process, lines };
        let first = child.line().await?;
        if first != "ready" {
            return Err(format!("child {name} said {first:?} instead of ready").into());
        }
        Ok(child)
    }

    /// The child's next line of output.
    pub async fn line(&mut self) -> Result<String, BoxError> {
        match self.lines.next().await {
            Some(line) => Ok(line),
            None => {
                let status = self.process.wait()?;
                Err(format!("the child exited ({status}) without saying more").into())
            }
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // The responder serves until killed; a finished subscriber has exited already.
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Runs child program `name` (`responder` or `subscriber`) in this process.
pub fn child_main(name: &str, kind: Kind, url: &str, sizes: Sizes) -> Result<(), BoxError> {
    let rts = Runtimes::new()?;
    let limit = sizes.timeout;
    match name {
        "responder" => rts.run(RESPONDER, limit, respond(url)),
        _ if kind == Kind::AsyncNats => rts.run(
            kind,
            limit,
            subscribe::<async_nats::Client>(kind, url, sizes.pub_msgs),
        ),
        _ => rts.run(
            kind,
            limit,
            subscribe::<natbus::Client>(kind, url, sizes.pub_msgs),
        ),
    }
}

fn ready() {
    println!("ready");
}

/// Echoes every request on [`ECHO_SUBJECT`] with [`RESPONDER`] until killed.
async fn respond(url: &str) -> Result<(), BoxError> {
    let client = async_nats::Client::connect(RESPONDER, url, 0).await?;
    let serve = client.echo(ECHO_SUBJECT).await?;
    ready();
    serve.await;
    Err("the responder's subscription ended".into())
}

/// Receives `n` messages on [`PUB_SUB_SUBJECT`], then prints this process's CPU time spent
/// since it said ready.
async fn subscribe<C: BenchClient>(kind: Kind, url: &str, n: usize) -> Result<(), BoxError> {
    let client = C::connect(kind, url, n).await?;
    let mut sub = client.subscribe(PUB_SUB_SUBJECT).await?;
    ready();
    let start = process_cpu_ns().unwrap_or(0);
    for got in 0..n {
        if sub.next().await.is_none() {
            return Err(format!("subscription ended after {got} of {n} messages").into());
        }
    }
    let cpu = process_cpu_ns().unwrap_or(0).saturating_sub(start);
    println!("{}", json!({ "cpu_ns": cpu }));
    client.close().await;
    Ok(())
}
