//! The `natbus` binary run as a user runs it: a subprocess against a real nats-server.

mod support;

mod bench;
mod errors;
mod help;
mod pubsub;
mod request;
mod server;
mod service;
