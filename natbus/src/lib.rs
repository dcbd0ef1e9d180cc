//! The runtime-agnostic async NATS client.
