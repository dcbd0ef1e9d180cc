//! Turning the global flags into a connected client.

use natbus_tokio::{Client, ConnectError, ConnectOptions};

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};

/// The connect options the global flags ask for.
///
/// # Errors
/// [`CliError::NotSupported`] for `--creds`, which needs nkey/JWT signing.
pub fn options(global: &GlobalArgs) -> CliResult<ConnectOptions> {
    if global.creds.is_some() {
        return Err(CliError::NotSupported(
            "--creds (JWT/nkey credentials files)",
        ));
    }
    let mut options = ConnectOptions::new()
        .server(&global.server)
        .name(&global.name)
        .connect_timeout(global.timeout)
        .request_timeout(global.timeout);
    match (&global.user, &global.password, &global.token) {
        (Some(user), Some(password), _) => options = options.user_password(user, password),
        (None, Some(_), _) => {
            return Err(CliError::Usage("--password needs --user".to_owned()));
        }
        (_, _, Some(token)) => options = options.token(token),
        _ => {}
    }
    Ok(options)
}

/// Connects with the global flags.
///
/// # Errors
/// [`CliError::Connect`] naming the server when no connection could be made.
pub async fn connect(global: &GlobalArgs) -> CliResult<Client> {
    connect_with(global, options(global)?).await
}

/// Connects with `options` (built from [`options`] and adjusted by the command).
///
/// # Errors
/// As [`connect`].
pub async fn connect_with(global: &GlobalArgs, options: ConnectOptions) -> CliResult<Client> {
    // The client's own connect timeout covers each attempt; this bounds the whole call.
    let limit = global.timeout + global.timeout;
    match tokio::time::timeout(limit, natbus_tokio::connect_with(options)).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(ConnectError::Unreachable(reason))) => Err(CliError::Unreachable {
            server: redact(&global.server),
            reason,
        }),
        Ok(Err(source)) => Err(CliError::Connect {
            server: redact(&global.server),
            source,
        }),
        Err(_) => Err(CliError::TimedOut(format!(
            "could not connect to {} within {:?}",
            redact(&global.server),
            limit
        ))),
    }
}

/// The server list without passwords or tokens, for messages.
pub fn redact(servers: &str) -> String {
    servers
        .split(',')
        .map(|url| match (url.find("://"), url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                format!("{}://***@{}", &url[..scheme], &url[at + 1..])
            }
            (None, Some(at)) => format!("***@{}", &url[at + 1..]),
            _ => url.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn hides_credentials() {
        assert_eq!(redact("nats://a:b@host:4222"), "nats://***@host:4222");
        assert_eq!(redact("tok@host,nats://h2"), "***@host,nats://h2");
        assert_eq!(redact("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
    }
}
