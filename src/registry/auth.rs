//! Registry authentication (SPEC §5): parsing `WWW-Authenticate` challenges, building
//! token-service URLs, reading token responses, and remembering tokens until they
//! expire (per realm, service and scope), so a scan of many pages or digests asks the
//! token service once.
//!
//! The HTTP exchanges themselves live in [`super::client`]; this module holds no socket
//! and never formats a credential or token into an error.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One authentication challenge of a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic realm="…"`: send the credential with every request.
    Basic,
    /// `Bearer realm="…",service="…",scope="…"`: get a token from `realm`.
    Bearer {
        /// The token service URL.
        realm: String,
        /// The `service` parameter to pass on, if the registry named one.
        service: Option<String>,
    },
    /// A scheme we do not speak (e.g. `Negotiate`).
    Other(String),
}

/// Parses every challenge of one `WWW-Authenticate` header value (RFC 9110 §11.6.1).
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut challenges = Vec::new();
    let mut current: Option<(String, Vec<(String, String)>)> = None;
    let mut rest = header.trim();
    while !rest.is_empty() {
        let token_end = rest
            .find(|c: char| c == '=' || c == ',' || c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let token = &rest[..token_end];
        let after = rest[token_end..].trim_start();
        if let Some(value_part) = after.strip_prefix('=').filter(|_| current.is_some()) {
            // name=value parameter of the current challenge.
            let value_part = value_part.trim_start();
            let (value, remaining) = if let Some(quoted) = value_part.strip_prefix('"') {
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                (value, &quoted[end.min(quoted.len())..])
            } else {
                let end = value_part.find(',').unwrap_or(value_part.len());
                (value_part[..end].trim().to_owned(), &value_part[end..])
            };
            if let Some((_, params)) = current.as_mut() {
                params.push((token.to_ascii_lowercase(), value));
            }
            rest = remaining.trim_start().trim_start_matches(',').trim_start();
        } else if token.is_empty() {
            // A stray ',' or a '=' before any scheme: skip it. `rest` starts with one of
            // them here, so this always advances (a leading '=' once looped forever).
            rest = after
                .strip_prefix('=')
                .unwrap_or(after)
                .trim_start_matches(',')
                .trim_start();
        } else {
            // A new scheme.
            if let Some(done) = current.take() {
                challenges.push(build(done));
            }
            current = Some((token.to_owned(), Vec::new()));
            rest = after.trim_start_matches(',').trim_start();
        }
    }
    if let Some(done) = current.take() {
        challenges.push(build(done));
    }
    challenges
}

fn build((scheme, params): (String, Vec<(String, String)>)) -> Challenge {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if scheme.eq_ignore_ascii_case("basic") {
        Challenge::Basic
    } else if scheme.eq_ignore_ascii_case("bearer") {
        match get("realm") {
            Some(realm) if !realm.is_empty() => Challenge::Bearer {
                realm,
                service: get("service").filter(|s| !s.is_empty()),
            },
            _ => Challenge::Other(scheme),
        }
    } else {
        Challenge::Other(scheme)
    }
}

/// The pull scope of a repository, as the distribution token spec spells it.
pub(crate) fn pull_scope(repository: &str) -> String {
    format!("repository:{repository}:pull")
}

/// The token-service URL for `realm`, `service` and `scope`.
pub(crate) fn token_url(realm: &str, service: Option<&str>, scope: &str) -> String {
    let mut url = realm.to_owned();
    let mut separator = if realm.contains('?') { '&' } else { '?' };
    if let Some(service) = service {
        url.push(separator);
        url.push_str("service=");
        url.push_str(&percent_encode(service));
        separator = '&';
    }
    url.push(separator);
    url.push_str("scope=");
    url.push_str(&percent_encode(scope));
    url
}

