//! Configuration (SPEC §2): discovery of `imagescan.yaml` and `fleet.yaml` files, raw
//! parsing with source lines kept, and validation into the types the rest of the program
//! uses ([`Scan`], [`RegistryHost`], [`CommitSettings`]).
//!
//! The pipeline: [`discovery`] finds the files, `raw` walks each one's YAML into raw
//! types with lines, `validate` turns those into [`Scan`]s and [`RegistryHost`]s, and
//! `scope` checks duplicates and answers "which definition applies here". Problems are
//! collected across all files and reported together. This module never touches the
//! network and never prints.

mod discovery;
pub mod duration;
mod function;
pub mod migrate;
mod raw;
mod scope;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use discovery::{MAX_CONFIG_BYTES, repository_root, up_display};
pub use duration::{DurationError, parse_duration};
pub use function::{FUNCTION_API_VERSION, FUNCTION_KIND, ImageRule, image_name};
pub use validate::DEFAULT_INTERVAL;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::platform::Platform;
use crate::policy::TagPolicy;
use crate::reference::Reference;
use discovery::{ReadError, Role};
use raw::FileKind;

/// Where something was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as diagnostics name it: the directory given to [`ConfigSet::load`] joined
    /// with the file's path below it (`..` forms for ancestors), or a `--config` path as
    /// given; the user can open it from the working directory.
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
    /// The directory whose subtree the scan applies to (absolute, symlinks resolved).
    pub scope: PathBuf,
    /// Where the definition is.
    pub defined_at: Location,
}

/// One validated `registries:` entry.
#[derive(Debug, Clone)]
pub struct RegistryHost {
    /// The host as it appears in image references (`registry.example.com:5000`); Docker
    /// Hub's aliases (`index.docker.io`, `registry-1.docker.io`) are stored as `docker.io`.
    pub host: String,
    /// Where the API is reached instead (a mirror), e.g. `https://mirror.internal:5000`.
    pub endpoint: Option<String>,
    /// Plain HTTP and no TLS verification.
    pub insecure: bool,
    /// Extra trusted CA, absolute (resolved against the defining file).
    pub ca_file: Option<PathBuf>,
    /// OCI layouts directory, absolute (resolved against the defining file).
    pub layout: Option<PathBuf>,
    /// Requests per second to this host, across all scans of a process (`rateLimit`).
    pub rate_limit: Option<f64>,
    /// The directory whose subtree the entry applies to (absolute, symlinks resolved).
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
    /// All scans, from every file found, in discovery order. Use [`ConfigSet::scan_for`]
    /// to find the one that applies to a file.
    pub scans: Vec<Scan>,
    /// All registry entries, in discovery order.
    pub registries: Vec<RegistryHost>,
    /// The nearest `commit:` section: from a `--config` file, else from DIR or the
    /// nearest ancestor holding one (sections in DIR's subtree do not apply to DIR).
    pub commit: Option<CommitSettings>,
    /// Configuration files read, in discovery order, named as diagnostics name them.
    pub files: Vec<PathBuf>,
    /// Warnings (not errors), e.g. both semver and alphabetical in fleet.yaml.
    pub warnings: Vec<Diagnostic>,
    /// Image rules (`spec.images` of a KRM functionConfig; empty otherwise).
    pub images: Vec<ImageRule>,
}

/// The schema of a configuration document held in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// An `imagescan.yaml` file.
    ImageScan,
    /// A KRM functionConfig (`kind: ImageScan`, the imagescan.yaml schema under `spec`).
    Function,
}

/// Loading failed: I/O, or one or more diagnostics (all of them, not just the first).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A configuration file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The configuration is invalid.
    #[error(transparent)]
    Invalid(#[from] Diagnostics),
}

impl ConfigSet {
    /// Discovers and validates the configuration for `dir` (and `--config` files, which
    /// apply to all of `dir` and come before `dir`'s own files).
    ///
    /// Paths in diagnostics and [`Location`]s are `dir` (as given) joined with the
    /// file's path below it, or `..` forms for ancestors, so the user can open them from
    /// the working directory. Every problem in every file is reported in one
    /// [`ConfigError::Invalid`]; `ConfigError::Io` is for `dir` or a `--config` file that
    /// cannot be read at all.
    pub fn load(dir: &Path, extra: &[PathBuf]) -> Result<Self, ConfigError> {
        Self::load_with_root(dir, extra, None)
    }

    /// [`ConfigSet::load`] with the repository root given rather than found by looking
    /// for `.git` (e.g. a tree exported from git for a dry run, which has none). A `root`
    /// that does not contain `dir` is ignored.
    pub fn load_with_root(
        dir: &Path,
        extra: &[PathBuf],
        root: Option<&Path>,
    ) -> Result<Self, ConfigError> {
        let found = discovery::discover(dir, extra, root)?;
        Self::load_found(found)
    }

