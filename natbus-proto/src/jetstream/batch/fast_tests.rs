//! The fast-ingest state machine against a scripted server on a virtual clock: time only
//! moves when a test says so, so every wait, ping and timeout is exact.

use std::time::Duration;

use super::BatchError;
use super::fast::{FastBatch, FastBatchConfig, FastEvent, GapMode, MAX_EVENTS, Readiness};
use crate::time::Instant;

const SEC: Duration = Duration::from_secs(1);

fn ack(seq: u64, msgs: u16) -> Vec<u8> {
    format!(r#"{{"type":"ack","seq":{seq},"msgs":{msgs}}}"#).into_bytes()
}

fn gap(expected: u64, current: u64) -> Vec<u8> {
    format!(r#"{{"type":"gap","last_seq":{expected},"seq":{current}}}"#).into_bytes()
}

fn failed(seq: u64) -> Vec<u8> {
    format!(r#"{{"type":"err","seq":{seq},"error":{{"code":400,"err_code":10071,"description":"wrong last sequence: 1"}}}}"#).into_bytes()
}

fn pub_ack(seq: u64, count: u64) -> Vec<u8> {
    format!(r#"{{"stream":"S","seq":{seq},"batch":"b","count":{count}}}"#).into_bytes()
}

fn batch(config: FastBatchConfig, now: Instant) -> FastBatch {
    FastBatch::new(config, "_INBOX.t", "b", now).expect("valid id")
}

/// Sends messages while the batch allows; returns how many.
fn send_while_ready(b: &mut FastBatch, now: Instant) -> u64 {
    let mut n = 0;
    while b.readiness() == Readiness::Send {
        b.append(now).expect("ready");
        n += 1;
    }
    n
}

#[test]
fn the_first_answer_sets_the_window_and_acks_move_it() {
    let now = Instant::now();
    let mut b = batch(FastBatchConfig::default().flow(10), now);
    assert_eq!(b.append(now).expect("first"), "_INBOX.t.b.10.fail.1.0.$FI");
    assert_eq!(b.readiness(), Readiness::Wait);
    assert_eq!(b.append(now), Err(BatchError::AwaitingReply));
    // The server starts this publisher at 2 messages per ack: 2 acks x 2 = 4 in flight.
    b.handle_reply(&ack(0, 2), now);
    assert_eq!(send_while_ready(&mut b, now), 3);
    assert_eq!(b.sent(), 4);
    assert_eq!(b.append(now), Err(BatchError::NotReady));
    b.handle_reply(&ack(2, 2), now);
    assert_eq!(b.acked(), 2);
    assert_eq!(send_while_ready(&mut b, now), 2);
    // The server ramps up to 4: the window is acked + 8.
    b.handle_reply(&ack(4, 4), now);
    assert_eq!((b.acked(), b.flow()), (4, 4));
    assert_eq!(send_while_ready(&mut b, now), 6);
    assert_eq!(b.sent(), 12);
    assert_eq!(
        b.append(now).expect_err("full"),
        BatchError::NotReady,
        "the window is closed at 12"
    );
}

#[test]
fn a_later_ack_covers_lost_ones_and_old_ones_do_not_move_back() {
    let now = Instant::now();
    let mut b = batch(FastBatchConfig::default().max_outstanding_acks(1), now);
    b.append(now).expect("first");
    b.handle_reply(&ack(0, 5), now);
    assert_eq!(send_while_ready(&mut b, now), 4);
    // Acks for 5 and 10 are lost; the one for 15 arrives after 15 was sent.
    b.handle_reply(&ack(5, 5), now);
    send_while_ready(&mut b, now);
    b.handle_reply(&ack(10, 5), now);
    send_while_ready(&mut b, now);
    assert_eq!(b.sent(), 15);
    b.handle_reply(&ack(15, 5), now);
    b.handle_reply(&ack(10, 5), now); // late and out of order
    assert_eq!(b.acked(), 15);
    // An ack beyond what was sent (a misbehaving server) does not open a bigger window.
    b.handle_reply(&ack(1000, 5), now);
    assert_eq!(b.acked(), b.sent());
}

#[test]
fn commit_waits_for_the_pub_ack() {
    let now = Instant::now();
    let mut b = batch(FastBatchConfig::default(), now);
    b.append(now).expect("first");
    b.handle_reply(&ack(0, 100), now);
    b.append(now).expect("second");
    assert_eq!(
        b.commit(true, now).expect("commit"),
        "_INBOX.t.b.100.fail.3.2.$FI"
    );
    assert_eq!(b.readiness(), Readiness::Wait);
    assert_eq!(b.append(now), Err(BatchError::Finished));
    b.handle_reply(&ack(3, 100), now); // a flow ack before the PubAck changes nothing
    assert_eq!(b.poll_outcome(), None);
    b.handle_reply(&pub_ack(3, 3), now);
    assert_eq!(b.readiness(), Readiness::Over);
    let ack = b.poll_outcome().expect("over").expect("committed");
    assert_eq!(
        (ack.seq, ack.count, ack.batch.as_deref()),
        (3, 3, Some("b"))
    );
    assert_eq!(b.poll_outcome(), None, "given once");
    assert_eq!(b.poll_timeout(), None, "nothing to wait for");
}

#[test]
fn an_end_of_batch_commit_needs_messages() {
    let now = Instant::now();
    let mut b = batch(FastBatchConfig::default(), now);
    assert_eq!(b.commit(false, now), Err(BatchError::EmptyCommit));
    // A one-message batch commits at once, and its PubAck is the only answer.
    assert_eq!(
        b.commit(true, now).expect("commit"),
        "_INBOX.t.b.100.fail.1.2.$FI"
    );
    b.handle_reply(&pub_ack(1, 1), now);
    assert!(b.poll_outcome().expect("over").is_ok());

    let mut b = batch(FastBatchConfig::default().gap(GapMode::Ok), now);
    b.append(now).expect("first");
    b.handle_reply(&ack(0, 10), now);
    assert_eq!(
        b.commit(false, now).expect("eob"),
        "_INBOX.t.b.100.ok.2.3.$FI"
    );
}

#[test]
fn a_gap_ends_a_fail_mode_batch_with_what_was_stored() {
    let now = Instant::now();
    let mut b = batch(FastBatchConfig::default(), now);
    b.append(now).expect("first");
    b.handle_reply(&ack(0, 10), now);
    send_while_ready(&mut b, now);
    b.handle_reply(&gap(4, 6), now);
    assert!(b.is_stopping());
    let gap_error = BatchError::Gap {
        expected: 4,
        current: 6,
    };
    assert_eq!(b.append(now), Err(gap_error.clone()));
    assert_eq!(b.commit(true, now), Err(gap_error.clone()));
    b.handle_reply(&pub_ack(3, 3), now);
    assert_eq!(b.poll_outcome(), Some(Err(gap_error)));
    assert_eq!(b.final_ack().map(|a| a.count), Some(3));
    assert_eq!(
        b.poll_event(),
        Some(FastEvent::Gap {
            expected: 4,
            current: 6
        })
    );
}

#[test]
fn gaps_and_failures_are_only_reported_in_ok_mode() {
    let now = Instant::now();
    let mut b = batch(FastBatchConfig::default().gap(GapMode::Ok), now);
    b.append(now).expect("first");
    b.handle_reply(&ack(0, 10), now);
    b.handle_reply(&gap(2, 3), now);
    b.handle_reply(&failed(3), now);
    assert_eq!(b.readiness(), Readiness::Send);
    assert!(matches!(b.poll_event(), Some(FastEvent::Gap { .. })));
    assert!(
        matches!(b.poll_event(), Some(FastEvent::Failed { seq: 3, error }) if error.is_wrong_last_sequence())
    );
    assert_eq!(b.poll_event(), None);

    // In fail mode a failed message ends the batch.
    let mut b = batch(FastBatchConfig::default(), now);
    b.append(now).expect("first");
    b.handle_reply(&ack(0, 10), now);
    b.handle_reply(&failed(1), now);
    assert!(matches!(
        b.append(now),
        Err(BatchError::MessageFailed { seq: 1, .. })
    ));

    // A failure reported after the commit went out still fails the batch.
    let mut b = batch(FastBatchConfig::default(), now);
    b.append(now).expect("first");
    b.handle_reply(&ack(0, 10), now);
    b.append(now).expect("second");
    b.commit(true, now).expect("commit");
    b.handle_reply(&failed(2), now);
    b.handle_reply(&pub_ack(1, 1), now);
    assert!(matches!(
        b.poll_outcome(),
        Some(Err(BatchError::MessageFailed { seq: 2, .. }))
    ));
    assert_eq!(b.final_ack().map(|a| a.count), Some(1));
}

#[test]
fn rejections_and_no_responders_end_the_batch() {
    let now = Instant::now();
    let mut b = batch(FastBatchConfig::default(), now);
    b.append(now).expect("first");
    b.handle_reply(
        br#"{"error":{"code":400,"err_code":10205,"description":"batch publish is disabled"}}"#,
        now,
    );
    assert_eq!(b.readiness(), Readiness::Over);
    let err = b.poll_outcome().expect("over").expect_err("refused");
    assert!(err.to_string().contains("allow_batched"), "{err}");

    let mut b = batch(FastBatchConfig::default(), now);
    b.append(now).expect("first");
    b.handle_no_responders(now);
    assert_eq!(b.poll_outcome(), Some(Err(BatchError::NoStream)));

    // In ok mode a message nobody received later in the batch is only reported.
    let mut b = batch(FastBatchConfig::default().gap(GapMode::Ok), now);
    b.append(now).expect("first");
    b.handle_reply(&ack(0, 10), now);
    b.handle_no_responders(now);
    assert_eq!(b.poll_event(), Some(FastEvent::NotDelivered));
    assert_eq!(b.readiness(), Readiness::Send);
}

#[test]
fn a_pub_ack_before_the_commit_means_the_server_ended_the_batch() {
    let now = Instant::now();
    let mut b = batch(FastBatchConfig::default(), now);
    b.append(now).expect("first");
    b.handle_reply(&ack(0, 10), now);
    send_while_ready(&mut b, now);
    b.handle_reply(&pub_ack(5, 5), now);
    assert_eq!(
        b.poll_outcome(),
        Some(Err(BatchError::EndedByServer { stored: 5 }))
    );
}

#[test]
fn silence_brings_pings_then_a_timeout() {
    let start = Instant::now();
    let config = FastBatchConfig::default().ack_timeout(SEC).max_pings(2);
    let mut b = batch(config, start);
    b.append(start).expect("first");
    b.handle_reply(&ack(0, 1), start);
    send_while_ready(&mut b, start);
    assert_eq!(b.sent(), 2);
    assert_eq!(b.poll_timeout(), Some(start + SEC));
    b.handle_timeout(start + SEC / 2); // early: nothing
    assert_eq!(b.poll_ping(), None);
    b.handle_timeout(start + SEC);
    assert_eq!(
        b.poll_ping().as_deref(),
        Some("_INBOX.t.b.100.fail.2.4.$FI")
    );
    assert_eq!(b.poll_ping(), None, "one ping per timeout");
    // The ping is answered with the ack that was lost: the window opens, pings reset.
    b.handle_reply(&ack(1, 1), start + SEC);
    assert_eq!(b.readiness(), Readiness::Send);
    assert_eq!(b.poll_timeout(), None);
    b.append(start + SEC).expect("third");
    // Now nothing answers: two pings, then the batch fails.
    for _ in 0..2 {
        let at = b.poll_timeout().expect("waiting");
        b.handle_timeout(at);
        assert!(b.poll_ping().is_some());
    }
    let now = b.poll_timeout().expect("waiting");
    b.handle_timeout(now);
    assert_eq!(b.poll_ping(), None);
    assert_eq!(
        b.poll_outcome(),
        Some(Err(BatchError::TimedOut {
            waited: 3 * SEC,
            pings: 2
        }))
    );
    assert_eq!(b.poll_timeout(), None);
    assert_eq!(now, start + 4 * SEC);
}

#[test]
fn a_stopping_batch_waits_for_its_pub_ack_only_so_long() {
    let now = Instant::now();
    let mut b = batch(FastBatchConfig::default().ack_timeout(SEC), now);
    b.append(now).expect("first");
    b.handle_reply(&gap(1, 2), now);
    let at = b.poll_timeout().expect("waiting for the PubAck");
    b.handle_timeout(at);
    assert_eq!(b.poll_ping(), None, "no pings for a batch that is over");
    assert!(matches!(
        b.poll_outcome(),
        Some(Err(BatchError::Gap { .. }))
    ));
}

#[test]
fn events_are_bounded_and_bad_replies_change_nothing() {
    let now = Instant::now();
    let mut b = batch(FastBatchConfig::default().gap(GapMode::Ok), now);
    b.append(now).expect("first");
    b.handle_reply(b"not json", now);
    assert_eq!(
        b.readiness(),
        Readiness::Wait,
        "still awaiting the first answer"
    );
    assert!(matches!(b.poll_event(), Some(FastEvent::InvalidReply(_))));
    b.handle_reply(&ack(0, 10), now);
    for i in 0..(MAX_EVENTS as u64 + 10) {
        b.handle_reply(&gap(i, i + 1), now);
    }
    assert_eq!(b.dropped_events(), 10);
    assert_eq!(
        b.poll_event(),
        Some(FastEvent::Gap {
            expected: 10,
            current: 11
        })
    );
}

#[test]
fn ids_are_checked() {
    assert!(
        FastBatch::new(
            FastBatchConfig::default(),
            "_INBOX.t",
            "a.b",
            Instant::now()
        )
        .is_err()
    );
    assert!(FastBatch::new(FastBatchConfig::default(), "_INBOX.t", "", Instant::now()).is_err());
}

mod proptests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever the server's flow values and whichever acks are lost or reordered,
        /// the client never has more than `flow * max_outstanding` messages unacked, and
        /// a ping's answer (the latest ack) always lets it go on.
        #[test]
        fn the_window_holds_and_never_stalls(
            flows in proptest::collection::vec(1u16..20, 1..30),
            lost in proptest::collection::vec(any::<bool>(), 30),
            outstanding in 1u8..=3,
        ) {
            let now = Instant::now();
            let mut b = batch(FastBatchConfig::default().flow(20).max_outstanding_acks(outstanding), now);
            b.append(now).expect("first");
            b.handle_reply(&ack(0, flows[0]), now);
            for (i, flow) in flows.iter().enumerate() {
                send_while_ready(&mut b, now);
                let window = u64::from(b.flow()) * u64::from(outstanding);
                prop_assert!(b.sent() <= b.acked() + window);
                prop_assert_eq!(b.readiness(), Readiness::Wait);
                // The server acks what it has; the ack may be lost, then a ping brings it.
                let reply = ack(b.sent(), *flow);
                if lost[i % lost.len()] {
                    let at = b.poll_timeout().expect("waiting");
                    b.handle_timeout(at);
                    prop_assert!(b.poll_ping().is_some());
                }
                b.handle_reply(&reply, now);
                prop_assert_eq!(b.readiness(), Readiness::Send);
            }
        }
    }
}
