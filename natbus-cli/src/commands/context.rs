//! `natbus context`: the `nats` tool's contexts, read and written in the same files
//! (`$XDG_CONFIG_HOME/nats/context/NAME.json`, the selection in `nats/context.txt`).

use clap::{Args, Subcommand};
use natbus_tokio::context::{Context, ContextStore};
use serde_json::{Value, json};

use crate::cli::GlobalArgs;
use crate::error::CliResult;
use crate::output;
use crate::settings;

/// `natbus context …`.
#[derive(Debug, Args)]
pub struct ContextArgs {
    /// What to do.
    #[command(subcommand)]
    command: ContextCommand,
}

/// The context subcommands, named as in `nats context`.
#[derive(Debug, Subcommand)]
enum ContextCommand {
    /// List the contexts; the selected one is marked with '*'.
    #[command(alias = "list")]
    Ls,
    /// Show a context's settings (default: the selected one); secrets are masked.
    #[command(alias = "info")]
    Show {
        /// The context.
        #[arg(id = "context_name", value_name = "NAME")]
        name: Option<String>,
    },
    /// Make NAME the selected context, used when --context is not given.
    Select {
        /// The context.
        #[arg(id = "context_name", value_name = "NAME")]
        name: String,
    },
    /// Create or update context NAME from the connection flags (--server, --user,
    /// --password, --token, --creds, --nkey, --tlsca, --tlscert, --tlskey, --tlsfirst);
    /// settings not given are kept.
    #[command(alias = "add")]
    Save(SaveArgs),
}

/// `context save`'s own settings.
#[derive(Debug, Args)]
struct SaveArgs {
    /// The context. (Its id differs from the global --name's, which clap would mix in.)
    #[arg(id = "context_name", value_name = "NAME")]
    name: String,
    /// A note for people.
    #[arg(long)]
    description: Option<String>,
    /// JetStream domain.
    #[arg(long, value_name = "DOMAIN")]
    js_domain: Option<String>,
    /// JetStream API prefix (an API imported from another account).
    #[arg(long, value_name = "PREFIX")]
    js_api_prefix: Option<String>,
    /// Prefix of reply subjects.
    #[arg(long, value_name = "PREFIX")]
    inbox_prefix: Option<String>,
    /// Also make it the selected context.
    #[arg(long)]
    select: bool,
}

/// Runs a context subcommand.
///
/// # Errors
/// [`crate::error::CliError::Context`] naming the file that is missing, malformed or not
/// writable.
pub fn run(global: &GlobalArgs, args: ContextArgs) -> CliResult {
    let store = ContextStore::from_env()?;
    match args.command {
        ContextCommand::Ls => list(global, &store),
        ContextCommand::Show { name } => show(global, &store, name),
        ContextCommand::Select { name } => {
            store.select(&name)?;
            output::note(format!("Selected context \"{name}\""));
            Ok(())
        }
        ContextCommand::Save(args) => save(global, &store, args),
    }
}

fn list(global: &GlobalArgs, store: &ContextStore) -> CliResult {
    let selected = store.selected()?;
    let mut rows = Vec::new();
    for name in store.list()? {
        // A broken file is still listed, so it can be found and fixed.
        let description = match store.load(&name) {
            Ok(context) => context.description.unwrap_or_default(),
            Err(e) => format!("(unreadable: {e})"),
        };
        let is_selected = selected.as_deref() == Some(name.as_str());
        rows.push((name, description, is_selected));
    }
    if global.json {
        let list: Vec<Value> = rows
            .iter()
            .map(|(name, description, selected)| {
                json!({"name": name, "description": description, "selected": selected})
            })
            .collect();
        return output::json_pretty(&list);
    }
    if rows.is_empty() {
        output::note(format!("No contexts in {}", store.dir().display()));
        return Ok(());
    }
    let mut table = output::Table::new(&["Name", "Description"]);
    for (name, description, selected) in rows {
        let marker = if selected { "*" } else { "" };
        table.row(vec![format!("{name}{marker}"), description]);
    }
    output::write_stdout(table.render().as_bytes())
}

fn show(global: &GlobalArgs, store: &ContextStore, name: Option<String>) -> CliResult {
    let context = match name {
        Some(name) => store.load(&name)?,
        None => match store.load_selected()? {
            Some(context) => context,
            None => {
                return Err(natbus_tokio::context::ContextError::NoneSelected {
                    path: store.selection_file(),
                }
                .into());
            }
        },
    };
    let selected = store.selected()?.as_deref() == context.name();
    let mask = |v: &Option<String>| v.as_ref().map(|_| "*********".to_owned());
    let rows: Vec<(&str, Option<String>)> = vec![
        ("Name", context.name().map(str::to_owned)),
        ("Path", context.path().map(|p| p.display().to_string())),
        ("Selected", Some(selected.to_string())),
        ("Description", context.description.clone()),
        ("Server URLs", Some(context.server_url().to_owned())),
        ("Username", context.user.clone()),
        ("Password", mask(&context.password)),
        ("Token", mask(&context.token)),
        ("Credentials", context.creds.clone()),
        ("NKey", context.nkey.clone()),
        ("User JWT", mask(&context.user_jwt)),
        ("Certificate", context.cert.clone()),
        ("Key", context.key.clone()),
        ("CA", context.ca.clone()),
        ("TLS first", context.tls_first.then(|| "true".to_owned())),
        ("JetStream domain", context.jetstream_domain.clone()),
        ("JetStream API prefix", context.jetstream_api_prefix.clone()),
        ("Inbox prefix", context.inbox_prefix.clone()),
        ("SOCKS proxy", context.socks_proxy.clone()),
        ("nsc", context.nsc.clone()),
    ];
    let rows: Vec<(&str, String)> = rows
        .into_iter()
        .filter_map(|(label, value)| value.map(|v| (label, v)))
        .collect();
    if global.json {
        let mut map: serde_json::Map<String, Value> = rows
            .into_iter()
            .map(|(label, value)| (json_key(label), Value::String(value)))
            .collect();
        map.insert("selected".to_owned(), Value::Bool(selected));
        map.insert("tls_first".to_owned(), Value::Bool(context.tls_first));
        return output::json_pretty(&map);
    }
    output::write_stdout(output::fields(&rows).as_bytes())
}

/// `Server URLs` → `server_urls`.
fn json_key(label: &str) -> String {
    label.to_lowercase().replace(' ', "_")
}

fn save(global: &GlobalArgs, store: &ContextStore, args: SaveArgs) -> CliResult {
    let mut context = match store.load(&args.name) {
        Ok(context) => context,
        Err(natbus_tokio::context::ContextError::NotFound { .. }) => Context::new(),
        Err(e) => return Err(e.into()),
    };
    settings::overlay(&mut context, global)?;
    let set = |field: &mut Option<String>, value: Option<String>| {
        if let Some(value) = value {
            *field = Some(value).filter(|v| !v.is_empty());
        }
    };
    set(&mut context.description, args.description);
    set(&mut context.jetstream_domain, args.js_domain);
    set(&mut context.jetstream_api_prefix, args.js_api_prefix);
    set(&mut context.inbox_prefix, args.inbox_prefix);
    let path = store.save(&args.name, &context)?;
    output::note(format!(
        "Saved context \"{}\" in {}",
        args.name,
        path.display()
    ));
    if args.select {
        store.select(&args.name)?;
        output::note(format!("Selected context \"{}\"", args.name));
    }
    Ok(())
}