    /// [`ConfigSet::load_with_root`] of the configuration files whose directory (absolute,
    /// symlinks resolved) `applies` takes — those that apply to the files an app reads
    /// (SPEC §2: a file's definitions apply to its directory's subtree) — the others
    /// neither read nor reported. `applies` must take every ancestor of a directory it
    /// takes.
    pub fn load_where(
        dir: &Path,
        extra: &[PathBuf],
        root: Option<&Path>,
        applies: &dyn Fn(&Path) -> bool,
    ) -> Result<Self, ConfigError> {
        let found = discovery::discover_where(dir, extra, root, applies)?;
        Self::load_found(found)
    }

    /// The configuration of the `files` given, and only those: no discovery. Their
    /// scans apply everywhere (scope `/`); relative paths in them resolve against each
    /// file's own directory. For front ends reading documents from stdin
    /// (`post-render`).
    pub fn load_files(files: &[PathBuf]) -> Result<Self, ConfigError> {
        let found = discovery::explicit_only(files)?;
        Self::load_found(found)
    }

    /// The configuration held in one document in memory: `display` names it in
    /// diagnostics, relative paths (`layout`, `caFile`) resolve against `base_dir`, and
    /// its scans apply everywhere (scope `/`).
    pub fn from_document(
        text: &str,
        schema: Schema,
        display: &Path,
        base_dir: &Path,
    ) -> Result<Self, ConfigError> {
        let dir = base_dir.canonicalize().map_err(|source| ConfigError::Io {
            path: base_dir.to_path_buf(),
            source,
        })?;
        let mut set = ConfigSet::default();
        let mut errors = Vec::new();
        let kind = match schema {
            Schema::ImageScan => FileKind::ImageScan,
            Schema::Function => FileKind::Function,
        };
        let scope = PathBuf::from("/");
        let file = discovery::Found {
            path: display.to_path_buf(),
            display: display.to_path_buf(),
            dir,
            scope,
            root: None,
            kind,
            role: Role::Explicit,
        };
        let (names, hosts) = set.add_text(text, &file, &mut errors);
        let names: Vec<_> = names.into_iter().map(|n| (&file, n)).collect();
        let hosts: Vec<_> = hosts.into_iter().map(|h| (&file, h)).collect();
        set.files.push(display.to_path_buf());
        errors.extend(Self::duplicates(&names, &hosts));
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(ConfigError::Invalid(Diagnostics(errors)))
        }
    }

    fn load_found(found: discovery::Discovery) -> Result<Self, ConfigError> {
        let mut errors = found.refused;
        let mut set = ConfigSet::default();
        // Every name defined, with its scope and role, for the duplicate check.
        let mut names = Vec::new();
        let mut hosts = Vec::new();
        for file in &found.files {
            let text = match discovery::read_bounded(&file.path) {
                Ok(text) => text,
                Err(ReadError::Io(source)) => {
                    return Err(ConfigError::Io {
                        path: file.display.clone(),
                        source,
                    });
                }
                Err(ReadError::TooLarge) => {
                    errors.push(Diagnostic::new(
                        &file.display,
                        0,
                        Code::FileTooLarge,
                        format!(
                            "larger than {} MiB; a configuration file this large is refused",
                            MAX_CONFIG_BYTES / (1024 * 1024)
                        ),
                    ));
                    continue;
                }
                Err(ReadError::NotUtf8) => {
                    errors.push(Diagnostic::new(
                        &file.display,
                        0,
                        Code::NotUtf8,
                        "not UTF-8 text; save the file as UTF-8",
                    ));
                    continue;
                }
            };
            set.files.push(file.display.clone());
            let (file_names, file_hosts) = set.add_text(&text, file, &mut errors);
            names.extend(file_names.into_iter().map(|n| (file, n)));
            hosts.extend(file_hosts.into_iter().map(|h| (file, h)));
        }
        errors.extend(Self::duplicates(&names, &hosts));
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(ConfigError::Invalid(Diagnostics(errors)))
        }
    }

    /// Parses and validates one file's text into `self`; returns the scan names and
    /// registry hosts it defines, for the duplicate check.
    #[allow(clippy::type_complexity)]
    fn add_text(
        &mut self,
        text: &str,
        file: &discovery::Found,
        errors: &mut Vec<Diagnostic>,
    ) -> (Vec<(String, Location)>, Vec<(String, Location)>) {
        let first_error = errors.len();
        let mut raw = raw::parse(text, file.kind, &file.display, errors);
        let images = std::mem::take(&mut raw.images);
        let cx = validate::FileContext {
            display: &file.display,
            dir: &file.dir,
            scope: &file.scope,
            root: file.root.as_deref(),
            kind: file.kind,
        };
        let valid = validate::validate(raw, &cx, errors, &mut self.warnings);
        self.images
            .extend(function::image_rules(images, &file.display, errors));
        // Structural and value problems were found in two passes: show them in file order.
        errors[first_error..].sort_by_key(|d| d.line);
        self.scans.extend(valid.scans);
        self.registries.extend(valid.registries);
        if self.commit.is_none() && file.role != Role::Nested {
            self.commit = valid.commit;
        }
        (valid.names, valid.hosts)
    }

    /// Scans and registry hosts defined twice in one place.
    fn duplicates(
        names: &[(&discovery::Found, (String, Location))],
        hosts: &[(&discovery::Found, (String, Location))],
    ) -> Vec<Diagnostic> {
        let mut errors = scope::duplicates(definitions(names), Code::DuplicateScan, "scan");
        errors.extend(scope::duplicates(
            definitions(hosts),
            Code::DuplicateRegistry,
            "registry host",
        ));
        errors
    }

    /// The scan named `name` that applies to `file`: the definition with the deepest
    /// scope containing `file` (the first in discovery order among equals).
    ///
    /// `file` may be absolute or relative to the working directory — e.g.
    /// `dir.join(relative)` for the `dir` given to [`ConfigSet::load`]; it is resolved
    /// (symlinks included) before comparing, so it should name a file on disk or in an
    /// existing directory.
    pub fn scan_for(&self, file: &Path, name: &str) -> Option<&Scan> {
        self.scan_for_resolved(&scope::normalise(file), name)
    }

    /// [`ConfigSet::scan_for`] for a `file` that is already absolute with symlinks
    /// resolved (e.g. a canonical DIR joined with a path found walking it): no system
    /// call, for callers that look up many markers.
    pub fn scan_for_resolved(&self, file: &Path, name: &str) -> Option<&Scan> {
        scope::nearest(
            self.scans
                .iter()
                .filter(|s| s.name == name && scope::applies(&s.scope, file)),
            |s| &s.scope,
        )
    }

    /// The registry entry for the host of `scan`'s image that applies to `scan`: the
    /// entry with the deepest scope containing the scan's own scope.
    pub fn registry_for(&self, scan: &Scan) -> Option<&RegistryHost> {
        scope::nearest(
            self.registries.iter().filter(|r| {
                r.host.eq_ignore_ascii_case(&scan.reference.domain)
                    && scope::applies(&r.scope, &scan.scope)
            }),
            |r| &r.scope,
        )
    }
}

