use std::collections::HashMap;
use std::time::Duration;

use super::*;

/// The headers of a batch reply carrying message `seq` with `pending` left after it.
fn message(
    read: &mut DirectBatch,
    seq: u64,
    pending: u64,
) -> Result<DirectMessage, DirectBatchError> {
    let seq_text = seq.to_string();
    let pending_text = pending.to_string();
    let h: HashMap<&str, &str> = HashMap::from([
        ("Nats-Stream", "S"),
        ("Nats-Subject", "a.b"),
        ("Nats-Sequence", seq_text.as_str()),
        ("Nats-Time-Stamp", "2025-03-01T09:15:02Z"),
        ("Nats-Num-Pending", pending_text.as_str()),
        ("Nats-Last-Sequence", "0"),
    ]);
    read.on_message(&|n| h.get(n).copied(), None, Bytes::from_static(b"x"))
}

fn eob(
    read: &mut DirectBatch,
    pending: u64,
    last: u64,
    up_to: Option<u64>,
) -> Result<BatchEvent, DirectBatchError> {
    let (pending, last) = (pending.to_string(), last.to_string());
    let up_to = up_to.map(|u| u.to_string());
    let mut h: HashMap<&str, &str> = HashMap::from([
        ("Nats-Num-Pending", pending.as_str()),
        ("Nats-Last-Sequence", last.as_str()),
    ]);
    if let Some(u) = &up_to {
        h.insert("Nats-UpTo-Sequence", u.as_str());
    }
    read.on_status(204, "EOB", &|n| h.get(n).copied())
}

fn next_page(event: Result<BatchEvent, DirectBatchError>) -> GetRequest {
    match event {
        Ok(BatchEvent::NextPage(req)) => req,
        other => panic!("expected a next page, got {other:?}"),
    }
}

#[test]
fn subject_batches_page_forward_from_the_last_sequence_read() {
    let mut read = DirectBatch::new(BatchQuery::next("a.>", BatchStart::Sequence(0)), 2, None);
    let first = read.first_request();
    assert_eq!(
        (first.seq, first.next_by_subj.as_deref(), first.batch),
        (Some(1), Some("a.>"), Some(2))
    );
    assert_eq!(message(&mut read, 3, 2).expect("msg").message.sequence, 3);
    message(&mut read, 9, 1).expect("msg");
    let second = next_page(eob(&mut read, 1, 9, None));
    assert_eq!((second.seq, second.batch), (Some(10), Some(2)));
    message(&mut read, 12, 0).expect("msg");
    assert_eq!(eob(&mut read, 0, 12, None), Ok(BatchEvent::Done));
    assert!(read.is_done());
    assert_eq!(eob(&mut read, 0, 12, None), Err(DirectBatchError::AfterEnd));
}

#[test]
fn a_limit_shrinks_the_last_page_and_ends_the_read() {
    let mut read = DirectBatch::new(BatchQuery::next("a", BatchStart::Sequence(5)), 4, Some(5));
    assert_eq!(read.first_request().batch, Some(4));
    for seq in 5..9 {
        message(&mut read, seq, 10).expect("msg");
    }
    let last = next_page(eob(&mut read, 6, 8, None));
    assert_eq!((last.seq, last.batch), (Some(9), Some(1)));
    message(&mut read, 9, 5).expect("msg");
    assert_eq!(eob(&mut read, 5, 9, None), Ok(BatchEvent::Done));
    assert!(DirectBatch::new(BatchQuery::next("a", BatchStart::Sequence(1)), 4, Some(0)).is_done());
}

#[test]
fn a_time_start_is_sent_once_then_sequences_take_over() {
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut read = DirectBatch::new(BatchQuery::next("a", BatchStart::Time(t)), 1, None);
    let first = read.first_request();
    assert_eq!((first.seq, first.start_time), (None, Some(t)));
    message(&mut read, 40, 3).expect("msg");
    let second = next_page(eob(&mut read, 3, 40, None));
    assert_eq!((second.seq, second.start_time), (Some(41), None));
}

#[test]
fn multi_last_pins_its_snapshot_across_pages() {
    let query = BatchQuery::MultiLast {
        subjects: vec!["kv.>".into(), "x".into()],
        as_of: Some(AsOf::Time(SystemTime::UNIX_EPOCH + Duration::from_secs(5))),
    };
    assert_eq!(query.feature(), Feature::DirectGetMultiLast);
    let mut read = DirectBatch::new(query, 2, None);
    let first = read.first_request();
    assert_eq!(first.multi_last, ["kv.>", "x"]);
    assert_eq!((first.seq, first.up_to_seq), (None, None));
    assert!(first.up_to_time.is_some());
    message(&mut read, 2, 3).expect("msg");
    message(&mut read, 4, 2).expect("msg");
    let second = next_page(eob(&mut read, 2, 4, Some(50)));
    assert_eq!(
        (second.seq, second.up_to_seq, second.up_to_time),
        (Some(5), Some(50), None)
    );
    message(&mut read, 7, 1).expect("msg");
    // A later page's EOB names a later snapshot; the first one stays.
    let third = next_page(eob(&mut read, 1, 7, Some(60)));
    assert_eq!((third.seq, third.up_to_seq), (Some(8), Some(50)));
}

#[test]
fn statuses_end_or_fail_the_read() {
    let fresh = || DirectBatch::new(BatchQuery::multi_last(["a.>"]), 10, None);
    let none = |_: &str| None;
    let mut read = fresh();
    assert_eq!(
        read.on_status(404, "No Results", &none),
        Ok(BatchEvent::Done)
    );
    let mut read = fresh();
    assert_eq!(
        read.on_status(413, "Too Many Results", &none),
        Err(DirectBatchError::TooManySubjects)
    );
    let mut read = fresh();
    assert_eq!(
        read.on_status(408, "Bad Request", &none),
        Err(DirectBatchError::Status {
            code: 408,
            description: "Bad Request".into()
        })
    );
    let mut read = fresh();
    assert_eq!(
        eob(&mut read, 4, 0, None),
        Err(DirectBatchError::NoProgress(4))
    );
}

#[test]
fn a_plain_reply_means_the_server_cannot_batch() {
    let mut read = DirectBatch::new(BatchQuery::next("a", BatchStart::Sequence(1)), 10, None);
    let h: HashMap<&str, &str> = HashMap::from([
        ("Nats-Stream", "S"),
        ("Nats-Subject", "a"),
        ("Nats-Sequence", "1"),
        ("Nats-Time-Stamp", "2025-03-01T09:15:02Z"),
    ]);
    assert_eq!(
        read.on_message(&|n| h.get(n).copied(), None, Bytes::new()),
        Err(DirectBatchError::Unsupported)
    );
    assert!(read.is_done());
}
