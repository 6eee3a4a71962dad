//! Configuration (SPEC §2): discovery of `imagescan.yaml` and `fleet.yaml` files, raw
//! parsing with source lines kept, and validation into the types the rest of the program
//! uses ([`Scan`], [`RegistryHost`], [`CommitSettings`]).
//!
//! STUB: the public surface is fixed; the configuration work fills in the bodies.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::diagnostic::Diagnostic;
use crate::platform::Platform;
use crate::policy::TagPolicy;
use crate::reference::Reference;

/// Where something was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, relative to the directory the command was given.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
}

/// One validated scan definition.
#[derive(Debug, Clone)]
pub struct Scan {
    /// `tagName`: the name markers refer to.
    pub name: String,
    /// `image`, parsed. `reference.name` is the spelling written into files.
    pub reference: Reference,
    /// Policy, filter and exclusions, compiled.
    pub policy: TagPolicy,
    /// `secretRef.name`.
    pub secret_ref: Option<String>,
    /// Cache freshness (default 15m).
    pub interval: Duration,
    /// Platform whose manifest the digest forms pin.
    pub platform: Option<Platform>,
    /// A suspended scan leaves its markers' values untouched.
    pub suspend: bool,
    /// The directory whose subtree the scan applies to.
    pub scope: PathBuf,
    /// Where the definition is.
    pub defined_at: Location,
}

/// One validated `registries:` entry.
#[derive(Debug, Clone)]
pub struct RegistryHost {
    /// The host as it appears in image references (`registry.example.com:5000`).
    pub host: String,
    /// Where the API is reached instead (a mirror), e.g. `https://mirror.internal:5000`.
    pub endpoint: Option<String>,
    /// Plain HTTP and no TLS verification.
    pub insecure: bool,
    /// Extra trusted CA, absolute (resolved against the defining file).
    pub ca_file: Option<PathBuf>,
    /// OCI layouts directory, absolute (resolved against the defining file).
    pub layout: Option<PathBuf>,
    /// The directory whose subtree the entry applies to.
    pub scope: PathBuf,
    /// Where the entry is.
    pub defined_at: Location,
}

/// The `commit:` section (writeback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSettings {
    /// Author and committer name.
    pub author_name: Option<String>,
    /// Author and committer e-mail.
    pub author_email: Option<String>,
    /// Go text/template source of the commit message.
    pub message_template: Option<String>,
}

/// Everything found for one directory.
#[derive(Debug, Clone, Default)]
pub struct ConfigSet {
    /// All scans, from every file found.
    pub scans: Vec<Scan>,
    /// All registry entries.
    pub registries: Vec<RegistryHost>,
    /// The nearest `commit:` section.
    pub commit: Option<CommitSettings>,
    /// Configuration files read, in discovery order.
    pub files: Vec<PathBuf>,
    /// Warnings (not errors), e.g. both semver and alphabetical in fleet.yaml.
    pub warnings: Vec<Diagnostic>,
}

/// Loading failed: I/O, or one or more diagnostics (all of them, not just the first).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A configuration file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The configuration is invalid.
    #[error(transparent)]
    Invalid(#[from] crate::diagnostic::Diagnostics),
}

impl ConfigSet {
    /// Discovers and validates the configuration for `dir` (and `--config` files).
    pub fn load(dir: &Path, extra: &[PathBuf]) -> Result<Self, ConfigError> {
        let _ = (dir, extra);
        unimplemented!("configuration loading")
    }

    /// The scan named `name` that applies to `file` (nearest definition wins).
    pub fn scan_for(&self, file: &Path, name: &str) -> Option<&Scan> {
        let _ = (file, name);
        unimplemented!("scan scoping")
    }

    /// The registry entry for `host` that applies to `scan` (nearest wins).
    pub fn registry_for(&self, scan: &Scan) -> Option<&RegistryHost> {
        let _ = scan;
        unimplemented!("registry scoping")
    }
}
