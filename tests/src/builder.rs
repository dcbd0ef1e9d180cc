//! Configuring a test server before it starts.

use crate::auth::{Auth, quote};
use crate::server::NatsServer;
use crate::websocket::WebSocketListener;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Configures a [`NatsServer`]; made by [`NatsServer::builder`].
///
/// Everything not set here keeps the nats-server defaults.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start` is called"]
pub struct ServerBuilder {
    pub(crate) jetstream: bool,
    pub(crate) auth: Auth,
    pub(crate) extra_config: String,
    pub(crate) args: Vec<String>,
    /// The server waits for the client's TLS handshake before sending INFO.
    pub(crate) silent_until_tls: bool,
    pub(crate) on_port_taken: Option<PortTakenHook>,
    pub(crate) websocket: Option<WebSocketListener>,
}

/// What [`ServerBuilder::on_port_taken`] runs; shared so that the builder stays `Clone`.
#[derive(Clone)]
pub(crate) struct PortTakenHook(Arc<Mutex<dyn FnMut() + Send>>);

impl PortTakenHook {
    pub(crate) fn call(&self) {
        // A poisoned lock means an earlier call panicked; that panic is the test's failure.
        if let Ok(mut hook) = self.0.lock() {
            hook();
        }
    }
}

impl fmt::Debug for PortTakenHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PortTakenHook")
    }
}

impl Default for ServerBuilder {
    fn default() -> Self {
        Self {
            jetstream: true,
            auth: Auth::None,
            extra_config: String::new(),
            args: Vec::new(),
            silent_until_tls: false,
            on_port_taken: None,
            websocket: None,
        }
    }
}

impl ServerBuilder {
    /// Enables or disables JetStream (default: enabled, with a store in the server's own
    /// temp dir, so tests never see each other's streams).
    pub fn jetstream(mut self, on: bool) -> Self {
        self.jetstream = on;
        self
    }

    /// Requires clients to send this user and password. Replaces any token set before.
    pub fn user_password(mut self, user: &str, pass: &str) -> Self {
        self.auth = Auth::UserPassword {
            user: user.to_owned(),
            pass: pass.to_owned(),
        };
        self
    }

    /// Requires clients to send this auth token. Replaces any user/password set before.
    pub fn token(mut self, token: &str) -> Self {
        self.auth = Auth::Token(token.to_owned());
        self
    }

    /// Appends raw nats-server config text (e.g. `max_payload: 2048`).
    ///
    /// Do not repeat blocks the builder writes itself (`authorization`, `jetstream`): use
    /// the builder methods for those. Can be called more than once.
    pub fn config(mut self, text: &str) -> Self {
        self.extra_config.push_str(text);
        self.extra_config.push('\n');
        self
    }

    /// Appends one command-line argument for nats-server (e.g. `--server_name`, then `x`).
    ///
    /// Do not pass `-a`, `-p`, `-m` or `-c`: the harness sets those.
    pub fn arg(mut self, a: &str) -> Self {
        self.args.push(a.to_owned());
        self
    }

    /// Says that the config makes the server wait for the client's TLS handshake before it
    /// sends INFO (`tls { handshake_first: true }`), so readiness cannot wait for a
    /// plain-text INFO: the client port accepting connections is enough.
    pub fn silent_until_tls(mut self) -> Self {
        self.silent_until_tls = true;
        self
    }

    /// Runs `hook` each time a start attempt failed because a port fixed in the config was
    /// taken, before the harness tries again; lets a test of that retry free the port at
    /// exactly that moment.
    pub fn on_port_taken(mut self, hook: impl FnMut() + Send + 'static) -> Self {
        self.on_port_taken = Some(PortTakenHook(Arc::new(Mutex::new(hook))));
        self
    }

    /// Adds a WebSocket listener without TLS (`websocket { port, no_tls: true }`) on a free
    /// port: clients reach it at [`NatsServer::websocket_url`] (`ws://`).
    pub fn websocket(mut self) -> Self {
        self.websocket = Some(WebSocketListener {
            tls: None,
            verify_clients: None,
        });
        self
    }

    /// Adds a WebSocket listener with TLS from these PEM files (a certificate for
    /// 127.0.0.1): clients reach it at [`NatsServer::websocket_url`] (`wss://`). With
    /// `verify_clients`, clients must present a certificate signed by that CA.
    pub fn websocket_tls(
        mut self,
        cert_file: &Path,
        key_file: &Path,
        verify_clients: Option<&Path>,
    ) -> Self {
        self.websocket = Some(WebSocketListener {
            tls: Some((cert_file.to_owned(), key_file.to_owned())),
            verify_clients: verify_clients.map(Path::to_owned),
        });
        self
    }

    /// Starts the server and waits until it is ready for clients.
    ///
    /// # Panics
    ///
    /// When the server cannot be started or is not ready within 10 seconds; the message
    /// holds the server's log.
    pub fn start(self) -> NatsServer {
        NatsServer::launch(self)
    }

    /// The config file content for a server whose JetStream store (if enabled) is
    /// `store_dir`, without the WebSocket block (its port is only known after the first
    /// start; see [`WebSocketListener::config_block`]).
    pub(crate) fn render_config(&self, store_dir: Option<&Path>) -> String {
        let mut text = String::from("# written by natbus-tests for one test server\n");
        text.push_str(&self.auth.config_block());
        if let Some(dir) = store_dir {
            let dir = quote(&dir.to_string_lossy());
            text.push_str(&format!("jetstream {{\n  store_dir: {dir}\n}}\n"));
        }
        text.push_str(&self.extra_config);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_enable_jetstream_and_nothing_else() {
        let b = ServerBuilder::default();
        assert!(b.jetstream);
        assert_eq!(b.auth, Auth::None);
        let text = b.render_config(Some(Path::new("/tmp/x/js")));
        assert_eq!(
            text,
            "# written by natbus-tests for one test server\n\
             jetstream {\n  store_dir: \"/tmp/x/js\"\n}\n"
        );
    }

    #[test]
    fn later_auth_replaces_earlier() {
        let b = ServerBuilder::default().user_password("u", "p").token("t");
        assert_eq!(b.auth, Auth::Token("t".into()));
        let b = ServerBuilder::default().token("t").user_password("u", "p");
        assert_eq!(b.auth.url_userinfo(), "u:p@");
    }

    #[test]
    fn config_and_args_accumulate() {
        let b = ServerBuilder::default()
            .jetstream(false)
            .config("max_payload: 2048")
            .config("max_connections: 10")
            .arg("--server_name")
            .arg("x");
        assert_eq!(b.args, ["--server_name", "x"]);
        let text = b.render_config(None);
        assert!(!text.contains("jetstream"), "{text}");
        assert!(
            text.ends_with("max_payload: 2048\nmax_connections: 10\n"),
            "{text}"
        );
    }
}
