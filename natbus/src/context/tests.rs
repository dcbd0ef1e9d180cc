//! Contexts in temporary configuration directories: the `nats` tool's file format, the
//! selection, and the connect options a context makes. Never the real home directory.

use std::path::{Path, PathBuf};

use natbus_proto::connect::Auth;

use super::*;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("natbus-context-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("the temp dir is writable");
        TempDir(path)
    }

    fn store(&self) -> ContextStore {
        ContextStore::new(&self.0)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a file in a directory")).expect("writable");
    std::fs::write(path, text).expect("writable");
}

/// A context file as `nats context save` writes it (every field, empty ones as "").
const NATS_WRITTEN: &str = r#"{
  "description": "production",
  "url": "nats://a:4222,nats://b:4222",
  "socks_proxy": "",
  "token": "",
  "user": "app",
  "password": "s3cret",
  "creds": "",
  "nkey": "",
  "cert": "",
  "key": "",
  "ca": "",
  "nsc": "",
  "jetstream_domain": "hub",
  "jetstream_api_prefix": "",
  "jetstream_event_prefix": "",
  "inbox_prefix": "_INBOX_app",
  "user_jwt": "",
  "color_scheme": "",
  "tls_first": false,
  "future_field": {"kept": true}
}"#;

#[test]
fn reads_the_files_the_nats_tool_writes() {
    let dir = TempDir::new();
    let store = dir.store();
    write(&dir.0.join("nats/context/prod.json"), NATS_WRITTEN);
    let context = store.load("prod").expect("a valid context");
    assert_eq!(context.description.as_deref(), Some("production"));
    assert_eq!(context.server_url(), "nats://a:4222,nats://b:4222");
    assert_eq!(context.user.as_deref(), Some("app"));
    assert_eq!(context.password.as_deref(), Some("s3cret"));
    assert_eq!(context.token, None, "an empty string is unset");
    assert_eq!(context.jetstream_domain.as_deref(), Some("hub"));
    assert_eq!(context.inbox_prefix.as_deref(), Some("_INBOX_app"));
    assert_eq!(context.name(), Some("prod"));
    assert_eq!(
        context.path(),
        Some(dir.0.join("nats/context/prod.json").as_path())
    );
}

#[test]
fn saves_every_field_by_the_nats_names_and_keeps_unknown_ones() {
    let dir = TempDir::new();
    let store = dir.store();
    write(&dir.0.join("nats/context/prod.json"), NATS_WRITTEN);
    let mut context = store.load("prod").expect("a valid context");
    context.token = None;
    context.url = Some("nats://c:4222".to_owned());
    context.other.insert("name".to_owned(), "prod".into());
    let path = store.save("copy", &context).expect("saved");
    assert_eq!(path, dir.0.join("nats/context/copy.json"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("readable")).expect("JSON");
    assert_eq!(json["url"], "nats://c:4222");
    assert_eq!(
        json["token"], "",
        "unset fields are written empty, as nats does"
    );
    assert_eq!(json["tls_first"], false);
    assert_eq!(json["future_field"]["kept"], true);
    assert!(json.get("name").is_none(), "{json}");
    for field in [
        "description",
        "creds",
        "nkey",
        "cert",
        "key",
        "ca",
        "user_jwt",
    ] {
        assert!(json.get(field).is_some(), "{field} missing: {json}");
    }
    let again = store.load("copy").expect("reloads");
    assert_eq!(again.url.as_deref(), Some("nats://c:4222"));
    assert_eq!(again.user, context.user);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "owner only: it may hold a password");
    }
}

