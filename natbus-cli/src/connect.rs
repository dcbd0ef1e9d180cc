//! Turning the global flags into a connected client.

use std::path::Path;

use natbus_tokio::{Client, ConnectError, ConnectOptions, Subscriber};

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};

/// The connect options the global flags ask for.
///
/// # Errors
/// [`CliError::Usage`] for `--password` without `--user`; [`CliError::Io`] when the
/// `--nkey` seed file cannot be read. A bad creds or TLS file fails the connect instead,
/// naming the file.
pub fn options(global: &GlobalArgs) -> CliResult<ConnectOptions> {
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
    if let Some(creds) = &global.creds {
        options = options.credentials_file(creds);
    }
    if let Some(path) = &global.nkey {
        options = options.nkey(&read_seed(path)?);
    }
    if let Some(ca) = &global.tlsca {
        options = options.add_root_certificates(ca);
    }
    if let (Some(cert), Some(key)) = (&global.tlscert, &global.tlskey) {
        options = options.add_client_certificate(cert, key);
    }
    if global.tlsfirst {
        options = options.tls_first();
    }
    Ok(options)
}

/// The seed in an nkey seed file: the first line that looks like a user seed (`SU…`),
/// so files with comments or the public key beside the seed work too.
fn read_seed(path: &Path) -> CliResult<String> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::File {
        what: "read the --nkey seed file",
        path: path.to_owned(),
        source,
    })?;
    text.lines()
        .map(str::trim)
        .find(|line| line.starts_with("SU"))
        .map(str::to_owned)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "no user nkey seed (a line starting with SU) in {}",
                path.display()
            ))
        })
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
