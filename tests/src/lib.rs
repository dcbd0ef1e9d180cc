//! Test harness: starts a real nats-server for integration tests.
