//! Client authentication a test server requires, as config and as URL credentials.

/// What a server requires of clients before it accepts them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Auth {
    /// Anyone may connect.
    #[default]
    None,
    /// `CONNECT` must carry this user and password.
    UserPassword {
        /// The user name.
        user: String,
        /// The password.
        pass: String,
    },
    /// `CONNECT` must carry this `auth_token`.
    Token(String),
}

impl Auth {
    /// The `authorization { .. }` block of the server config, empty for [`Auth::None`].
    pub(crate) fn config_block(&self) -> String {
        match self {
            Auth::None => String::new(),
            Auth::UserPassword { user, pass } => format!(
                "authorization {{\n  user: {}\n  password: {}\n}}\n",
                quote(user),
                quote(pass)
            ),
            Auth::Token(token) => format!("authorization {{\n  token: {}\n}}\n", quote(token)),
        }
    }

    /// The `userinfo@` part of a client URL, empty for [`Auth::None`].
    pub(crate) fn url_userinfo(&self) -> String {
        match self {
            Auth::None => String::new(),
            Auth::UserPassword { user, pass } => {
                format!("{}:{}@", percent_encode(user), percent_encode(pass))
            }
            Auth::Token(token) => format!("{}@", percent_encode(token)),
        }
    }
}

/// Quotes a string for the nats-server config format.
///
/// Its double-quoted strings take the same escapes as JSON, so JSON's encoder is exact.
pub(crate) fn quote(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// Percent-encodes everything but RFC 3986 "unreserved" characters, so any user, password
/// or token survives inside a URL's userinfo.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_pass(user: &str, pass: &str) -> Auth {
        Auth::UserPassword {
            user: user.into(),
            pass: pass.into(),
        }
    }

    #[test]
    fn no_auth_adds_nothing() {
        assert_eq!(Auth::None.config_block(), "");
        assert_eq!(Auth::None.url_userinfo(), "");
    }

    #[test]
    fn user_password_config_quotes_values() {
        let block = user_pass("a", "p\"w").config_block();
        assert_eq!(
            block,
            "authorization {\n  user: \"a\"\n  password: \"p\\\"w\"\n}\n"
        );
    }

    #[test]
    fn token_config() {
        assert_eq!(
            Auth::Token("t0k".into()).config_block(),
            "authorization {\n  token: \"t0k\"\n}\n"
        );
    }

    #[test]
    fn userinfo_percent_encodes_reserved_characters() {
        assert_eq!(
            user_pass("al ice", "p@ss:w/rd").url_userinfo(),
            "al%20ice:p%40ss%3Aw%2Frd@"
        );
        assert_eq!(Auth::Token("s3cr~t".into()).url_userinfo(), "s3cr~t@");
    }
}
