//! natbus over tokio.
