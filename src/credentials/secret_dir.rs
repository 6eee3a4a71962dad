//! Secret directories: `$IMAGESCAN_SECRETS_DIR/<name>/`, laid out like a mounted
//! Kubernetes Secret (`.dockerconfigjson`, or `.dockercfg`, or `username` + `password`).
//! Kubernetes mounts each key as a symlink into `..data/`, so symlinks inside the
//! directory are followed; the name itself can never leave the secrets directory.

use std::path::{Path, PathBuf};

use super::docker_config::{DockerConfig, Format};
use super::{Credential, CredentialEnv, CredentialError, read_optional};

/// The directory of the secret `name`: `secrets_dir/name`, after checking that `name`
/// cannot leave `secrets_dir` and that the directory exists. The one place a secret
/// name becomes a path, for registry `secretRef`s and git client secrets alike.
pub fn secret_dir(secrets_dir: &Path, name: &str) -> Result<PathBuf, CredentialError> {
    validate_name(name)?;
    let dir = secrets_dir.join(name);
    match std::fs::metadata(&dir) {
        Ok(meta) if meta.is_dir() => Ok(dir),
        Ok(_) => Err(CredentialError::SecretNotFound {
            name: name.to_owned(),
            dir,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(CredentialError::SecretNotFound {
                name: name.to_owned(),
                dir,
            })
        }
        Err(source) => Err(CredentialError::Read { path: dir, source }),
    }
}

/// The credential for `host` from the secret `name`; `Ok(None)` when the secret holds
/// Docker config entries but none for this host.
pub(crate) fn lookup(
    host: &str,
    name: &str,
    env: &CredentialEnv,
) -> Result<Option<Credential>, CredentialError> {
    let dir = secret_dir(&env.secrets_dir, name)?;
    for (file, format) in [
        (".dockerconfigjson", Format::DockerConfigJson),
        (".dockercfg", Format::DockerCfg),
    ] {
        let path = dir.join(file);
        if let Some(bytes) = read_optional(&path)? {
            let config = DockerConfig::parse(&bytes, &path, format)?;
            return Ok(config
                .auth_for(host)
                .and_then(|entry| entry.credential.clone()));
        }
    }
    let username = read_value(&dir.join("username"))?;
    let password = read_value(&dir.join("password"))?;
    match (username, password) {
        (Some(username), Some(password)) => Ok(Some(Credential::password(username, password))),
        (Some(_), None) => Err(CredentialError::MissingFile {
            path: dir.join("password"),
            present: "username",
        }),
        (None, Some(_)) => Err(CredentialError::MissingFile {
            path: dir.join("username"),
            present: "password",
        }),
        (None, None) => Err(CredentialError::SecretEmpty {
            name: name.to_owned(),
            dir,
        }),
    }
}

fn validate_name(name: &str) -> Result<(), CredentialError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.contains('/') || name.contains('\\') {
        Some("it contains a path separator")
    } else if name.contains("..") || name == "." {
        Some("it contains '..' or is '.'")
    } else if name.contains('\0') {
        Some("it contains a NUL byte")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(CredentialError::InvalidSecretName {
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// A `username` or `password` file: UTF-8, one trailing newline dropped (as `echo`
/// writes it), nothing else trimmed since passwords may end in spaces.
fn read_value(path: &Path) -> Result<Option<String>, CredentialError> {
    let Some(bytes) = read_optional(path)? else {
        return Ok(None);
    };
    let invalid = |reason| CredentialError::InvalidField {
        path: path.to_owned(),
        field: "the content".to_owned(),
        reason,
    };
    let mut text = String::from_utf8(bytes).map_err(|_| invalid("is not UTF-8 text"))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.is_empty() {
        return Err(invalid("is empty"));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_would_leave_the_secrets_directory_are_refused() {
        for name in [
            "", ".", "..", "../etc", "a/b", "/abs", "a\\b", "x..y", "a\0",
        ] {
            assert!(
                matches!(
                    validate_name(name),
                    Err(CredentialError::InvalidSecretName { .. })
                ),
                "{name:?}"
            );
        }
        for name in ["regcred", "my-secret.v2", "a_b"] {
            assert!(validate_name(name).is_ok(), "{name:?}");
        }
    }
}
