use super::*;

fn parse(s: &str) -> ServerAddr {
    s.parse()
        .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

fn problem(s: &str) -> AddrProblem {
    match s.parse::<ServerAddr>() {
        Err(AddrError::Invalid { problem, .. }) => problem,
        other => panic!("{s:?} should be invalid, got {other:?}"),
    }
}

#[test]
fn full_url_with_user_and_password() {
    let a = parse("nats://alice:s3cret@demo.nats.io:4443");
    assert_eq!(a.scheme, Scheme::Nats);
    assert_eq!(a.host, "demo.nats.io");
    assert_eq!(a.port, 4443);
    assert_eq!(a.user.as_deref(), Some("alice"));
    assert_eq!(a.password.as_deref(), Some("s3cret"));
    assert_eq!(a.token, None);
}

#[test]
fn short_forms_default_scheme_and_port() {
    assert_eq!(
        parse("localhost:5222"),
        ServerAddr::new(Scheme::Nats, "localhost", 5222)
    );
    assert_eq!(
        parse("localhost"),
        ServerAddr::new(Scheme::Nats, "localhost", 4222)
    );
    assert_eq!(
        parse("  10.0.0.1  "),
        ServerAddr::new(Scheme::Nats, "10.0.0.1", 4222)
    );
    assert_eq!(
        parse("nats://host/"),
        ServerAddr::new(Scheme::Nats, "host", 4222)
    );
}

#[test]
fn tls_scheme_requires_tls() {
    let a = parse("tls://secure.example");
    assert_eq!(a.scheme, Scheme::Tls);
    assert_eq!(a.port, 4222);
    assert!(a.tls_required());
    assert!(!parse("NATS://h").tls_required());
}

#[test]
fn ipv6_forms() {
    assert_eq!(
        parse("[::1]:4222"),
        ServerAddr::new(Scheme::Nats, "::1", 4222)
    );
    assert_eq!(
        parse("nats://[::1]"),
        ServerAddr::new(Scheme::Nats, "::1", 4222)
    );
    assert_eq!(parse("tls://[fe80::2]:7422").host, "fe80::2");
    assert_eq!(parse("::1"), ServerAddr::new(Scheme::Nats, "::1", 4222));
    assert_eq!(parse("nats://[::1]:4223").to_string(), "nats://[::1]:4223");
}

#[test]
fn userinfo_is_percent_decoded_and_token_when_no_password() {
    let a = parse("nats://us%40er:p%3Ass%2Fw@h");
    assert_eq!(a.user.as_deref(), Some("us@er"));
    assert_eq!(a.password.as_deref(), Some("p:ss/w"));
    let t = parse("nats://s3cr%C3%A9t@h:1");
    assert_eq!(t.token.as_deref(), Some("s3cr\u{e9}t"));
    assert_eq!(t.user, None);
    assert_eq!(t.password, None);
    // An unescaped '@' in the password: the last '@' ends the userinfo.
    assert_eq!(parse("nats://u:p@ss@h").password.as_deref(), Some("p@ss"));
    assert_eq!(parse("nats://@h"), ServerAddr::new(Scheme::Nats, "h", 4222));
}

#[test]
fn display_and_debug_hide_credentials() {
    let a = parse("nats://alice:s3cret@h:4222");
    assert_eq!(a.to_string(), "nats://h:4222");
    let dbg = format!("{a:?}");
    assert!(!dbg.contains("s3cret"), "{dbg}");
    assert!(dbg.contains("alice"));
    let t = parse("tls://tok123@h");
    assert_eq!(t.to_string(), "tls://h:4222");
    assert!(!format!("{t:?}").contains("tok123"));
}

#[test]
fn errors_are_specific() {
    assert_eq!(problem("host:abc"), AddrProblem::PortNotANumber);
    assert_eq!(problem("host:"), AddrProblem::EmptyPort);
    assert_eq!(problem("host:70000"), AddrProblem::PortOutOfRange);
    assert_eq!(problem("host:0"), AddrProblem::PortOutOfRange);
    assert_eq!(
        problem("host:99999999999999999999"),
        AddrProblem::PortOutOfRange
    );
    assert_eq!(problem("nats://"), AddrProblem::MissingHost);
    assert_eq!(problem(":4222"), AddrProblem::MissingHost);
    assert_eq!(problem("nats://u:p@"), AddrProblem::MissingHost);
    assert_eq!(problem("[::1"), AddrProblem::UnclosedBracket);
    assert_eq!(problem("[example.com]:1"), AddrProblem::NotIpv6);
    assert_eq!(problem("[::1]x"), AddrProblem::InvalidHost);
    assert_eq!(problem("a:b:4222"), AddrProblem::InvalidHost);
    assert_eq!(problem("my host"), AddrProblem::InvalidHost);
    assert_eq!(problem("nats://h:4222/path"), AddrProblem::UnexpectedPath);
    assert_eq!(problem("nats://h?x=1"), AddrProblem::UnexpectedPath);
    assert_eq!(problem("nats://u:%zz@h"), AddrProblem::BadPercentEscape);
    assert_eq!(problem("nats://u:%4@h"), AddrProblem::BadPercentEscape);
    assert_eq!(problem("nats://%FF@h"), AddrProblem::UserInfoNotUtf8);
    assert_eq!("".parse::<ServerAddr>(), Err(AddrError::Empty));
    assert_eq!("   ".parse::<ServerAddr>(), Err(AddrError::Empty));
}

#[test]
fn error_messages_are_actionable_and_redacted() {
    let e = "nats://bob:hunter2@host:abc"
        .parse::<ServerAddr>()
        .expect_err("must be rejected");
    assert_eq!(
        e.to_string(),
        "invalid server URL 'nats://***@host:abc': port is not a number"
    );
    let e = "http://host"
        .parse::<ServerAddr>()
        .expect_err("must be rejected");
    assert_eq!(
        e.to_string(),
        "invalid server URL 'http://host': unknown scheme 'http://', expected nats://, tls://, ws:// or wss://"
    );
}

#[test]
fn websocket_urls_take_http_ports_and_a_path() {
    let a = parse("ws://localhost");
    assert_eq!((a.scheme, a.port, a.path.as_str()), (Scheme::Ws, 80, ""));
    assert!(a.is_websocket() && !a.tls_required());
    let a = parse("WSS://alice:pw@host.example/nats");
    assert_eq!(
        (a.scheme, a.port, a.path.as_str()),
        (Scheme::Wss, 443, "/nats")
    );
    assert_eq!(a.user.as_deref(), Some("alice"));
    assert!(
        !a.tls_required(),
        "TLS is under the WebSocket, not a NATS upgrade"
    );
    assert_eq!(a.to_string(), "wss://host.example:443/nats");
    let a = parse("wss://[::1]:8443/a/b%20c/");
    assert_eq!(
        (a.host.as_str(), a.port, a.path.as_str()),
        ("::1", 8443, "/a/b%20c/")
    );
    assert_eq!(a.to_string(), "wss://[::1]:8443/a/b%20c/");
    assert_eq!(parse("ws://h:8080/").path, "", "a lone slash is no path");
    assert_eq!(parse("ws://h:8080").to_string(), "ws://h:8080");
}

#[test]
fn websocket_paths_are_checked() {
    assert_eq!(problem("ws://h/nats?x=1"), AddrProblem::UnexpectedQuery);
    assert_eq!(problem("ws://h?x=1"), AddrProblem::UnexpectedQuery);
    assert_eq!(problem("wss://h/a#top"), AddrProblem::UnexpectedQuery);
    assert_eq!(problem("ws://h/a b"), AddrProblem::InvalidPath);
    assert_eq!(problem("ws://h/a\rb"), AddrProblem::InvalidPath);
    assert_eq!(problem("ws://h/caf\u{e9}"), AddrProblem::InvalidPath);
    assert_eq!(problem("nats://h/nats"), AddrProblem::UnexpectedPath);
    assert_eq!(problem("tls://h:4222?x"), AddrProblem::UnexpectedPath);
    assert_eq!(problem("ws:///nats"), AddrProblem::MissingHost);
}

#[test]
fn a_list_mixing_websocket_and_tcp_is_refused() {
    let e = ServerAddr::parse_list("ws://u:p@a:8080,nats://b:4222").expect_err("mixed");
    assert_eq!(
        e,
        AddrError::MixedTransports {
            websocket: "ws://a:8080".into(),
            tcp: "nats://b:4222".into()
        }
    );
    let text = e.to_string();
    assert!(
        text.contains("mix WebSocket and TCP") && !text.contains("u:p"),
        "{text}"
    );
    assert!(ServerAddr::parse_list("ws://a,wss://b/x").is_ok());
    assert!(ServerAddr::parse_list("a,tls://b").is_ok());
}

#[test]
fn parses_lists() {
    let list = ServerAddr::parse_list("nats://a:4222, b:5222 ,tls://c,").expect("valid list");
    assert_eq!(
        list,
        vec![
            ServerAddr::new(Scheme::Nats, "a", 4222),
            ServerAddr::new(Scheme::Nats, "b", 5222),
            ServerAddr::new(Scheme::Tls, "c", 4222),
        ]
    );
    assert!(matches!(
        ServerAddr::parse_list(" , "),
        Err(AddrError::EmptyList { .. })
    ));
    let e = ServerAddr::parse_list("a,b:x").expect_err("must be rejected");
    assert!(matches!(
        e,
        AddrError::Invalid {
            problem: AddrProblem::PortNotANumber,
            ..
        }
    ));
}

#[test]
fn same_endpoint_ignores_scheme_credentials_and_case() {
    let a = parse("nats://u:p@Host.Example:4222");
    let b = parse("tls://host.example");
    assert!(a.same_endpoint(&b));
    assert_ne!(a, b);
    assert!(!a.same_endpoint(&parse("host.example:4223")));
    assert!(!a.same_endpoint(&parse("other.example")));
}

#[test]
fn host_is_ip() {
    assert!(parse("10.1.2.3").host_is_ip());
    assert!(parse("[::1]").host_is_ip());
    assert!(!parse("nats.example").host_is_ip());
}

#[test]
fn redact_hides_userinfo_only() {
    assert_eq!(redact("nats://a:b@h:1"), "nats://***@h:1");
    assert_eq!(redact("a:b@h"), "***@h");
    assert_eq!(redact("nats://h:1"), "nats://h:1");
}

mod proptests {
    use super::super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC{0,60}") {
            let _ = s.parse::<ServerAddr>();
            let _ = ServerAddr::parse_list(&s);
        }

        #[test]
        fn url_like_strings_never_panic(s in "[a-z]{0,5}(://)?[a-z:@%\\[\\]0-9/.]{0,30}") {
            if let Ok(a) = s.parse::<ServerAddr>() {
                prop_assert!(!a.host.is_empty());
                prop_assert!(a.port > 0);
            }
        }

        #[test]
        fn display_round_trips_without_credentials(
            host in "[a-z][a-z0-9.-]{0,20}",
            port in 1u16..,
            scheme in prop::sample::select(vec![Scheme::Nats, Scheme::Tls, Scheme::Ws, Scheme::Wss]),
            path in "(/[a-zA-Z0-9%._~-]{1,8}){0,3}",
        ) {
            let mut a = ServerAddr::new(scheme, host, port);
            if scheme.is_websocket() {
                a.path = path;
            }
            prop_assert_eq!(a.to_string().parse::<ServerAddr>(), Ok(a));
        }

        #[test]
        fn credentials_round_trip_through_percent_encoding(user in "\\PC{1,12}", pass in "\\PC{0,12}") {
            let enc = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
            let url = format!("nats://{}:{}@h", enc(&user), enc(&pass));
            let a = url.parse::<ServerAddr>().expect("fully escaped userinfo parses");
            prop_assert_eq!(a.user, Some(user));
            prop_assert_eq!(a.password, Some(pass));
        }
    }
}
