//! Requests: many in flight over one inbox subscription, and how each one fails.

use super::*;

#[test]
fn requests_are_muxed_over_one_inbox_and_fail_clearly() {
    let mut s = Script::new(config(&["127.0.0.1"]));
    s.handshake();
    let t = Duration::from_secs(1);
    let a = s
        .conn
        .request("svc.add", None, Bytes::from_static(b"1"), t, s.now)
        .expect("valid");
    let b = s
        .conn
        .request("svc.add", None, Bytes::from_static(b"2"), t, s.now)
        .expect("valid");
    let c = s
        .conn
        .request("nobody", None, Bytes::new(), t, s.now)
        .expect("valid");
    let out = s.written();
    assert_eq!(
        out.matches("SUB ").count(),
        1,
        "one inbox subscription: {out}"
    );
    let inbox_line = out.lines().next().expect("SUB first");
    let parts: Vec<&str> = inbox_line.split(' ').collect();
    let (wildcard, sid) = (parts[1], parts[2]);
    assert!(wildcard.starts_with("_INBOX.") && wildcard.ends_with(".*"));
    let base = wildcard.trim_end_matches('*');
    s.events();
    assert!(
        out.contains(&format!("PUB svc.add {base}1 1\r\n1\r\n")),
        "{out}"
    );
    // Replies arrive out of order; the no-responders status comes for the third.
    s.read(&format!("MSG {base}2 {sid} 3\r\ntwo\r\n"));
    s.read(&format!(
        "HMSG {base}3 {sid} 38 38\r\nNATS/1.0 503\r\nNats-Subject: nobody\r\n\r\n\r\n"
    ));
    let events = s.events();
    assert!(
        matches!(&events[0], Event::Reply { id, result: Ok(m) } if *id == b && &m.payload[..] == b"two")
    );
    assert_eq!(
        events[1],
        Event::Reply {
            id: c,
            result: Err(RequestError::NoResponders)
        }
    );
    s.advance(Duration::from_secs(2));
    assert_eq!(
        s.events(),
        vec![Event::Reply {
            id: a,
            result: Err(RequestError::TimedOut)
        }]
    );
    // A late reply for a timed-out request is ignored.
    s.read(&format!("MSG {base}1 {sid} 3\r\nold\r\n"));
    assert_eq!(s.events(), vec![]);
}
