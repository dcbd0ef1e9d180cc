//! Control messages on a push consumer's deliver subject: heartbeats and flow control.
//!
//! Both arrive as status `100` with an empty body. A flow-control request must be answered
//! with an empty publish to its reply subject once the message reaches the point of
//! delivery to the user; a heartbeat that carries `Nats-Consumer-Stalled` means such an
//! answer is overdue, and the subject in that header must be answered too.

use crate::time::Instant;
use std::time::Duration;

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
    /// Call for every flow-control request, with its reply subject: whether it still
    /// needs an answer (records it as answered if so; a repeated request needs none).
    pub fn handle_flow_control(&mut self, subject: &str) -> bool {
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
    /// A monitor that is not running until [`handle_activity`](Self::handle_activity).
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

    /// Call when any message or status arrived (or to start the monitor now).
    pub fn handle_activity(&mut self, now: Instant) {
        self.last = Some(now);
    }

    /// Stops watching (e.g. while disconnected).
    pub fn stop(&mut self) {
        self.last = None;
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called, if running.
    pub fn poll_timeout(&self) -> Option<Instant> {
        Some(time::deadline(
            self.last?,
            self.interval.saturating_mul(self.multiplier),
        ))
    }

    /// Call when [`poll_timeout`](Self::poll_timeout) passed; returns whether heartbeats
    /// were missed at `now` (the monitor restarts from `now`, so this is true once per
    /// silent period).
    pub fn handle_timeout(&mut self, now: Instant) -> bool {
        match self.poll_timeout() {
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
        assert!(r.handle_flow_control("$JS.FC.a"));
        assert!(!r.handle_flow_control("$JS.FC.a"));
        assert!(r.handle_flow_control("$JS.FC.b"));
    }

    #[test]
    fn heartbeat_monitor_with_virtual_clock() {
        let t0 = Instant::now();
        let mut m = HeartbeatMonitor::new(Duration::from_secs(5), 3);
        assert_eq!(m.poll_timeout(), None);
        assert!(!m.handle_timeout(t0 + Duration::from_secs(100)));
        m.handle_activity(t0);
        assert_eq!(m.poll_timeout(), Some(t0 + Duration::from_secs(15)));
        assert!(!m.handle_timeout(t0 + Duration::from_secs(14)));
        assert!(m.handle_timeout(t0 + Duration::from_secs(15)));
        assert!(
            !m.handle_timeout(t0 + Duration::from_secs(16)),
            "restarted from the alarm"
        );
        m.stop();
        assert_eq!(m.poll_timeout(), None);
    }
}
