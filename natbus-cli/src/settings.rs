//! A command's connection settings: the `nats` context (named with `--context`, else the
//! selected one) with the connection flags applied over it, as the `nats` tool does.

use natbus_tokio::context::{Context, ContextStore};

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};

/// The context `--context` names, else the selected one (none when nothing is selected or
/// there is no configuration directory), with the flags applied over it.
///
/// # Errors
/// [`CliError::Context`] naming the file when the context is missing or malformed.
pub fn resolve(global: &GlobalArgs) -> CliResult<Context> {
    let mut context = match &global.context {
        Some(name) => ContextStore::from_env()?.load(name)?,
        None => match ContextStore::from_env() {
            Ok(store) => store.load_selected()?.unwrap_or_default(),
            // No home directory: nothing can have been selected.
            Err(_) => Context::new(),
        },
    };
    overlay(&mut context, global)?;
    Ok(context)
}

/// Applies the connection flags given to `context`. Any authentication flag replaces all
/// of the context's credentials, so a context's creds never mix with a flag's user.
///
/// # Errors
/// [`CliError::Usage`] for `--password` with no user from a flag or the context.
pub fn overlay(context: &mut Context, global: &GlobalArgs) -> CliResult {
    if let Some(server) = &global.server {
        context.url = Some(server.clone());
    }
    let path =
        |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.to_string_lossy().into_owned());
    if global.user.is_some()
        || global.token.is_some()
        || global.creds.is_some()
        || global.nkey.is_some()
    {
        context.user = global.user.clone();
        context.password = None;
        context.token = global.token.clone();
        context.creds = path(&global.creds);
        context.nkey = path(&global.nkey);
        context.user_jwt = None;
    }
    if let Some(password) = &global.password {
        if context.user.is_none() {
            return Err(CliError::Usage("--password needs --user".to_owned()));
        }
        context.password = Some(password.clone());
    }
    if let Some(ca) = path(&global.tlsca) {
        context.ca = Some(ca);
    }
    if let (Some(cert), Some(key)) = (path(&global.tlscert), path(&global.tlskey)) {
        context.cert = Some(cert);
        context.key = Some(key);
    }
    if global.tlsfirst {
        context.tls_first = true;
    }
    Ok(())
}
