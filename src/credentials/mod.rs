//! Registry credentials (SPEC §5): secret directories (`secretRef`), the Docker config
//! with its credential helpers, and Docker Hub's many key spellings.
//!
//! This module finds a [`Credential`] for a registry host; it does not talk to
//! registries (that is [`crate::registry`]) and never prints, logs or formats a secret:
//! [`Credential`]'s `Debug`/`Display` redact it and errors name files and fields only.
//! File I/O and helper processes stay in [`lookup`] and its two sources; parsing and host
//! matching are pure.

mod credential;
mod docker_config;
mod env;
mod error;
mod helper;
mod host;
mod secret_dir;

use std::path::Path;

pub use credential::{Credential, Secret};
pub use env::{CredentialEnv, DEFAULT_SECRETS_DIR};
pub use error::CredentialError;
pub use secret_dir::secret_dir;

use docker_config::{DockerConfig, Format};

/// The credential for registry `host` (`host[:port]`; any Docker Hub spelling), or
/// `None` for anonymous access.
///
/// With `secret_ref`, only the secret directory `env.secrets_dir/<secret_ref>/` is used,
/// and a missing or empty directory is an error. Without it, the Docker config
/// `env.docker_config_dir/config.json` is used if present: the host's `credHelpers`
/// entry or the `credsStore` helper first, then its `auths` entry.
pub fn lookup(
    host: &str,
    secret_ref: Option<&str>,
    env: &CredentialEnv,
) -> Result<Option<Credential>, CredentialError> {
    match secret_ref {
        Some(name) => secret_dir::lookup(host, name, env),
        None => docker_config_lookup(host, env),
    }
}

fn docker_config_lookup(
    host: &str,
    env: &CredentialEnv,
) -> Result<Option<Credential>, CredentialError> {
    let Some(dir) = &env.docker_config_dir else {
        return Ok(None);
    };
    let path = dir.join("config.json");
    let Some(bytes) = read_optional(&path)? else {
        return Ok(None);
    };
    let config = DockerConfig::parse(&bytes, &path, Format::ConfigJson)?;
    if let Some(helper) = config.helper_for(host)
        && let Some(credential) = helper::get(helper, host, env.path.as_deref(), &path)?
    {
        return Ok(Some(credential));
    }
    // Docker itself stops at the helper; falling back to an inline `auths` entry serves
    // configs copied from a desktop (credsStore set) into CI, where `auths` was filled in.
    Ok(config
        .auth_for(host)
        .and_then(|entry| entry.credential.clone()))
}

/// Reads a file that may be absent.
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, CredentialError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(CredentialError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}
