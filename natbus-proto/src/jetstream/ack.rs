//! Acknowledgement bodies: what to publish to a message's `$JS.ACK.…` reply subject.

use std::time::Duration;

/// An acknowledgement of a delivered JetStream message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AckKind {
    /// `+ACK`: processed.
    Ack,
    /// `-NAK`: redeliver now, or after the delay (`-NAK {"delay": <ns>}`).
    Nak(Option<Duration>),
    /// `+TERM`: never redeliver; the optional reason goes into an advisory.
    Term(Option<String>),
    /// `+WPI`: still working; resets the ack timer. May be sent repeatedly.
    Progress,
    /// `+NXT`: ack and ask for the next message (send it as a request).
    Next,
}

impl AckKind {
    /// Appends the exact body to `buf`.
    pub fn write_to(&self, buf: &mut Vec<u8>) {
        match self {
            Self::Ack => buf.extend_from_slice(b"+ACK"),
            Self::Nak(None) => buf.extend_from_slice(b"-NAK"),
            Self::Nak(Some(delay)) => {
                let ns = crate::time::saturating_nanos(*delay);
                buf.extend_from_slice(format!("-NAK {{\"delay\": {ns}}}").as_bytes());
            }
            Self::Term(None) => buf.extend_from_slice(b"+TERM"),
            Self::Term(Some(reason)) => {
                buf.extend_from_slice(b"+TERM ");
                buf.extend_from_slice(reason.as_bytes());
            }
            Self::Progress => buf.extend_from_slice(b"+WPI"),
            Self::Next => buf.extend_from_slice(b"+NXT"),
        }
    }

    /// The exact body to publish.
    pub fn body(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(8);
        self.write_to(&mut buf);
        buf
    }

    /// Whether this ack settles the message (ack, nak or term): further acks for the same
    /// delivery should be ignored. Progress does not settle it.
    pub fn is_final(&self) -> bool {
        !matches!(self, Self::Progress)
    }

    /// Reads an ack body the way the server does: `+ACK`, empty or `+OK` ack; `+WPI`
    /// exactly; `-NAK`, `+TERM` and `+NXT` by prefix. A NAK delay that does not parse is a
    /// plain NAK. Returns `None` for anything else. (For test servers and tools.)
    pub fn parse(body: &[u8]) -> Option<Self> {
        match body {
            b"" | b"+ACK" | b"+OK" => return Some(Self::Ack),
            b"+WPI" => return Some(Self::Progress),
            _ => {}
        }
        let text = std::str::from_utf8(body).ok()?;
        if let Some(rest) = text.strip_prefix("-NAK") {
            return Some(Self::Nak(parse_nak_delay(rest.trim())));
        }
        if let Some(rest) = text.strip_prefix("+TERM") {
            let reason = rest.trim();
            return Some(Self::Term((!reason.is_empty()).then(|| reason.to_owned())));
        }
        text.starts_with("+NXT").then_some(Self::Next)
    }
}

fn parse_nak_delay(rest: &str) -> Option<Duration> {
    #[derive(serde::Deserialize)]
    struct Delay {
        delay: i64,
    }
    let d: Delay = serde_json::from_str(rest).ok()?;
    Some(Duration::from_nanos(d.delay.max(0).unsigned_abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bodies() {
        assert_eq!(AckKind::Ack.body(), b"+ACK");
        assert_eq!(AckKind::Nak(None).body(), b"-NAK");
        assert_eq!(
            AckKind::Nak(Some(Duration::from_secs(5))).body(),
            br#"-NAK {"delay": 5000000000}"#
        );
        assert_eq!(AckKind::Term(None).body(), b"+TERM");
        assert_eq!(
            AckKind::Term(Some("bad input".into())).body(),
            b"+TERM bad input"
        );
        assert_eq!(AckKind::Progress.body(), b"+WPI");
        assert_eq!(AckKind::Next.body(), b"+NXT");
    }

    #[test]
    fn write_to_appends() {
        let mut buf = b"x".to_vec();
        AckKind::Ack.write_to(&mut buf);
        assert_eq!(buf, b"x+ACK");
    }

    #[test]
    fn finality() {
        assert!(AckKind::Ack.is_final());
        assert!(AckKind::Nak(None).is_final());
        assert!(AckKind::Term(None).is_final());
        assert!(!AckKind::Progress.is_final());
    }

    #[test]
    fn parses_like_the_server() {
        for kind in [
            AckKind::Ack,
            AckKind::Nak(None),
            AckKind::Nak(Some(Duration::from_millis(250))),
            AckKind::Term(None),
            AckKind::Term(Some("why".into())),
            AckKind::Progress,
            AckKind::Next,
        ] {
            assert_eq!(AckKind::parse(&kind.body()), Some(kind));
        }
        assert_eq!(AckKind::parse(b""), Some(AckKind::Ack));
        assert_eq!(AckKind::parse(b"+OK"), Some(AckKind::Ack));
        assert_eq!(AckKind::parse(b"-NAK 5s"), Some(AckKind::Nak(None)));
        assert_eq!(AckKind::parse(b"+NXT 10"), Some(AckKind::Next));
        assert_eq!(AckKind::parse(b"+ACK "), None);
        assert_eq!(AckKind::parse(b"+WPI\n"), None);
        assert_eq!(AckKind::parse(b"hello"), None);
    }
}
