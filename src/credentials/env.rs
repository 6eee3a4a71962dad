//! Where credentials are looked up: the secrets directory, the Docker config directory
//! and the `PATH` that credential helpers are found in. Carried as a value so that the
//! lookup itself never reads the process environment (and tests never mutate it).

use std::ffi::OsString;
use std::path::PathBuf;

/// The default directory of mounted secrets.
pub const DEFAULT_SECRETS_DIR: &str = "/var/run/imagescan/secrets";

/// The directories and search path credential lookups use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialEnv {
    /// `$IMAGESCAN_SECRETS_DIR`, default `/var/run/imagescan/secrets`: holds one
    /// directory per `secretRef` name.
    pub secrets_dir: PathBuf,
    /// `$DOCKER_CONFIG`, default `~/.docker`: holds `config.json`. `None` when neither
    /// `DOCKER_CONFIG` nor `HOME` is set (no Docker config then).
    pub docker_config_dir: Option<PathBuf>,
    /// The search path for `docker-credential-<helper>` programs.
    pub path: Option<OsString>,
}

impl CredentialEnv {
    /// Reads `IMAGESCAN_SECRETS_DIR`, `DOCKER_CONFIG`, `HOME` and `PATH` from the process
    /// environment.
    pub fn from_process() -> Self {
        Self::from_vars(|name| std::env::var_os(name))
    }

    /// Builds the environment from a variable lookup (empty values count as unset).
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Self {
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        let secrets_dir = var("IMAGESCAN_SECRETS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_SECRETS_DIR));
        let docker_config_dir = var("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".docker")));
        Self {
            secrets_dir,
            docker_config_dir,
            path: var("PATH"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> CredentialEnv {
        CredentialEnv::from_vars(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn defaults_and_overrides() {
        let e = env(&[("HOME", "/home/u"), ("PATH", "/bin")]);
        assert_eq!(e.secrets_dir, PathBuf::from(DEFAULT_SECRETS_DIR));
        assert_eq!(e.docker_config_dir, Some(PathBuf::from("/home/u/.docker")));
        assert_eq!(e.path, Some(OsString::from("/bin")));

        let e = env(&[
            ("HOME", "/home/u"),
            ("DOCKER_CONFIG", "/etc/docker-cfg"),
            ("IMAGESCAN_SECRETS_DIR", "/secrets"),
        ]);
        assert_eq!(e.secrets_dir, PathBuf::from("/secrets"));
        assert_eq!(e.docker_config_dir, Some(PathBuf::from("/etc/docker-cfg")));
        assert_eq!(e.path, None);

        let e = env(&[("HOME", ""), ("IMAGESCAN_SECRETS_DIR", "")]);
        assert_eq!(e.secrets_dir, PathBuf::from(DEFAULT_SECRETS_DIR));
        assert_eq!(e.docker_config_dir, None);
    }
}
