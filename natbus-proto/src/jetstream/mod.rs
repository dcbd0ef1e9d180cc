//! JetStream: API subjects, request and response JSON types, ack metadata, pure consumer logic.