/// What `check` reports for one configuration file's `text` as if it were the file at
/// `path` (whose directory exists): the same parse, validation and duplicate check
/// [`ConfigSet::load`] runs on each file, for a text not written yet (`migrate` checks
/// what it would write). Returns the errors and the warnings.
pub(crate) fn check_text(
    text: &str,
    kind: FileKind,
    path: &Path,
    display: &Path,
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let parent = path.parent().unwrap_or(Path::new("."));
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let dir = parent
        .canonicalize()
        .unwrap_or_else(|_| parent.to_path_buf());
    let root = repository_root(&dir);
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let raw = raw::parse(text, kind, display, &mut errors);
    let cx = validate::FileContext {
        display,
        dir: &dir,
        scope: &dir,
        root: Some(&root),
        kind,
    };
    let valid = validate::validate(raw, &cx, &mut errors, &mut warnings);
    let one_file = |list: &[(String, Location)], code, what| {
        scope::duplicates(
            list.iter().map(|(name, at)| scope::Definition {
                scope: &dir,
                name,
                at,
                role: Role::Enclosing,
            }),
            code,
            what,
        )
    };
    errors.extend(one_file(&valid.names, Code::DuplicateScan, "scan"));
    errors.extend(one_file(
        &valid.hosts,
        Code::DuplicateRegistry,
        "registry host",
    ));
    errors.sort_by_key(|d| d.line);
    (errors, warnings)
}

/// The duplicate check's view of the names collected by [`ConfigSet::load`].
fn definitions<'a>(
    list: &'a [(&'a discovery::Found, (String, Location))],
) -> impl Iterator<Item = scope::Definition<'a>> {
    list.iter().map(|(file, (name, at))| scope::Definition {
        scope: &file.scope,
        name,
        at,
        role: file.role,
    })
}

#[cfg(test)]
mod tests;
