//! Parsing of Docker configuration files, pure code: `config.json` (`auths`,
//! `credHelpers`, `credsStore`), a Kubernetes `.dockerconfigjson` (`{"auths": {...}}`)
//! and the legacy `.dockercfg` (the auths map at top level).
//!
//! Values are walked as `serde_json::Value` so that every problem is reported by field
//! name; the parser's own messages can quote the input and are never shown.

use std::path::Path;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::Credential;
use super::error::{CredentialError, json_position};
use super::host::key_matches;

/// Which file layout is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `~/.docker/config.json`: `auths`, `credHelpers`, `credsStore`, all optional.
    ConfigJson,
    /// A Kubernetes `kubernetes.io/dockerconfigjson` Secret: `auths` is required.
    DockerConfigJson,
    /// A Kubernetes `kubernetes.io/dockercfg` Secret: the auths map itself.
    DockerCfg,
}

/// One `auths` entry, its credential decoded (`None` for an empty entry such as the
/// `{}` that `docker login` leaves when a credential store holds the secret).
#[derive(Debug, Clone)]
pub(crate) struct AuthEntry {
    pub(crate) key: String,
    pub(crate) credential: Option<Credential>,
}

/// A parsed Docker configuration.
#[derive(Debug, Clone, Default)]
pub(crate) struct DockerConfig {
    /// Entries sorted by key, so that a choice among several matching keys is stable.
    pub(crate) auths: Vec<AuthEntry>,
    /// `credHelpers`: (registry key, helper name), sorted by key.
    pub(crate) cred_helpers: Vec<(String, String)>,
    /// `credsStore`: the default helper.
    pub(crate) creds_store: Option<String>,
}

impl DockerConfig {
    /// Parses `bytes`, read from `path`, in the given layout.
    pub(crate) fn parse(
        bytes: &[u8],
        path: &Path,
        format: Format,
    ) -> Result<Self, CredentialError> {
        if format == Format::ConfigJson && bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            let (kind, line, column) = json_position(&e);
            CredentialError::MalformedJson {
                path: path.to_owned(),
                kind,
                line,
                column,
            }
        })?;
        let invalid = |field: &str, reason| CredentialError::InvalidField {
            path: path.to_owned(),
            field: field.to_owned(),
            reason,
        };
        let Value::Object(root) = value else {
            return Err(invalid("the top level", "is not a JSON object"));
        };
        let mut config = Self::default();
        match format {
            Format::DockerCfg => config.auths = parse_auths(&root, "", path)?,
            Format::DockerConfigJson | Format::ConfigJson => match root.get("auths") {
                Some(Value::Object(auths)) => config.auths = parse_auths(auths, "auths", path)?,
                Some(Value::Null) | None if format == Format::ConfigJson => {}
                Some(_) => return Err(invalid("auths", "is not a JSON object")),
                None => return Err(invalid("auths", "is missing")),
            },
        }
        if format == Format::ConfigJson {
            match root.get("credHelpers") {
                Some(Value::Object(helpers)) => {
                    for (key, helper) in helpers {
                        let Value::String(helper) = helper else {
                            return Err(invalid(
                                &format!("credHelpers[{}]", crate::text::quoted(key)),
                                "is not a string",
                            ));
                        };
                        config.cred_helpers.push((key.clone(), helper.clone()));
                    }
                    config.cred_helpers.sort();
                }
                Some(Value::Null) | None => {}
                Some(_) => return Err(invalid("credHelpers", "is not a JSON object")),
            }
            match root.get("credsStore") {
                Some(Value::String(store)) if !store.is_empty() => {
                    config.creds_store = Some(store.clone());
                }
                Some(Value::String(_) | Value::Null) | None => {}
                Some(_) => return Err(invalid("credsStore", "is not a string")),
            }
        }
        Ok(config)
    }

    /// The entry for `host`: among matching keys, one holding a credential, then the key
    /// spelled exactly as the host, then the first in key order.
    pub(crate) fn auth_for(&self, host: &str) -> Option<&AuthEntry> {
        self.auths
            .iter()
            .filter(|entry| key_matches(&entry.key, host))
            .min_by_key(|entry| {
                (
                    entry.credential.is_none(),
                    !entry.key.eq_ignore_ascii_case(host),
                    entry.key.as_str(),
                )
            })
    }

    /// The helper for `host`: its `credHelpers` entry, else `credsStore`.
    pub(crate) fn helper_for(&self, host: &str) -> Option<&str> {
        self.cred_helpers
            .iter()
            .filter(|(key, _)| key_matches(key, host))
            .min_by_key(|(key, _)| (!key.eq_ignore_ascii_case(host), key.as_str()))
            .map(|(_, helper)| helper.as_str())
            .or(self.creds_store.as_deref())
    }
}

