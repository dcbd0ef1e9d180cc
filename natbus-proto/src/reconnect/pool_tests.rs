use super::*;
use crate::server_addr::Scheme;
use std::time::Duration;

fn addr(s: &str) -> ServerAddr {
    s.parse().expect("test URLs are valid")
}

fn addrs(list: &str) -> Vec<ServerAddr> {
    ServerAddr::parse_list(list).expect("test URLs are valid")
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A policy with fixed order and no jitter, so schedules are exact.
fn exact() -> ReconnectPolicy {
    ReconnectPolicy {
        randomize: false,
        jitter: Duration::ZERO,
        max_reconnects_per_server: None,
        ..ReconnectPolicy::default()
    }
}

fn pool(list: &str, policy: ReconnectPolicy) -> ServerPool {
    ServerPool::new(addrs(list), policy, 7).expect("non-empty pool")
}

fn hosts(pool: &ServerPool) -> Vec<String> {
    pool.servers().map(|s| s.host.clone()).collect()
}

/// Fails one attempt at `now` on whatever server the pool offers, returning that server.
fn fail_next(pool: &mut ServerPool, now: Instant) -> ServerAddr {
    let (server, _) = pool.next_attempt(now).expect("pool not exhausted");
    pool.connect_failed(&server, now);
    server
}

#[test]
fn empty_pool_is_an_error_and_duplicates_are_merged() {
    let err = ServerPool::new(Vec::new(), ReconnectPolicy::default(), 1).expect_err("empty");
    assert_eq!(err, PoolError::Empty);
    assert!(err.to_string().contains("configure at least one server"));
    let p = pool("a,b,nats://u:p@A:4222,a:4223", exact());
    assert_eq!(hosts(&p), ["a", "b", "a"]);
}

#[test]
fn order_is_kept_or_shuffled_reproducibly() {
    let list = "s0,s1,s2,s3,s4,s5,s6,s7";
    assert_eq!(
        hosts(&pool(list, exact())),
        ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"]
    );
    let shuffled = |seed| {
        let p = ServerPool::new(addrs(list), ReconnectPolicy::default(), seed).expect("non-empty");
        hosts(&p)
    };
    assert_eq!(shuffled(11), shuffled(11));
    let orders: std::collections::HashSet<_> = (0..10).map(shuffled).collect();
    assert!(
        orders.len() > 1,
        "different seeds should give different orders"
    );
    let mut sorted = shuffled(3);
    sorted.sort();
    assert_eq!(sorted, hosts(&pool(list, exact())));
}

#[test]
fn passes_back_off_exponentially_up_to_the_cap() {
    let t0 = Instant::now();
    let mut p = pool("a,b,c", exact());
    assert_eq!(p.next_attempt(t0), Some((addr("a"), t0)));
    assert_eq!(fail_next(&mut p, t0), addr("a"));
    assert_eq!(p.next_attempt(t0), Some((addr("b"), t0)));
    fail_next(&mut p, t0);
    fail_next(&mut p, t0 + ms(10));
    // The first failed pass waits initial_delay, measured from the last failure.
    assert_eq!(p.next_attempt(t0 + ms(10)), Some((addr("a"), t0 + ms(60))));
    let mut now = t0 + ms(60);
    let mut waits = Vec::new();
    for _ in 0..7 {
        for _ in 0..3 {
            fail_next(&mut p, now);
        }
        let (_, at) = p.next_attempt(now).expect("unlimited attempts");
        waits.push(at - now);
        now = at;
    }
    assert_eq!(waits, [100, 200, 400, 800, 1600, 2000, 2000].map(ms));
}

#[test]
fn next_attempt_is_stable_and_never_before_now() {
    let t0 = Instant::now();
    let mut p = pool("a", exact());
    fail_next(&mut p, t0);
    assert_eq!(p.next_attempt(t0), Some((addr("a"), t0 + ms(50))));
    assert_eq!(p.next_attempt(t0), Some((addr("a"), t0 + ms(50))));
    // Asked after the deadline passed: dial at once.
    assert_eq!(p.next_attempt(t0 + ms(80)), Some((addr("a"), t0 + ms(80))));
}

#[test]
fn jitter_is_bounded_random_and_reproducible() {
    let t0 = Instant::now();
    let policy = ReconnectPolicy {
        jitter: ms(100),
        ..exact()
    };
    let delays = |seed| {
        let mut p = ServerPool::new(addrs("a"), policy.clone(), seed).expect("non-empty");
        (1..=20)
            .map(|pass| {
                fail_next(&mut p, t0);
                let (_, at) = p.next_attempt(t0).expect("unlimited");
                (at - t0) - policy.backoff(pass)
            })
            .collect::<Vec<_>>()
    };
    let jitters = delays(5);
    assert!(jitters.iter().all(|j| *j < ms(100)), "{jitters:?}");
    assert!(
        jitters.iter().any(|j| *j != jitters[0]),
        "jitter should vary"
    );
    assert_eq!(jitters, delays(5));
    assert_ne!(jitters, delays(6));
}

#[test]
fn server_is_dropped_at_its_limit_and_the_pool_runs_dry() {
    let t0 = Instant::now();
    let policy = ReconnectPolicy {
        max_reconnects_per_server: Some(2),
        ..exact()
    };
    let mut p = pool("a,b", policy);
    fail_next(&mut p, t0);
    fail_next(&mut p, t0);
    assert_eq!(p.failures(&addr("a")), Some(1));
    let (server, at) = p
        .next_attempt(t0)
        .expect("each server has one attempt left");
    assert_eq!((server, at), (addr("a"), t0 + ms(50)));
    p.connect_failed(&addr("a"), at);
    assert_eq!(hosts(&p), ["b"]);
    assert_eq!(p.failures(&addr("a")), None);
    assert_eq!(p.next_attempt(at).map(|(s, _)| s), Some(addr("b")));
    p.connect_failed(&addr("b"), at);
    assert_eq!(p.servers().count(), 0);
    assert_eq!(p.next_attempt(at + ms(5000)), None);
}

/// The instant at which a connection made at `t` has proved stable.
fn stable(p: &ServerPool, t: Instant) -> Instant {
    t + p.policy().stable_after
}

#[test]
fn a_stable_connection_resets_the_counter_and_the_backoff() {
    let t0 = Instant::now();
    let mut p = pool("a,b", exact());
    for _ in 0..4 {
        fail_next(&mut p, t0);
    }
    assert_eq!(p.failures(&addr("b")), Some(2));
    p.connected(&addr("b"), t0);
    assert_eq!(
        p.failures(&addr("b")),
        Some(2),
        "a handshake alone proves nothing"
    );
    let t1 = stable(&p, t0);
    p.disconnected(t1);
    assert_eq!(p.failures(&addr("b")), Some(0));
    assert_eq!(p.failures(&addr("a")), Some(2));
    // The lost server goes to the back: retry the other one first, immediately.
    assert_eq!(p.next_attempt(t1), Some((addr("a"), t1)));
    fail_next(&mut p, t1);
    fail_next(&mut p, t1 + ms(1));
    // Backoff starts over from initial_delay.
    assert_eq!(p.next_attempt(t1 + ms(1)), Some((addr("a"), t1 + ms(51))));
}

#[test]
fn a_short_lived_connection_is_a_failed_attempt_and_a_failed_pass() {
    let t0 = Instant::now();
    let mut p = pool("a,b", exact());
    let mut t = t0;
    let mut waits = Vec::new();
    for _ in 0..5 {
        let (server, at) = p.next_attempt(t).expect("unlimited");
        waits.push(at - t);
        p.connected(&server, at);
        // Lost just before it would have counted as stable.
        t = stable(&p, at) - ms(1);
        p.disconnected(t);
    }
    assert_eq!(waits, [0, 50, 100, 200, 400].map(ms));
    assert_eq!(p.failures(&addr("a")), Some(3));
    assert_eq!(p.failures(&addr("b")), Some(2));

    let limited = ReconnectPolicy {
        max_reconnects_per_server: Some(2),
        ..exact()
    };
    let mut p = pool("only", limited);
    for _ in 0..2 {
        let (server, at) = p.next_attempt(t0).expect("not yet at the limit");
        p.connected(&server, at);
        p.disconnected(at);
    }
    assert_eq!(
        p.next_attempt(t0),
        None,
        "short-lived connections use up the server"
    );
}

#[test]
fn leaving_on_purpose_counts_nothing() {
    let t0 = Instant::now();
    let mut p = pool("a,b", exact());
    p.connected(&addr("a"), t0);
    p.left(t0);
    assert_eq!(p.failures(&addr("a")), Some(0));
    assert_eq!(hosts(&p), ["b", "a"]);
    assert_eq!(p.next_attempt(t0), Some((addr("b"), t0)));
}

#[test]
fn disconnect_rotates_the_lost_server_to_the_back() {
    let t0 = Instant::now();
    let mut p = pool("a,b,c", exact());
    p.connected(&addr("b"), t0);
    assert_eq!(hosts(&p), ["b", "a", "c"]);
    let t1 = stable(&p, t0);
    p.disconnected(t1);
    assert_eq!(hosts(&p), ["a", "c", "b"]);
    assert_eq!(p.next_attempt(t1), Some((addr("a"), t1)));
    let mut single = pool("only", exact());
    single.connected(&addr("only"), t0);
    single.disconnected(t1);
    assert_eq!(single.next_attempt(t1), Some((addr("only"), t1)));
}

#[test]
fn disabled_reconnect_tries_each_server_once_then_stops() {
    let t0 = Instant::now();
    let off = ReconnectPolicy {
        enabled: false,
        ..exact()
    };
    let mut first = pool("a,b", off.clone());
    fail_next(&mut first, t0);
    assert!(first.next_attempt(t0).is_some());
    fail_next(&mut first, t0);
    assert_eq!(first.next_attempt(t0), None);

    let mut lost = pool("a,b", off);
    lost.connected(&addr("a"), t0);
    lost.disconnected(t0);
    assert_eq!(lost.next_attempt(t0), None);
}

#[test]
fn unknown_servers_are_ignored() {
    let t0 = Instant::now();
    let mut p = pool("a,b", exact());
    p.connect_failed(&addr("zzz"), t0);
    assert_eq!(p.next_attempt(t0), Some((addr("a"), t0)));
    assert_eq!(p.failures(&addr("a")), Some(0));
}

fn urls(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn discovery_adds_with_inherited_scheme_and_credentials() {
    let mut p = pool("tls://u:p%21@a.example:4222", exact());
    let current = addr("tls://u:p%21@a.example:4222");
    p.connected(&current, Instant::now());
    assert!(p.merge_discovered(&urls(&["a.example:4222", "b:4222", "[::2]:5222"]), &current));
    let b = p
        .servers()
        .find(|s| s.host == "b")
        .expect("b was added")
        .clone();
    assert_eq!(b.scheme, Scheme::Tls);
    assert_eq!(b.user.as_deref(), Some("u"));
    assert_eq!(b.password.as_deref(), Some("p!"));
    assert!(p.servers().any(|s| s.host == "::2" && s.port == 5222));
    assert_eq!(p.servers().count(), 3);
    // Same list again: nothing new.
    assert!(!p.merge_discovered(&urls(&["b:4222", "[::2]:5222"]), &current));
    assert_eq!(p.servers().count(), 3);
}

#[test]
fn a_websocket_client_discovers_websocket_servers_with_its_path() {
    let mut p = pool("wss://u:p@a.example/nats", exact());
    let current = addr("wss://u:p@a.example/nats");
    p.connected(&current, Instant::now());
    // A WebSocket client's INFO lists the cluster's WebSocket listeners as host:port.
    assert!(p.merge_discovered(&urls(&["b.example:8443"]), &current));
    let b = p
        .servers()
        .find(|s| s.host == "b.example")
        .expect("b was added");
    assert_eq!(b.to_string(), "wss://b.example:8443/nats");
    assert_eq!(b.user.as_deref(), Some("u"));
}

#[test]
fn a_pool_mixing_websocket_and_tcp_is_refused() {
    let err = ServerPool::new(vec![addr("ws://a:8080"), addr("nats://b")], exact(), 1)
        .expect_err("mixed transports");
    assert!(err.to_string().contains("mix WebSocket and TCP"), "{err}");
}

#[test]
fn discovery_drops_stale_implicit_servers_but_keeps_explicit_and_current() {
    let mut p = pool("a", exact());
    let a = addr("a");
    p.connected(&a, Instant::now());
    assert!(p.merge_discovered(&urls(&["b:4222", "c:4222"]), &a));
    let c = addr("c");
    p.connected(&c, Instant::now());
    // b and c are gone from the cluster; c is current, a is explicit.
    assert!(p.merge_discovered(&urls(&["d:4222"]), &c));
    let mut got = hosts(&p);
    got.sort();
    assert_eq!(got, ["a", "c", "d"]);
    assert!(!p.merge_discovered(&[], &c), "empty list is a no-op");
    assert!(!p.merge_discovered(&urls(&["::garbage::", "x:y"]), &c));
    assert_eq!(p.servers().count(), 3, "unparsable lists drop nothing");
}

#[test]
fn discovery_can_be_ignored() {
    let policy = ReconnectPolicy {
        ignore_discovered: true,
        ..exact()
    };
    let mut p = pool("a", policy);
    assert!(!p.merge_discovered(&urls(&["b:4222"]), &addr("a")));
    assert_eq!(hosts(&p), ["a"]);
}

#[test]
fn discovery_shuffles_all_but_the_first() {
    let mut p = pool("a", ReconnectPolicy::default());
    let a = addr("a");
    p.connected(&a, Instant::now());
    let names: Vec<String> = (0..12).map(|i| format!("n{i}:4222")).collect();
    assert!(p.merge_discovered(&names, &a));
    let got = hosts(&p);
    assert_eq!(got[0], "a");
    let in_order: Vec<String> = (0..12).map(|i| format!("n{i}")).collect();
    assert_ne!(
        got[1..],
        in_order[..],
        "discovered servers should be shuffled"
    );
}

#[test]
fn ip_discovered_from_a_named_server_verifies_the_name() {
    let mut p = pool("tls://nats.example", exact());
    let current = addr("tls://nats.example");
    p.connected(&current, Instant::now());
    p.merge_discovered(&urls(&["10.0.0.2:4222", "other.example:4222"]), &current);
    assert_eq!(p.tls_server_name(&addr("tls://10.0.0.2")), "nats.example");
    assert_eq!(
        p.tls_server_name(&addr("tls://other.example")),
        "other.example"
    );
    assert_eq!(p.tls_server_name(&current), "nats.example");
}

mod proptests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Fail(usize),
        FailNext,
        Connected(usize),
        Disconnected,
        Left,
        Discover(Vec<usize>),
        Advance(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0usize..6).prop_map(Op::Fail),
            Just(Op::FailNext),
            (0usize..6).prop_map(Op::Connected),
            Just(Op::Disconnected),
            Just(Op::Left),
            proptest::collection::vec(0usize..6, 0..4).prop_map(Op::Discover),
            (0u64..5_000).prop_map(Op::Advance),
        ]
    }

    proptest! {
        #[test]
        fn jitter_always_in_range(seed: u64, jitter_ns in 0u64..1_000_000_000, passes in 1u32..40) {
            let t0 = Instant::now();
            let policy = ReconnectPolicy { jitter: Duration::from_nanos(jitter_ns), ..exact() };
            let mut p = ServerPool::new(addrs("a"), policy.clone(), seed).expect("non-empty");
            for pass in 1..=passes {
                fail_next(&mut p, t0);
                let (_, at) = p.next_attempt(t0).expect("unlimited");
                let extra = (at - t0) - policy.backoff(pass);
                prop_assert!(extra <= policy.jitter);
                prop_assert!(extra < policy.jitter || jitter_ns == 0);
            }
        }

        #[test]
        fn next_attempt_never_before_now(
            seed: u64,
            randomize: bool,
            max in proptest::option::of(1u32..4),
            ops in proptest::collection::vec(op(), 0..60),
        ) {
            let policy = ReconnectPolicy {
                randomize,
                max_reconnects_per_server: max,
                ..ReconnectPolicy::default()
            };
            let all: Vec<ServerAddr> = (0..6).map(|i| addr(&format!("h{i}"))).collect();
            let mut p = ServerPool::new(all[..3].to_vec(), policy, seed).expect("non-empty");
            let mut now = Instant::now();
            for op in ops {
                match op {
                    Op::Fail(i) => p.connect_failed(&all[i], now),
                    Op::FailNext => {
                        if let Some((s, at)) = p.next_attempt(now) {
                            now = at;
                            p.connect_failed(&s, now);
                        }
                    }
                    Op::Connected(i) => p.connected(&all[i], now),
                    Op::Disconnected => p.disconnected(now),
                    Op::Left => p.left(now),
                    Op::Discover(ix) => {
                        let list: Vec<String> = ix.iter().map(|&i| format!("h{i}:4222")).collect();
                        p.merge_discovered(&list, &all[0]);
                    }
                    Op::Advance(n) => now += Duration::from_millis(n),
                }
                let first = p.next_attempt(now);
                if let Some((server, at)) = &first {
                    prop_assert!(*at >= now);
                    prop_assert!(p.servers().any(|s| s == server));
                }
                prop_assert_eq!(first, p.next_attempt(now));
            }
        }
    }
}
