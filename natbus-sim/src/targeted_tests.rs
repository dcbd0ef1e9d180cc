//! Single-purpose runs on the simulated runtime: one defect the seeded runs found, each
//! replayed as a plain test with its own short script.

use std::time::Duration;

use natbus::{Client, ConnectOptions, RequestError, RequestOptions};

use crate::check::Checks;
use crate::run::run_main;
use crate::runtime::Sim;
use crate::server::Server;

/// A server `s1` on the simulated network.
fn server(sim: &Sim) -> Server {
    let server = Server::new(sim.world.clone(), "s1", 1 << 20);
    sim.world
        .net()
        .add_server("sim-s1:4222".to_owned(), server.clone());
    server
}

fn options() -> ConnectOptions {
    ConnectOptions::new().server("nats://sim-s1:4222").seed(1)
}

fn assert_passes<Fut>(main: impl FnOnce(Sim, Checks) -> Fut)
where
    Fut: Future<Output = ()> + Send + 'static,
{
    if let Err(failure) = run_main(1, main) {
        panic!("{failure}");
    }
}

/// A client connected with `options`, whose server then went away for good; it retries
/// every 5 s.
async fn connected_then_server_lost(sim: &Sim, options: ConnectOptions) -> Client {
    let server = server(sim);
    let five = Duration::from_secs(5);
    let options = options.reconnect_delay(five, five, Duration::ZERO);
    let client = natbus::connect_with(sim.runtime(), options)
        .await
        .expect("the server is up");
    server.stop();
    while client.is_connected() {
        sim.sleep(Duration::from_millis(1)).await;
    }
    client
}

/// A request to a subject nobody answers must time out, at its deadline exactly.
async fn times_out(sim: &Sim, checks: &Checks, client: &Client, what: &str) {
    let timeout = Duration::from_millis(200);
    let start = sim.elapsed();
    let options = RequestOptions {
        timeout: Some(timeout),
        ..RequestOptions::default()
    };
    let result = client.request_with("svc", "x", options).await;
    if !matches!(result, Err(RequestError::TimedOut { .. })) {
        checks.fail(
            sim.elapsed(),
            format!("{what}: expected a timeout, got {result:?}"),
        );
    }
    checks.deadline(what, start, timeout, sim.elapsed());
}

/// A request made while the client waits to reconnect must still end at its deadline.
/// (The driver slept until the next dial, seconds later: nothing woke it to arm a timer
/// for the request, since its bytes could not be written yet.)
#[test]
fn a_request_made_while_disconnected_ends_at_its_deadline() {
    assert_passes(|sim, checks| async move {
        let client = connected_then_server_lost(&sim, options()).await;
        sim.sleep(Duration::from_millis(100)).await;
        times_out(&sim, &checks, &client, "request while disconnected").await;
    });
}

/// The same while connected but with the socket blocked (the server stopped reading):
/// the driver waits on the socket, not on a timer.
#[test]
fn a_request_behind_a_blocked_socket_ends_at_its_deadline() {
    assert_passes(|sim, checks| async move {
        let _server = server(&sim);
        let options = options().ping_interval(Duration::from_secs(3600));
        let client = natbus::connect_with(sim.runtime(), options)
            .await
            .expect("the server is up");
        for link in sim.world.net().live_links() {
            link.stall(crate::pipe::CLIENT, Duration::from_secs(3600));
        }
        // Fill the link so that the driver's writes block.
        for _ in 0..64 {
            let _ = client.try_publish("fill", None, None, vec![0u8; 8192]);
            sim.sleep(Duration::from_millis(1)).await;
        }
        times_out(&sim, &checks, &client, "request behind a blocked socket").await;
    });
}

/// A request waiting for room in a full reconnect buffer must end at its deadline too,
/// not when the client reconnects and the buffer drains.
#[test]
fn a_request_waiting_for_buffer_room_ends_at_its_deadline() {
    assert_passes(|sim, checks| async move {
        let options = options().reconnect_buffer_size(256);
        let client = connected_then_server_lost(&sim, options).await;
        // Full: even a one-byte payload (the request's) no longer fits.
        while client.try_publish("fill", None, None, "x").is_ok() {}
        times_out(&sim, &checks, &client, "request waiting for buffer room").await;
    });
}

/// A push consumer whose flow-control answer is lost (written to a connection that then
/// dies) must answer again when heartbeats say the server still waits; it stalled for good.
#[test]
fn a_lost_flow_control_answer_is_sent_again() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use natbus::jetstream::ConsumerConfig;

    assert_passes(|sim, checks| async move {
        let server = server(&sim);
        server.lock().js.add_stream("ORDERS", &["orders.>"]);
        let consumer = natbus::connect_with(sim.runtime(), options())
            .await
            .expect("the server is up");
        let publisher = natbus::connect_with(sim.runtime(), options().seed(2))
            .await
            .expect("the server is up");
        let mut config = ConsumerConfig::durable("pusher").push("deliver.pusher");
        config.flow_control = true;
        config.idle_heartbeat = Some(Duration::from_millis(100));
        let mut pushed = consumer
            .jetstream()
            .push_subscribe("ORDERS", config)
            .await
            .expect("a push consumer");
        // The consumer's answers go nowhere from now on.
        let links = sim.world.net().live_links();
        let consumer_link = links.first().expect("the consumer's link").clone();
        consumer_link.stall(crate::pipe::CLIENT, Duration::from_secs(3600));
        for n in 0..40 {
            publisher
                .publish("orders.new", format!("{n}"))
                .await
                .expect("published");
        }
        let got = Arc::new(AtomicUsize::new(0));
        let counted = got.clone();
        sim.spawn(async move {
            while let Some(item) = pushed.next().await {
                if item.is_ok() {
                    counted.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        // Once the flow-control request came, its answer is stuck: lose it.
        while got.load(Ordering::Relaxed) < 16 {
            sim.sleep(Duration::from_millis(10)).await;
        }
        sim.sleep(Duration::from_millis(50)).await;
        consumer_link.reset();
        let end = sim.elapsed() + Duration::from_secs(10);
        while got.load(Ordering::Relaxed) < 40 && sim.elapsed() < end {
            sim.sleep(Duration::from_millis(10)).await;
        }
        let got = got.load(Ordering::Relaxed);
        if got < 40 {
            checks.fail(
                sim.elapsed(),
                format!("the push consumer got {got} of 40 messages"),
            );
        }
    });
}