fn parse_auths(
    auths: &Map<String, Value>,
    prefix: &str,
    path: &Path,
) -> Result<Vec<AuthEntry>, CredentialError> {
    let mut entries = auths
        .iter()
        .map(|(key, value)| {
            let field = format!("{prefix}[{}]", crate::text::quoted(key));
            let credential = parse_entry(value, &field, path)?;
            Ok(AuthEntry {
                key: key.clone(),
                credential,
            })
        })
        .collect::<Result<Vec<_>, CredentialError>>()?;
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(entries)
}

/// Decodes one entry the way Docker does: `auth` (base64 `user:password`) wins over
/// `username`/`password`; an `identitytoken` wins over a password.
fn parse_entry(
    value: &Value,
    field: &str,
    path: &Path,
) -> Result<Option<Credential>, CredentialError> {
    let invalid = |member: &str, reason| CredentialError::InvalidField {
        path: path.to_owned(),
        field: format!("{field}{member}"),
        reason,
    };
    let Value::Object(entry) = value else {
        return Err(invalid("", "is not a JSON object"));
    };
    let string = |member: &str| -> Result<Option<&str>, CredentialError> {
        match entry.get(member) {
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
            Some(Value::String(_) | Value::Null) | None => Ok(None),
            Some(_) => Err(invalid(&format!(".{member}"), "is not a string")),
        }
    };
    let mut username = string("username")?.map(str::to_owned);
    let mut password = string("password")?.map(str::to_owned);
    if let Some(auth) = string("auth")? {
        let decoded = base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
            .decode(auth.trim())
            .map_err(|_| invalid(".auth", "is not base64"))?;
        let decoded = String::from_utf8(decoded)
            .map_err(|_| invalid(".auth", "does not decode to UTF-8 text"))?;
        let Some((user, pass)) = decoded.split_once(':') else {
            return Err(invalid(".auth", "does not decode to username:password"));
        };
        username = Some(user.to_owned());
        password = Some(pass.to_owned());
    }
    let username = username.unwrap_or_default();
    if let Some(token) = string("identitytoken")? {
        return Ok(Some(Credential::identity_token(username, token)));
    }
    Ok(match password {
        Some(password) if !username.is_empty() || !password.is_empty() => {
            Some(Credential::password(username, password))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn parse(json: &str, format: Format) -> Result<DockerConfig, CredentialError> {
        DockerConfig::parse(json.as_bytes(), Path::new("/cfg/config.json"), format)
    }

    fn credential_for(json: &str, format: Format, host: &str) -> Option<Credential> {
        parse(json, format)
            .unwrap()
            .auth_for(host)
            .and_then(|entry| entry.credential.clone())
    }

    #[test]
    fn entry_shapes() {
        let auth = b64("alice:s3cret:with:colons");
        let table: Vec<(String, Option<Credential>)> = vec![
            (
                format!(r#"{{"auth": "{auth}"}}"#),
                Some(Credential::password("alice", "s3cret:with:colons")),
            ),
            (
                r#"{"username": "bob", "password": "pw"}"#.into(),
                Some(Credential::password("bob", "pw")),
            ),
            (
                // `auth` wins over username/password, as in Docker.
                format!(r#"{{"auth": "{auth}", "username": "bob", "password": "pw"}}"#),
                Some(Credential::password("alice", "s3cret:with:colons")),
            ),
            (
                format!(r#"{{"auth": "{}", "identitytoken": "tok"}}"#, b64("carol:")),
                Some(Credential::identity_token("carol", "tok")),
            ),
            (
                r#"{"identitytoken": "tok"}"#.into(),
                Some(Credential::identity_token("", "tok")),
            ),
            (
                // Unpadded base64 is accepted.
                format!(r#"{{"auth": "{}"}}"#, b64("ab:c").trim_end_matches('=')),
                Some(Credential::password("ab", "c")),
            ),
            (r#"{}"#.into(), None),
            (r#"{"auth": "", "email": "a@b"}"#.into(), None),
            (r#"{"username": "only"}"#.into(), None),
        ];
        for (entry, expected) in table {
            let json = format!(r#"{{"auths": {{"reg.example": {entry}}}}}"#);
            assert_eq!(
                credential_for(&json, Format::ConfigJson, "reg.example"),
                expected,
                "{entry}"
            );
            let json = format!(r#"{{"reg.example": {entry}}}"#);
            assert_eq!(
                credential_for(&json, Format::DockerCfg, "reg.example"),
                expected,
                "{entry}"
            );
        }
    }

    #[test]
    fn invalid_entries_name_the_field() {
        let table = [
            (
                r#"{"auths": {"r": {"auth": "!!!"}}}"#,
                r#"auths["r"].auth is not base64"#,
            ),
            (
                &*format!(r#"{{"auths": {{"r": {{"auth": "{}"}}}}}}"#, b64("nocolon")),
                r#"auths["r"].auth does not decode to username:password"#,
            ),
            (
                r#"{"auths": {"r": {"password": 1}}}"#,
                r#"auths["r"].password is not a string"#,
            ),
            (
                r#"{"auths": {"r": "x"}}"#,
                r#"auths["r"] is not a JSON object"#,
            ),
            (r#"{"auths": []}"#, "auths is not a JSON object"),
            (r#"[]"#, "the top level is not a JSON object"),
            (
                r#"{"credHelpers": {"r": 1}}"#,
                r#"credHelpers["r"] is not a string"#,
            ),
            (r#"{"credsStore": true}"#, "credsStore is not a string"),
        ];
        for (json, expected) in table {
            let err = parse(json, Format::ConfigJson).unwrap_err().to_string();
            assert_eq!(err, format!("/cfg/config.json: {expected}"), "{json}");
        }
        let err = parse("{}", Format::DockerConfigJson)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "/cfg/config.json: auths is missing");
    }

    #[test]
    fn malformed_json_is_reported_by_position_without_content() {
        let err = parse(
            "{\n  \"auths\": {\"r\": {\"auth\": \"c2VjcmV0\"\n",
            Format::ConfigJson,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("/cfg/config.json is not valid JSON (end of file error at line 3"),
            "{err}"
        );
        assert!(!err.contains("c2VjcmV0"), "{err}");
        let err = parse(
            r#"{"auths": {"r": {"auth": "abc" "def"}}}"#,
            Format::ConfigJson,
        )
        .unwrap_err()
        .to_string();
        assert!(!err.contains("abc") && !err.contains("def"), "{err}");
    }

    #[test]
    fn empty_config_json_is_an_empty_config() {
        let config = parse(" \n", Format::ConfigJson).unwrap();
        assert!(config.auths.is_empty() && config.creds_store.is_none());
    }

    #[test]
    fn choice_among_several_matching_keys() {
        let json = format!(
            r#"{{"auths": {{
                "https://index.docker.io/v1/": {{}},
                "docker.io": {{"auth": "{}"}},
                "registry-1.docker.io": {{"auth": "{}"}}
            }}}}"#,
            b64("a:1"),
            b64("b:2")
        );
        // The empty entry loses; among the two with credentials, the exact spelling wins.
        assert_eq!(
            credential_for(&json, Format::ConfigJson, "registry-1.docker.io"),
            Some(Credential::password("b", "2"))
        );
        assert_eq!(
            credential_for(&json, Format::ConfigJson, "docker.io"),
            Some(Credential::password("a", "1"))
        );
        // No exact spelling: the first key in order.
        assert_eq!(
            credential_for(&json, Format::ConfigJson, "index.docker.io"),
            Some(Credential::password("a", "1"))
        );
    }

    #[test]
    fn helper_choice() {
        let config = parse(
            r#"{"credsStore": "desktop", "credHelpers": {"https://gcr.io": "gcloud", "123.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"}}"#,
            Format::ConfigJson,
        )
        .unwrap();
        assert_eq!(config.helper_for("gcr.io"), Some("gcloud"));
        assert_eq!(
            config.helper_for("123.dkr.ecr.us-east-1.amazonaws.com"),
            Some("ecr-login")
        );
        assert_eq!(config.helper_for("ghcr.io"), Some("desktop"));
        let config = parse(r#"{"credsStore": ""}"#, Format::ConfigJson).unwrap();
        assert_eq!(config.helper_for("ghcr.io"), None);
    }
}
