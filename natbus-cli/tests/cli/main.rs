//! The `natbus` binary run as a user runs it: a subprocess against a real nats-server.

mod support;

mod auth;
mod bench;
mod consumer;
mod consumer_control;
mod context;
mod counter;
mod errors;
mod help;
mod js_publish;
mod kv;
mod kv_ttl;
mod object;
mod object_watch;
mod pubsub;
mod request;
mod schedule;
mod server;
mod service;
mod stream;
mod websocket;
