//! Credentials given to git for the remote, from a secret directory laid out like a
//! mounted Kubernetes Secret. They never travel in a URL, an argument or a log: HTTPS
//! `username` + `password` reach git through `GIT_ASKPASS` (a script in a private
//! temporary directory that reads the secret files at the moment git asks), an SSH key
//! through `GIT_SSH_COMMAND` (a private 0600 copy). Which directory a secret name means
//! is decided by [`crate::credentials::secret_dir`], as for registry `secretRef`s.

use std::ffi::OsString;
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use super::GitError;
use crate::credentials::{CredentialEnv, secret_dir};
use crate::rundir::RunDir;

/// Credentials given to git for the remote.
///
/// Holds the temporary directory with the askpass script or the key copy: it is removed
/// when the last [`Git`](super::Git) using it is dropped.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// Variables set on every git command.
    pub(super) env: Vec<(OsString, OsString)>,
    _dir: Option<Arc<RunDir>>,
}

impl Credentials {
    /// No credentials of our own: git's ambient configuration (credential helpers,
    /// `~/.ssh`) applies.
    pub fn ambient() -> Self {
        Self::default()
    }

    /// Reads a secret directory laid out like a mounted Kubernetes Secret:
    /// `username` + `password` (HTTPS, via `GIT_ASKPASS`) or `ssh-privatekey` with an
    /// optional `known_hosts` (SSH, via `GIT_SSH_COMMAND`, strict host key checking).
    pub fn from_secret_dir(dir: &Path) -> Result<Self, GitError> {
        let cred_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| GitError::Credentials { path, source }
        };
        let meta = fs::metadata(dir).map_err(cred_err(dir))?;
        if !meta.is_dir() {
            return Err(GitError::NoCredentials {
                path: dir.to_path_buf(),
            });
        }
        let private = RunDir::new("git").map_err(cred_err(dir))?;
        set_mode(private.path(), 0o700).map_err(cred_err(private.path()))?;

        let key = dir.join("ssh-privatekey");
        let username = dir.join("username");
        let password = dir.join("password");
        let mut env = Vec::new();
        if key.is_file() {
            let copy = private.path().join("id");
            let bytes = fs::read(&key).map_err(cred_err(&key))?;
            write_private(&copy, &bytes).map_err(cred_err(&copy))?;
            let known_hosts = dir.join("known_hosts");
            let mut command = format!(
                "ssh -i {} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes",
                shell_quote(&copy)
            );
            if known_hosts.is_file() {
                command.push_str(" -o UserKnownHostsFile=");
                command.push_str(&shell_quote(&known_hosts));
            }
            env.push(("GIT_SSH_COMMAND".into(), command.into()));
        } else if username.is_file() && password.is_file() {
            // The script reads the files when git asks, so the secret values are never in
            // our environment, an argument or the script itself.
            let script = private.path().join("askpass");
            let body = format!(
                "#!/bin/sh\ncase \"$1\" in\n  Username*|username*) exec cat {} ;;\n  *) exec cat {} ;;\nesac\n",
                shell_quote(&username),
                shell_quote(&password)
            );
            write_private(&script, body.as_bytes()).map_err(cred_err(&script))?;
            set_mode(&script, 0o700).map_err(cred_err(&script))?;
            env.push(("GIT_ASKPASS".into(), script.into_os_string()));
            // Our credentials win over any helper configured on the machine, and git must
            // not store them anywhere.
            // Appended after any GIT_CONFIG_* entries the caller's environment has.
            let n: usize = std::env::var("GIT_CONFIG_COUNT")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            env.push(("GIT_CONFIG_COUNT".into(), (n + 1).to_string().into()));
            env.push((
                format!("GIT_CONFIG_KEY_{n}").into(),
                "credential.helper".into(),
            ));
            env.push((format!("GIT_CONFIG_VALUE_{n}").into(), "".into()));
        } else {
            return Err(GitError::NoCredentials {
                path: dir.to_path_buf(),
            });
        }
        Ok(Self {
            env,
            _dir: Some(Arc::new(private)),
        })
    }

    /// The credentials for secret `name` under the secrets directory
    /// (`$IMAGESCAN_SECRETS_DIR`, default `/var/run/imagescan/secrets`), found and its
    /// name checked by the resolver registry `secretRef`s use.
    pub fn from_secret_name(name: &str, env: &CredentialEnv) -> Result<Self, GitError> {
        let dir = secret_dir(&env.secrets_dir, name)?;
        Self::from_secret_dir(&dir)
    }
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "'\\''"))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    #[test]
    fn secret_dir_without_keys_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            Credentials::from_secret_dir(dir.path()),
            Err(GitError::NoCredentials { .. })
        ));
    }

    #[test]
    fn askpass_script_holds_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("username"), "bob").unwrap();
        fs::write(dir.path().join("password"), "hunter2-secret").unwrap();
        let creds = Credentials::from_secret_dir(dir.path()).unwrap();
        let (_, script) = creds.env.iter().find(|(k, _)| k == "GIT_ASKPASS").unwrap();
        let body = fs::read_to_string(script).unwrap();
        assert!(!body.contains("hunter2"));
        for (_, v) in &creds.env {
            assert!(!v.to_string_lossy().contains("hunter2"));
        }
        let out = Command::new(script)
            .arg("Password for 'x': ")
            .output()
            .unwrap();
        assert_eq!(out.stdout, b"hunter2-secret");
        let out = Command::new(script)
            .arg("Username for 'x': ")
            .output()
            .unwrap();
        assert_eq!(out.stdout, b"bob");
    }
}
