//! The server pool and the reconnect backoff policy, as data.
