//! Turning the global flags into a connected client.

use natbus_tokio::{Client, ConnectError, ConnectOptions, Subscriber};

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};

/// The connect options of the resolved context and flags ([`GlobalArgs::settings`]).
///
/// # Errors
/// [`CliError::Context`] for context settings natbus cannot honour. A bad creds, nkey or
/// TLS file fails the connect instead, naming the file.
pub fn options(global: &GlobalArgs) -> CliResult<ConnectOptions> {
    Ok(global
        .settings
        .connect_options()?
        .name(&global.name)
        .connect_timeout(global.timeout)
        .request_timeout(global.timeout))
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
    let limit = global.timeout.saturating_mul(2);
    match tokio::time::timeout(limit, natbus_tokio::connect_with(options)).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(ConnectError::Unreachable(reason))) => Err(CliError::Unreachable {
            server: redact(global.server_url()),
            reason,
        }),
        Ok(Err(source)) => Err(CliError::Connect {
            server: redact(global.server_url()),
            source,
        }),
        Err(_) => Err(CliError::TimedOut(format!(
            "could not connect to {} within {:?}",
            redact(global.server_url()),
            limit
        ))),
    }
}

/// Subscribes to `subject`, in queue group `queue` when given.
///
/// # Errors
/// [`CliError::Subscribe`] naming the subject (an invalid subject, or the connection
/// closed).
pub async fn subscribe(
    client: &Client,
    subject: &str,
    queue: Option<&str>,
) -> CliResult<Subscriber> {
    let subscribed = match queue {
        Some(queue) => client.queue_subscribe(subject, queue).await,
        None => client.subscribe(subject).await,
    };
    subscribed.map_err(|source| CliError::Subscribe {
        subject: subject.to_owned(),
        source,
    })
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