#[test]
fn missing_and_malformed_files_are_named() {
    let dir = TempDir::new();
    let store = dir.store();
    let err = store.load("nope").expect_err("no such context");
    assert!(matches!(err, ContextError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("nats/context/nope.json"), "{err}");

    write(&dir.0.join("nats/context/bad.json"), "{\"url\": ");
    let err = store.load("bad").expect_err("truncated JSON");
    assert!(matches!(err, ContextError::Parse { .. }), "{err:?}");
    assert!(err.to_string().contains("bad.json"), "{err}");

    write(&dir.0.join("nats/context/typed.json"), r#"{"url": 4222}"#);
    let err = store.load("typed").expect_err("a number is not a URL");
    assert!(
        err.to_string()
            .contains("typed.json is not a valid nats context"),
        "{err}"
    );

    write(&dir.0.join("nats/context/list.json"), "[]");
    assert!(matches!(
        store.load("list"),
        Err(ContextError::Parse { .. })
    ));
}

#[test]
fn lists_contexts_sorted_skipping_what_nats_skips() {
    let dir = TempDir::new();
    let store = dir.store();
    assert_eq!(
        store.list().expect("no directory is no contexts"),
        Vec::<String>::new()
    );
    for name in ["b", "a", "ngs.js"] {
        write(&dir.0.join(format!("nats/context/{name}.json")), "{}");
    }
    write(&dir.0.join("nats/context/empty.json"), "");
    write(&dir.0.join("nats/context/notes.txt"), "x");
    write(&dir.0.join("nats/context/with space.json"), "{}");
    std::fs::create_dir_all(dir.0.join("nats/context/dir.json")).expect("writable");
    assert_eq!(store.list().expect("listable"), ["a", "b", "ngs.js"]);
}

#[test]
fn selection_names_an_existing_context() {
    let dir = TempDir::new();
    let store = dir.store();
    assert_eq!(store.selected().expect("readable"), None);
    assert!(store.load_selected().expect("nothing selected").is_none());
    let err = store.select("prod").expect_err("no such context yet");
    assert!(matches!(err, ContextError::NotFound { .. }), "{err:?}");
    assert!(
        !store.selection_file().exists(),
        "a failed select writes nothing"
    );

    store.save("prod", &Context::new()).expect("saved");
    store.select("prod").expect("selected");
    assert_eq!(
        std::fs::read_to_string(dir.0.join("nats/context.txt")).expect("written"),
        "prod",
        "the nats tool's file, beside the context directory"
    );
    assert_eq!(
        store
            .load_selected()
            .expect("loads")
            .and_then(|c| c.name().map(str::to_owned)),
        Some("prod".to_owned())
    );

    write(&store.selection_file(), "  gone\n");
    assert_eq!(store.selected().expect("readable").as_deref(), Some("gone"));
    let err = store
        .load_selected()
        .expect_err("selects a missing context");
    assert!(err.to_string().contains("gone.json"), "{err}");
}

#[test]
fn names_that_are_paths_are_refused() {
    let store = ContextStore::new("/nonexistent");
    for name in [
        "",
        "../etc/passwd",
        "a/b",
        "a\\b",
        "..",
        "a b",
        "a\nb",
        "a*",
        "a>",
    ] {
        let err = store.path(name).expect_err(name);
        assert!(
            matches!(err, ContextError::InvalidName { .. }),
            "{name:?}: {err:?}"
        );
        assert!(store.load(name).is_err() && store.save(name, &Context::new()).is_err());
    }
    assert!(store.path("ngs.js").is_ok() && store.path("prod-eu_1").is_ok());
}

#[test]
fn connect_options_follow_the_nats_precedence() {
    let mut context = Context::new();
    let options = context.connect_options().expect("an empty context works");
    assert_eq!(options.servers, [DEFAULT_URL]);
    assert!(matches!(options.auth, Auth::None));

    context.url = Some("nats://a:1,nats://b:2".to_owned());
    context.user = Some("app".to_owned());
    context.password = Some("pw".to_owned());
    context.token = Some("ignored with a user".to_owned());
    context.inbox_prefix = Some("_I".to_owned());
    let options = context.connect_options().expect("valid");
    assert_eq!(options.servers, ["nats://a:1", "nats://b:2"]);
    assert!(
        matches!(&options.auth, Auth::UserPassword { user, password } if user == "app" && password == "pw"),
        "{:?}",
        options.auth
    );
    assert_eq!(options.inbox_prefix, "_I");

    context.user = None;
    let options = context.connect_options().expect("valid");
    assert!(matches!(&options.auth, Auth::Token(t) if t == "ignored with a user"));
}

#[cfg(feature = "jetstream")]
#[test]
fn jetstream_domain_or_prefix_reaches_the_options() {
    let mut context = Context::new();
    context.jetstream_domain = Some("hub".to_owned());
    let options = context.connect_options().expect("valid");
    assert_eq!(options.jetstream_prefix.as_str(), "$JS.hub.API");
    context.jetstream_api_prefix = Some("$JS.imported.API".to_owned());
    let options = context.connect_options().expect("valid");
    assert_eq!(
        options.jetstream_prefix.as_str(),
        "$JS.imported.API",
        "the prefix wins"
    );
}

#[cfg(feature = "nkeys")]
#[test]
fn creds_and_nkey_files_are_read_when_connecting() {
    let mut context = Context::new();
    context.creds = Some("/nonexistent/user.creds".to_owned());
    context.nkey = Some("/nonexistent/user.nk".to_owned());
    let options = context.connect_options().expect("files are not read yet");
    let err = options
        .connection_config()
        .expect_err("the creds file is missing");
    assert!(err.to_string().contains("/nonexistent/user.creds"), "{err}");

    let dir = TempDir::new();
    let seed_file = dir.0.join("user.nk");
    let user = nkeys::KeyPair::new_user();
    write(
        &seed_file,
        &format!("# a comment\n{}\n", user.seed().expect("a seed")),
    );
    context.creds = None;
    context.nkey = Some(seed_file.to_string_lossy().into_owned());
    let config = context
        .connect_options()
        .expect("valid")
        .connection_config()
        .expect("the seed file is read");
    assert!(
        matches!(&config.auth, Auth::Nkey { public_key, .. } if *public_key == user.public_key())
    );

    context.user_jwt = Some("eyJ.jwt".to_owned());
    let config = context
        .connect_options()
        .expect("valid")
        .connection_config()
        .expect("read");
    assert!(matches!(&config.auth, Auth::Jwt { jwt, .. } if jwt == "eyJ.jwt"));

    write(&seed_file, "no seed\n");
    let err = context
        .connect_options()
        .expect("valid")
        .connection_config()
        .expect_err("no seed");
    assert!(err.to_string().contains("no user nkey seed"), "{err}");
}

#[test]
fn settings_natbus_cannot_honour_are_refused_by_name() {
    let dir = TempDir::new();
    let store = dir.store();
    write(
        &dir.0.join("nats/context/proxied.json"),
        r#"{"socks_proxy": "localhost:1080"}"#,
    );
    let err = store
        .load("proxied")
        .expect("loads")
        .connect_options()
        .expect_err("no SOCKS");
    assert!(err.to_string().contains("socks_proxy"), "{err}");
    assert!(err.to_string().contains("proxied.json"), "{err}");

    let mut context = Context::new();
    context.nsc = Some("nsc://op/acc/user".to_owned());
    assert!(matches!(
        context.connect_options(),
        Err(ContextError::Unsupported { .. })
    ));

    let mut context = Context::new();
    context.cert = Some("/c.pem".to_owned());
    let err = context.connect_options().expect_err("a cert needs its key");
    assert!(matches!(err, ContextError::Invalid { .. }), "{err:?}");

    let mut context = Context::new();
    context.user_jwt = Some("eyJ".to_owned());
    assert!(matches!(
        context.connect_options(),
        Err(ContextError::Invalid { .. })
    ));
}
