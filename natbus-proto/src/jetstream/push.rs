//! Control messages on a push consumer's deliver subject: heartbeats and flow control.
//!
//! Both arrive as status `100` with an empty body. A flow-control request must be answered
//! with an empty publish to its reply subject once the message reaches the point of
//! delivery to the user; a heartbeat that carries `Nats-Consumer-Stalled` means such an
//! answer is overdue, and the subject in that header must be answered too.

use std::time::{Duration, Instant};

use crate::time;

/// Heartbeat header: the flow-control subject the server is waiting on.
pub const NATS_CONSUMER_STALLED: &str = "Nats-Consumer-Stalled";

/// What a status message on a push subscription asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushControl {
    /// `100 Idle Heartbeat`; when `stalled` is set, publish an empty message to it.
    Heartbeat {
        /// The flow-control subject from `Nats-Consumer-Stalled`.
        stalled: Option<String>,
    },
    /// `100 FlowControl Request`: publish an empty message to `reply` once the messages
    /// before it were delivered to the user.
    FlowControl {
        /// The message's reply subject (`$JS.FC.…`); do not parse it.
        reply: String,
    },
    /// Any other status (or a flow-control request without a reply subject).
    Other {
        /// Status code.
        code: u16,
        /// Description.
        description: String,
    },
}

impl PushControl {
    /// The subject to answer with an empty publish, if any.
    pub fn reply_subject(&self) -> Option<&str> {
        match self {
            Self::Heartbeat { stalled } => stalled.as_deref(),
            Self::FlowControl { reply } => Some(reply),
            Self::Other { .. } => None,
        }
    }
}

/// Classifies a status message on a push consumer's deliver subject. `reply` is the
/// message's reply subject; `stalled` the value of `Nats-Consumer-Stalled`.
pub fn classify_push_status(
    code: u16,
    description: &str,
    reply: Option<&str>,
    stalled: Option<&str>,
) -> PushControl {
    let d = description.to_ascii_lowercase();
    match (code, reply) {
        (100, Some(reply)) if d.contains("flowcontrol") || d.contains("flow control") => {
            PushControl::FlowControl {
                reply: reply.to_owned(),
            }
        }
        (100, _) if d.contains("heartbeat") => PushControl::Heartbeat {
            stalled: stalled.filter(|s| !s.is_empty()).map(str::to_owned),
        },
        _ => PushControl::Other {
            code,
            description: description.to_owned(),
        },
    }
}

/// Remembers which flow-control subject was answered last, so a request is answered once.
/// A heartbeat's `Nats-Consumer-Stalled` is answered every time it comes (the server still
/// waits, so an earlier answer was lost); recording it here keeps the request for the
/// same subject from being answered again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowControlReplies {
    last: Option<String>,
}

impl FlowControlReplies {
    /// Whether `subject` still needs an answer; records it as answered if so.
    pub fn should_answer(&mut self, subject: &str) -> bool {
        if self.last.as_deref() == Some(subject) {
            return false;
        }
        self.last = Some(subject.to_owned());
        true
    }
}

/// Watches for missed idle heartbeats: alarm when nothing arrived for
/// `multiplier` × `interval` (ADR-15 suggests 3; the newer Go API uses 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatMonitor {
    interval: Duration,
    multiplier: u32,
    last: Option<Instant>,
}

impl HeartbeatMonitor {
    /// A monitor that is not running until [`on_activity`](Self::on_activity).
    pub fn new(interval: Duration, multiplier: u32) -> Self {
        Self {
            interval,
            multiplier: multiplier.max(1),
            last: None,
        }
    }

    /// The heartbeat interval being watched.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Any message or status arrived (or the monitor starts now).
    pub fn on_activity(&mut self, now: Instant) {
        self.last = Some(now);
    }

    /// Stops watching (e.g. while disconnected).
    pub fn stop(&mut self) {
        self.last = None;
    }

    /// When the alarm fires, if running.
    pub fn deadline(&self) -> Option<Instant> {
        Some(time::deadline(
            self.last?,
            self.interval.saturating_mul(self.multiplier),
        ))
    }

    /// Whether heartbeats were missed at `now`; the monitor restarts from `now` so the
    /// alarm fires once per silent period.
    pub fn check(&mut self, now: Instant) -> bool {
        match self.deadline() {
            Some(d) if now >= d => {
                self.last = Some(now);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_heartbeat_and_flow_control() {
        assert_eq!(
            classify_push_status(100, "Idle Heartbeat", None, None),
            PushControl::Heartbeat { stalled: None }
        );
        let fc = classify_push_status(
            100,
            "FlowControl Request",
            Some("$JS.FC.ORDERS.pc.FQin"),
            None,
        );
        assert_eq!(
            fc,
            PushControl::FlowControl {
                reply: "$JS.FC.ORDERS.pc.FQin".into()
            }
        );
        assert_eq!(fc.reply_subject(), Some("$JS.FC.ORDERS.pc.FQin"));
        let stalled =
            classify_push_status(100, "Idle Heartbeat", None, Some("$JS.FC.ORDERS.pc.FQin"));
        assert_eq!(stalled.reply_subject(), Some("$JS.FC.ORDERS.pc.FQin"));
        assert_eq!(
            classify_push_status(100, "Idle Heartbeat", None, None).reply_subject(),
            None
        );
    }

    #[test]
    fn other_statuses() {
        assert!(matches!(
            classify_push_status(100, "FlowControl Request", None, None),
            PushControl::Other { code: 100, .. }
        ));
        assert!(matches!(
            classify_push_status(409, "Consumer Deleted", None, None),
            PushControl::Other { code: 409, .. }
        ));
        assert_eq!(
            classify_push_status(409, "Consumer Deleted", Some("x"), None).reply_subject(),
            None
        );
    }

    #[test]
    fn answers_each_flow_control_subject_once() {
        let mut r = FlowControlReplies::default();
        assert!(r.should_answer("$JS.FC.a"));
        assert!(!r.should_answer("$JS.FC.a"));
        assert!(r.should_answer("$JS.FC.b"));
    }

    #[test]
    fn heartbeat_monitor_with_virtual_clock() {
        let t0 = Instant::now();
        let mut m = HeartbeatMonitor::new(Duration::from_secs(5), 3);
        assert_eq!(m.deadline(), None);
        assert!(!m.check(t0 + Duration::from_secs(100)));
        m.on_activity(t0);
        assert_eq!(m.deadline(), Some(t0 + Duration::from_secs(15)));
        assert!(!m.check(t0 + Duration::from_secs(14)));
        assert!(m.check(t0 + Duration::from_secs(15)));
        assert!(
            !m.check(t0 + Duration::from_secs(16)),
            "restarted from the alarm"
        );
        m.stop();
        assert_eq!(m.deadline(), None);
    }
}
