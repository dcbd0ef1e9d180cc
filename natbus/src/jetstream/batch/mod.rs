//! Batch publishing (ADR-50): atomic batches ([`AtomicBatchPublisher`]) and fast-ingest
//! batches ([`FastPublisher`]). The protocols are natbus-proto's
//! ([`natbus_proto::jetstream::batch`]); this is their async driving.

pub(crate) mod atomic;
pub(crate) mod fast;
