//! The last line of defence against a credential in an output: every secret value in
//! use (a password, an identity token, a Bearer token) is registered here with its
//! encodings — base64 of `user:password` (standard and URL-safe, with and without
//! padding), the URL-encoded form — and [`scrub`] replaces each occurrence in a text
//! with `<redacted>`.
//!
//! Credentials are never put into messages on purpose; this catches what a hostile
//! registry reflects back (an `Authorization` header copied into a `Link` or
//! `WWW-Authenticate`) and any mistake. Every line written to stderr and every failure
//! recorded in the cache goes through [`scrub`]. Values shorter than
//! [`MIN_SECRET_LEN`] are not registered: replacing every `ab` in a message would
//! destroy it and reveal the value by its gaps.

use std::borrow::Cow;
use std::sync::{PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// The shortest value registered.
pub const MIN_SECRET_LEN: usize = 4;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Registers a secret value (a password, a token) and its URL-encoded form.
pub fn secret(value: &str) {
    add(value);
    add(&url_encode(value));
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        add(&engine.encode(value));
    }
}

/// Registers a username and password pair: the password, and base64 of `user:password`
/// as Basic authentication sends it.
pub fn basic(username: &str, password: &str) {
    secret(password);
    let pair = format!("{username}:{password}");
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        add(&engine.encode(&pair));
    }
}

fn add(value: &str) {
    if value.len() < MIN_SECRET_LEN {
        return;
    }
    let mut secrets = SECRETS.write().unwrap_or_else(PoisonError::into_inner);
    if !secrets.iter().any(|s| s == value) {
        secrets.push(value.to_owned());
        // Longest first, so that a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// `text` with every registered secret replaced by [`REDACTED`].
pub fn scrub(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS.read().unwrap_or_else(PoisonError::into_inner);
    if !secrets.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), REDACTED);
        }
    }
    Cow::Owned(out)
}

/// Percent-encodes everything but unreserved characters (RFC 3986 §2.3), as a form body
/// or a query carries a value.
fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
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

    #[test]
    fn scrubs_secrets_and_their_encodings() {
        basic("redact-user", "pw/+Zq9-unit-test");
        secret("tok.unit-test.abc");
        secret("ab");
        let pair = STANDARD.encode("redact-user:pw/+Zq9-unit-test");
        let text = format!(
            "Link: <x>; auth=Basic {pair} pw/+Zq9-unit-test pw%2F%2BZq9-unit-test \
             Bearer tok.unit-test.abc ab"
        );
        let scrubbed = scrub(&text);
        assert_eq!(
            scrubbed,
            "Link: <x>; auth=Basic <redacted> <redacted> <redacted> Bearer <redacted> ab"
        );
        assert!(matches!(scrub("nothing secret"), Cow::Borrowed(_)));
        assert_eq!(url_encode("a b/+~"), "a%20b%2F%2B~");
    }
}
