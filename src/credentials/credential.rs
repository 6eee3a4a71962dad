//! A registry credential: a username and a secret (password or identity token).
//!
//! The secret never leaves this type by accident: `Debug` and `Display` redact it, and
//! the only way to read it is the explicit [`Secret::expose`]. The cache keys entries
//! by [`Credential::identity`], a one-way digest, never by the secret itself. Every
//! secret made into a `Credential` is registered with [`crate::redact`].

use std::fmt;

use sha2::{Digest, Sha256};

/// The secret half of a credential.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    /// A password (or a registry token used as one), sent with HTTP Basic auth or in a
    /// token request.
    Password(String),
    /// An OAuth2 refresh token (Docker's `identitytoken`), exchanged at the token realm.
    IdentityToken(String),
}

impl Secret {
    /// The secret's text, for the one place that sends it to the registry.
    pub fn expose(&self) -> &str {
        match self {
            Secret::Password(s) | Secret::IdentityToken(s) => s,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Secret::Password(_) => "password",
            Secret::IdentityToken(_) => "identity-token",
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(<redacted>)", self.kind())
    }
}

/// A username and its secret for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    username: String,
    secret: Secret,
}

impl Credential {
    /// A username and password.
    pub fn password(username: impl Into<String>, password: impl Into<String>) -> Self {
        let (username, password) = (username.into(), password.into());
        crate::redact::basic(&username, &password);
        Self {
            username,
            secret: Secret::Password(password),
        }
    }

    /// An identity token (OAuth2 refresh token); `username` is informative only.
    pub fn identity_token(username: impl Into<String>, token: impl Into<String>) -> Self {
        let token = token.into();
        crate::redact::secret(&token);
        Self {
            username: username.into(),
            secret: Secret::IdentityToken(token),
        }
    }

    /// The username (not secret).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The secret; call [`Secret::expose`] only to send it to the registry.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// A stable, non-reversible identity for cache keys: hex SHA-256 over the username
    /// and a SHA-256 of the secret. Two credentials differing in any part give different
    /// identities; the identity reveals neither part.
    pub fn identity(&self) -> String {
        let secret_digest = Sha256::digest(self.secret.expose().as_bytes());
        let mut hasher = Sha256::new();
        hasher.update(b"imagescan-credential-identity-v1\0");
        hasher.update(self.secret.kind().as_bytes());
        hasher.update(b"\0");
        // Length-prefixed so that no two (username, secret) pairs serialise alike.
        hasher.update((self.username.len() as u64).to_be_bytes());
        hasher.update(self.username.as_bytes());
        hasher.update(secret_digest);
        hex(&hasher.finalize())
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("username", &self.username)
            .field("secret", &self.secret)
            .finish()
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} with a {}", self.username, self.secret.kind())
    }
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "hunter2-correct-horse";

    #[test]
    fn debug_and_display_redact_the_secret() {
        for credential in [
            Credential::password("alice", PASSWORD),
            Credential::identity_token("<token>", PASSWORD),
        ] {
            let debug = format!("{credential:?} {:?} {:#?}", credential.secret(), credential);
            let display = credential.to_string();
            assert!(!debug.contains(PASSWORD), "{debug}");
            assert!(!display.contains(PASSWORD), "{display}");
            assert!(debug.contains("redacted"), "{debug}");
        }
    }

    #[test]
    fn identity_is_stable_and_separates_credentials() {
        let a = Credential::password("alice", PASSWORD);
        assert_eq!(
            a.identity(),
            Credential::password("alice", PASSWORD).identity()
        );
        assert_eq!(a.identity().len(), 64);
        assert!(!a.identity().contains(PASSWORD));
        let others = [
            Credential::password("alice", "other"),
            Credential::password("bob", PASSWORD),
            Credential::identity_token("alice", PASSWORD),
            // Moving bytes between username and secret must not collide.
            Credential::password("alicehunter2", "-correct-horse"),
        ];
        for other in others {
            assert_ne!(a.identity(), other.identity(), "{other:?}");
        }
    }
}
