//! The NATS Service API (ADR-32): subjects, discovery and stats JSON, validation.
