//! `~/` and `$VAR` in a context's file paths, as the `nats` tool expands them.
//!
//! The environment is a parameter, so the expansion is tested without touching the
//! process's own variables.

use std::path::PathBuf;

/// Expands a leading `~` (alone or before `/`) to `home` and every `$NAME` or `${NAME}` to
/// `var(NAME)`; an unset variable expands to nothing (as a shell and Go's `os.ExpandEnv`
/// do). Anything else, including a `~` later in the path, is kept.
pub(crate) fn expand_path(
    path: &str,
    home: Option<&str>,
    var: impl Fn(&str) -> Option<String>,
) -> PathBuf {
    let path = match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            format!("{home}{rest}")
        }
        _ => path.to_owned(),
    };
    let mut out = String::with_capacity(path.len());
    let mut rest = path.as_str();
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (name, next) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], &braced[end + 1..]),
                // No closing brace: not a variable, keep the text.
                None => ("", after),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        if name.is_empty() {
            out.push('$');
            rest = after;
        } else {
            out.push_str(&var(name).unwrap_or_default());
            rest = next;
        }
    }
    out.push_str(rest);
    PathBuf::from(out)
}

/// [`expand_path`] with the process's `HOME` and environment.
#[cfg(any(feature = "nkeys", feature = "tls"))]
pub(crate) fn expand_path_from_env(path: &str) -> PathBuf {
    let home = std::env::var("HOME").ok();
    expand_path(path, home.as_deref(), |name| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
    use super::expand_path;

    fn env(name: &str) -> Option<String> {
        match name {
            "CERTS" => Some("/etc/certs".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn expand(path: &str) -> String {
        expand_path(path, Some("/home/ada"), env)
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn expands_home_only_at_the_start() {
        assert_eq!(expand("~/x.creds"), "/home/ada/x.creds");
        assert_eq!(expand("~"), "/home/ada");
        assert_eq!(expand("/a/~/b"), "/a/~/b");
        assert_eq!(expand("~bob/x"), "~bob/x");
        assert_eq!(
            expand_path("~/x", None, env).to_string_lossy(),
            "~/x",
            "no home: kept"
        );
    }

    #[test]
    fn expands_variables_plain_and_braced() {
        assert_eq!(expand("$CERTS/ca.pem"), "/etc/certs/ca.pem");
        assert_eq!(expand("${CERTS}x/ca.pem"), "/etc/certsx/ca.pem");
        assert_eq!(expand("$UNSET/ca.pem"), "/ca.pem");
        assert_eq!(expand("a$EMPTY/b"), "a/b");
        assert_eq!(expand("cost$"), "cost$");
        assert_eq!(expand("a$/b"), "a$/b");
        assert_eq!(expand("${CERTS"), "${CERTS");
        assert_eq!(expand("plain/path"), "plain/path");
    }
}
