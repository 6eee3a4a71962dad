//! Errors of credential lookup. Every message names the file or helper and what is
//! wrong, and none carries a secret: JSON problems are reported by line, column and
//! field, never with the parser's message (which can quote the input).

use crate::text::ShowPath as _;
use std::path::PathBuf;
use std::time::Duration;

use crate::class::{Class, Classified};

/// A credential lookup that failed.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The `secretRef` name cannot be a directory name.
    #[error("invalid secret name {name_q}: {reason}", name_q = crate::text::quoted(.name))]
    InvalidSecretName {
        /// The name as configured.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The secret's directory does not exist.
    #[error(
        "secret {name_q} not found: {} does not exist (mount the Secret there or set IMAGESCAN_SECRETS_DIR)",
        dir.shown(), name_q = crate::text::quoted(.name))]
    SecretNotFound {
        /// The `secretRef` name.
        name: String,
        /// The directory looked for.
        dir: PathBuf,
    },
    /// The secret's directory holds none of the known files.
    #[error(
        "secret {name_q} in {} holds none of .dockerconfigjson, .dockercfg, username + password",
        dir.shown(), name_q = crate::text::quoted(.name))]
    SecretEmpty {
        /// The `secretRef` name.
        name: String,
        /// The directory.
        dir: PathBuf,
    },
    /// One file of a pair is present, the other missing.
    #[error("{} is missing (a secret with {present} needs it too)", path.shown())]
    MissingFile {
        /// The missing file.
        path: PathBuf,
        /// The file that is present.
        present: &'static str,
    },
    /// A file could not be read.
    #[error("cannot read {}", path.shown())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    #[error("{} is not valid JSON ({kind} error at line {line}, column {column})", path.shown())]
    MalformedJson {
        /// The file.
        path: PathBuf,
        /// `syntax`, `data` or `end of file`.
        kind: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A field of a file has the wrong shape.
    #[error("{}: {field} {reason}", path.shown())]
    InvalidField {
        /// The file.
        path: PathBuf,
        /// The field, e.g. `auths["ghcr.io"].auth`.
        field: String,
        /// What is wrong, e.g. `is not base64`.
        reason: &'static str,
    },
    /// The credential helper program is not on the search path.
    #[error("credential helper docker-credential-{helper} (for {host}) not found in PATH")]
    HelperNotFound {
        /// The helper name from the Docker config.
        helper: String,
        /// The registry asked for.
        host: String,
    },
    /// The helper name cannot be a program name.
    #[error("invalid credential helper name {helper_q} in {}", path.shown(), helper_q = crate::text::quoted(.helper))]
    InvalidHelperName {
        /// The helper name.
        helper: String,
        /// The Docker config naming it.
        path: PathBuf,
    },
    /// The helper could not be run.
    #[error("cannot run credential helper docker-credential-{helper}")]
    HelperIo {
        /// The helper name.
        helper: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The helper exited with an error (other than "credentials not found").
    #[error("credential helper docker-credential-{helper} failed for {host} ({status}): {message}")]
    HelperFailed {
        /// The helper name.
        helper: String,
        /// The registry asked for.
        host: String,
        /// The exit status.
        status: std::process::ExitStatus,
        /// The helper's first line of error output, shortened.
        message: String,
    },
    /// The helper did not answer in time.
    #[error(
        "credential helper docker-credential-{helper} did not answer for {host} within {timeout:?}"
    )]
    HelperTimeout {
        /// The helper name.
        helper: String,
        /// The registry asked for.
        host: String,
        /// The limit.
        timeout: Duration,
    },
    /// The helper's answer is not the expected JSON.
    #[error(
        "credential helper docker-credential-{helper} answered for {host} with invalid output: {reason}"
    )]
    HelperOutput {
        /// The helper name.
        helper: String,
        /// The registry asked for.
        host: String,
        /// What is wrong (never the output itself).
        reason: String,
    },
}

impl Classified for CredentialError {
    /// The same in every command. Only a name that can never name a secret directory is
    /// input. A secret that is not mounted, unreadable or malformed, or a credential
    /// helper that fails, is how the machine or the cluster is set up right now (a
    /// Secret mounted late or rotated, a helper missing from the image): the
    /// configuration passes `check`, and the same run can succeed once the environment
    /// is fixed, so it is operational.
    fn class(&self) -> Class {
        match self {
            CredentialError::InvalidSecretName { .. } => Class::Invalid,
            _ => Class::Operational,
        }
    }
}

/// Describes a serde_json error by position only: its message can quote the input.
pub(crate) fn json_position(error: &serde_json::Error) -> (&'static str, usize, usize) {
    let kind = match error.classify() {
        serde_json::error::Category::Io => "read",
        serde_json::error::Category::Syntax => "syntax",
        serde_json::error::Category::Data => "data",
        serde_json::error::Category::Eof => "end of file",
    };
    (kind, error.line(), error.column())
}