/// The body of an OAuth2 `refresh_token` grant (the distribution token spec's POST
/// form, as Docker sends for an identity token), `application/x-www-form-urlencoded`.
pub(crate) fn refresh_token_form(service: Option<&str>, scope: &str, token: &str) -> String {
    let mut form = String::from("grant_type=refresh_token&client_id=imagescan");
    if let Some(service) = service {
        form.push_str("&service=");
        form.push_str(&percent_encode(service));
    }
    form.push_str("&scope=");
    form.push_str(&percent_encode(scope));
    form.push_str("&refresh_token=");
    form.push_str(&percent_encode_all_but(token, b"-._~"));
    form
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `:`/`/`, which
/// token services expect literally in scopes.
fn percent_encode(value: &str) -> String {
    percent_encode_all_but(value, b"-._~:/")
}

/// Percent-encodes every byte but ASCII letters, digits and `keep`.
fn percent_encode_all_but(value: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || keep.contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The body of a token-service response (`token` or the OAuth2 `access_token`).
#[derive(serde::Deserialize)]
pub(crate) struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl TokenResponse {
    /// The token and how long it lives (60 s when the service does not say, as the
    /// token spec defines).
    pub(crate) fn into_token(self) -> Option<(String, Duration)> {
        let token = self
            .token
            .filter(|t| !t.is_empty())
            .or(self.access_token.filter(|t| !t.is_empty()))?;
        let lifetime = Duration::from_secs(self.expires_in.filter(|&s| s > 0).unwrap_or(60));
        Some((token, lifetime))
    }
}

/// Tokens already obtained, by (realm, service, scope), until they expire.
#[derive(Default)]
pub(crate) struct TokenCache {
    tokens: Mutex<HashMap<String, (String, Instant)>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.tokens.lock().map_or(0, |t| t.len());
        write!(f, "TokenCache({count} tokens)")
    }
}

impl TokenCache {
    fn key(realm: &str, service: Option<&str>, scope: &str) -> String {
        format!("{realm}\n{}\n{scope}", service.unwrap_or(""))
    }

    /// A token still valid for the scope, if one was obtained before.
    pub(crate) fn get(&self, realm: &str, service: Option<&str>, scope: &str) -> Option<String> {
        let tokens = self.tokens.lock().ok()?;
        let (token, expires) = tokens.get(&Self::key(realm, service, scope))?;
        (Instant::now() < *expires).then(|| token.clone())
    }

    /// Remembers a token obtained at `issued` for `lifetime`. It is given up a little
    /// before the service's expiry (up to 10 s, at most half its life) so that a request
    /// never leaves with a token that expires on the way.
    pub(crate) fn put(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        token: String,
        issued: Instant,
        lifetime: Duration,
    ) {
        let margin = (lifetime / 2).min(Duration::from_secs(10));
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(
                Self::key(realm, service, scope),
                (token, issued + lifetime - margin),
            );
        }
    }

    /// Forgets a token the registry refused.
    pub(crate) fn remove(&self, realm: &str, service: Option<&str>, scope: &str) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.remove(&Self::key(realm, service, scope));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_token_grant_form() {
        assert_eq!(
            refresh_token_form(
                Some("registry.example.com"),
                "repository:team/app:pull",
                "a+b/c=d e"
            ),
            "grant_type=refresh_token&client_id=imagescan&service=registry.example.com\
             &scope=repository:team/app:pull&refresh_token=a%2Bb%2Fc%3Dd%20e"
        );
        assert_eq!(
            refresh_token_form(None, "repository:x:pull", "t"),
            "grant_type=refresh_token&client_id=imagescan&scope=repository:x:pull&refresh_token=t"
        );
    }

    fn bearer(realm: &str, service: Option<&str>) -> Challenge {
        Challenge::Bearer {
            realm: realm.to_owned(),
            service: service.map(str::to_owned),
        }
    }

    #[test]
    fn parses_challenges() {
        for (header, expected) in [
            (
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
                vec![bearer(
                    "https://auth.docker.io/token",
                    Some("registry.docker.io"),
                )],
            ),
            (r#"Basic realm="Registry Realm""#, vec![Challenge::Basic]),
            ("basic", vec![Challenge::Basic]),
            (
                r#"bearer realm=http://127.0.0.1:1/token , service = "a\"b""#,
                vec![bearer("http://127.0.0.1:1/token", Some("a\"b"))],
            ),
            (
                r#"Negotiate, Basic realm="x", Bearer realm="https://t/", scope="s,t""#,
                vec![
                    Challenge::Other("Negotiate".into()),
                    Challenge::Basic,
                    bearer("https://t/", None),
                ],
            ),
            (
                r#"Bearer service="x""#,
                vec![Challenge::Other("Bearer".into())],
            ),
            ("", vec![]),
        ] {
            assert_eq!(parse_challenges(header), expected, "{header:?}");
        }
    }

    /// Found by the `registry_headers` fuzz target: a '=' before any scheme used to make
    /// the parser loop forever. The parse runs on a thread so a regression fails the test
    /// instead of hanging the run.
    #[test]
    fn a_leading_equals_sign_does_not_hang() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let parsed: Vec<_> = [
                "=Nego\\Ber\0=ce=plain",
                "=Bearer realm=\"https://t/\"",
                "=",
                ",=,",
            ]
            .into_iter()
            .map(parse_challenges)
            .collect();
            let _ = tx.send(parsed);
        });
        let parsed = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("parse_challenges returned within 10 s");
        assert_eq!(
            parsed,
            vec![
                vec![Challenge::Other("Nego\\Ber\0".into())],
                vec![Challenge::Bearer {
                    realm: "https://t/".into(),
                    service: None
                }],
                vec![],
                vec![],
            ]
        );
    }

    #[test]
    fn builds_token_urls() {
        let scope = pull_scope("team/app");
        assert_eq!(scope, "repository:team/app:pull");
        assert_eq!(
            token_url(
                "https://auth.example/token",
                Some("registry example"),
                &scope
            ),
            "https://auth.example/token?service=registry%20example&scope=repository:team/app:pull"
        );
        assert_eq!(
            token_url("https://auth.example/t?x=1", None, &scope),
            "https://auth.example/t?x=1&scope=repository:team/app:pull"
        );
    }

    #[test]
    fn reads_token_responses() {
        for (body, expected) in [
            (r#"{"token":"t1","expires_in":300}"#, Some(("t1", 300))),
            (r#"{"access_token":"t2"}"#, Some(("t2", 60))),
            (
                r#"{"token":"","access_token":"t3","expires_in":0}"#,
                Some(("t3", 60)),
            ),
            (r#"{"token":"t4","access_token":"t5"}"#, Some(("t4", 60))),
            (r#"{"expires_in":10}"#, None),
        ] {
            let parsed: TokenResponse = serde_json::from_str(body).unwrap();
            assert_eq!(
                parsed.into_token(),
                expected.map(|(t, s)| (t.to_owned(), Duration::from_secs(s))),
                "{body}"
            );
        }
    }

    #[test]
    fn caches_tokens_until_expiry() {
        let cache = TokenCache::default();
        let now = Instant::now();
        cache.put(
            "r",
            Some("s"),
            "scope",
            "tok".into(),
            now,
            Duration::from_secs(60),
        );
        assert_eq!(cache.get("r", Some("s"), "scope").as_deref(), Some("tok"));
        assert_eq!(cache.get("r", None, "scope"), None);
        assert_eq!(cache.get("r", Some("s"), "other"), None);
        // Already past expiry minus the margin.
        cache.put(
            "r",
            None,
            "old",
            "x".into(),
            now - Duration::from_secs(55),
            Duration::from_secs(60),
        );
        assert_eq!(cache.get("r", None, "old"), None);
        cache.remove("r", Some("s"), "scope");
        assert_eq!(cache.get("r", Some("s"), "scope"), None);
        assert_eq!(format!("{cache:?}"), "TokenCache(1 tokens)");
    }
}
