//! Test harness: starts a real `nats-server` for integration tests.
//!
//! Each [`NatsServer`] is its own process on a free loopback port, with its own temporary
//! directory (config file, JetStream store, log, ports file). The process is killed and the
//! directory removed when the value is dropped, including when the owning test panics.
//!
//! A server counts as ready when it has written its ports file, a TCP connection gets
//! `INFO {` as its first line, and the server no longer counts that probe connection (so
//! a test that checks `/connz` sees only its own clients). Not ready within 10 seconds is a
//! panic holding the server log.
//!
//! The API is synchronous (only `std::process` and `std::net`), so tests written for any
//! async runtime can use it. Failures panic with the server's log: this is test code, and a
//! panic with the reason is the most useful thing a failing test can do.
//!
//! ```no_run
//! use natbus_tests::NatsServer;
//!
//! let server = NatsServer::builder().user_password("alice", "s3cret").start();
//! let url = server.client_url_with_credentials(); // nats://alice:s3cret@127.0.0.1:<port>
//! # let _ = url;
//! ```
//!
//! For faults a real server cannot be made to produce (a server that fails every connection
//! right after the handshake, or announces absurd limits), [`FakeServer`] plays a scripted
//! server on a loopback port.
//!
//! The binary is found by [`nats_server_bin`]; `scripts/install-nats-server` installs the
//! pinned version into the workspace, and `scripts/test-servers` runs the suite against
//! older releases too. [`server_version`] says which one runs, and [`server_at_least`]
//! lets a test of a newer feature skip itself with the reason printed.

mod auth;
mod binary;
mod builder;
mod cluster;
mod fake_server;
mod monitor;
mod ready;
mod server;
mod temp_dir;
mod version;
mod websocket;

pub use binary::nats_server_bin;
pub use builder::ServerBuilder;
pub use cluster::NatsCluster;
pub use fake_server::{FakeServer, FakeServerBuilder};
pub use server::{NatsServer, Paused};
pub use temp_dir::TempDir;
pub use version::{ServerVersion, server_at_least, server_version};
