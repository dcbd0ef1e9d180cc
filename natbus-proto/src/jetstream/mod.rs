//! JetStream: API subjects, request and response JSON types, ack metadata, pure consumer logic.

pub mod account;
pub mod api;
pub mod base64;
pub mod errors;
mod json;
pub mod response;
pub mod stream;
pub mod stream_info;
pub mod consumer;
pub mod stream_msg;
pub mod ack;
pub mod consumer_info;
pub mod metadata;
pub mod publish;
pub mod pull;
pub mod pull_tracker;
pub mod ordered;
pub mod push;
pub mod kv;
