//! The credential the registry client authenticates with: a user name and a password,
//! or an identity token (an OAuth2 refresh token, Docker's `identitytoken`). Where it
//! comes from is [`crate::credentials`]' business, not this module's; this module only
//! makes sure the secret never reaches a log line.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A user name and password for one registry host.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The user name.
    pub username: String,
    /// The password or token; never printed.
    pub password: String,
    /// Whether `password` is an identity token: a token service gets it in an OAuth2
    /// `refresh_token` grant (a POST), never with Basic.
    pub identity_token: bool,
}

impl Credential {
    /// A credential from a user name and a password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credential {
            username: username.into(),
            password: password.into(),
            identity_token: false,
        }
    }

    /// A credential from an identity token (`username` is informative only).
    pub fn identity_token(username: impl Into<String>, token: impl Into<String>) -> Self {
        Credential {
            username: username.into(),
            password: token.into(),
            identity_token: true,
        }
    }

    /// The value of an `Authorization: Basic …` header for this credential.
    pub(crate) fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!("Basic {}", STANDARD.encode(raw))
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("identity_token", &self.identity_token)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_and_debug() {
        let credential = Credential::new("alice", "s3cret");
        assert_eq!(credential.basic_header(), "Basic YWxpY2U6czNjcmV0");
        let debug = format!("{credential:?}");
        assert!(debug.contains("alice"), "{debug}");
        assert!(!debug.contains("s3cret"), "{debug}");
    }
}
