//! Validation: raw types (with lines) → the types the rest of the program uses. Every
//! problem becomes a diagnostic naming file, line and field; validation goes on after a
//! problem so that one run reports them all. The only I/O is resolving `caFile` and
//! `layout` paths, which must exist and stay inside the repository.

use crate::text::ShowPath as _;
use crate::text::quoted;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::duration::parse_duration;
use super::raw::{FileKind, PolicyKind, RawCommit, RawFile, RawRegistry, RawScan, Spanned};
use super::{CommitSettings, Location, RegistryHost, Scan};
use crate::diagnostic::{Code, Diagnostic};
use crate::policy::{Order, Policy, PolicyError, TagFilter, TagPolicy};
use crate::reference::Reference;

/// The interval of a scan that names none (SPEC §2).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);

/// What validation needs to know about the file being validated.
#[derive(Debug)]
pub(crate) struct FileContext<'a> {
    /// How diagnostics and [`Location`]s name the file.
    pub display: &'a Path,
    /// The file's directory, canonical: relative `caFile` / `layout` resolve against it.
    pub dir: &'a Path,
    /// The directory whose subtree the file's definitions apply to, canonical.
    pub scope: &'a Path,
    /// Relative paths must resolve inside this directory (canonical), when set.
    pub root: Option<&'a Path>,
    /// imagescan.yaml or fleet.yaml rules.
    pub kind: FileKind,
}

/// One file's validated definitions.
#[derive(Debug, Default)]
pub(crate) struct Validated {
    pub scans: Vec<Scan>,
    pub registries: Vec<RegistryHost>,
    pub commit: Option<CommitSettings>,
    /// Every `tagName` given, valid scan or not, for the duplicate check.
    pub names: Vec<(String, Location)>,
    /// Every registry `host` given, valid entry or not, for the duplicate check.
    pub hosts: Vec<(String, Location)>,
}

/// Collects diagnostics for one file.
struct Checker<'c, 'd> {
    cx: &'c FileContext<'c>,
    errors: &'d mut Vec<Diagnostic>,
    warnings: &'d mut Vec<Diagnostic>,
}

/// Validates one parsed file. Errors go to `errors`, warnings to `warnings`; a scan or
/// registry entry with an error is left out of the result.
pub(crate) fn validate(
    raw: RawFile,
    cx: &FileContext<'_>,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Validated {
    let mut checker = Checker {
        cx,
        errors,
        warnings,
    };
    let names = raw
        .scans
        .iter()
        .filter_map(|s| s.tag_name.as_ref())
        .map(|t| (t.value.clone(), checker.location(t.line)))
        .collect();
    let hosts = raw
        .registries
        .iter()
        .filter_map(|r| r.host.as_ref())
        .map(|h| {
            let host = validate_host(&h.value).unwrap_or_else(|_| h.value.clone());
            (host.to_ascii_lowercase(), checker.location(h.line))
        })
        .collect();
    Validated {
        names,
        hosts,
        scans: raw
            .scans
            .into_iter()
            .filter_map(|s| checker.scan(s))
            .collect(),
        registries: raw
            .registries
            .into_iter()
            .filter_map(|r| checker.registry(r))
            .collect(),
        commit: raw.commit.map(commit),
    }
}

fn commit(raw: RawCommit) -> CommitSettings {
    CommitSettings {
        author_name: raw.author_name.map(|s| s.value),
        author_email: raw.author_email.map(|s| s.value),
        message_template: raw.message_template.map(|s| s.value),
    }
}

/// The stable code for each kind of policy error.
fn policy_code(err: &PolicyError) -> Code {
    match err {
        PolicyError::InvalidConstraint { .. } => Code::InvalidSemverRange,
        PolicyError::InvalidPattern { .. } => Code::InvalidPattern,
        PolicyError::InvalidExtract { .. } => Code::InvalidExtract,
        PolicyError::InvalidOrder(_) => Code::InvalidOrder,
    }
}

impl Checker<'_, '_> {
    fn error(&mut self, line: usize, code: Code, field: String, message: String) {
        // One diagnostic, one line: `check` prints them one per line.
        let message = message.replace('\n', " ");
        self.errors
            .push(Diagnostic::new(self.cx.display, line, code, message).with_field(field));
    }

    fn location(&self, line: usize) -> Location {
        Location {
            path: self.cx.display.to_path_buf(),
            line,
        }
    }

    fn scan(&mut self, raw: RawScan) -> Option<Scan> {
        let before = self.errors.len();
        let f = |name: &str| format!("{}.{name}", raw.field);

        let name = match &raw.tag_name {
            None => {
                self.error(
                    raw.line,
                    Code::MissingField,
                    f("tagName"),
                    "required: the name markers use to refer to this scan".into(),
                );
                None
            }
            Some(t)
                if t.value.is_empty()
                    || t.value.contains(':')
                    || t.value.chars().any(char::is_whitespace) =>
            {
                self.error(t.line, Code::InvalidTagName, f("tagName"), format!("{} cannot be a scan name: it must be non-empty, without `:` or spaces (markers write NAME:FORM)", quoted(&t.value)));
                None
            }
            Some(t) => Some(t.value.clone()),
        };

        let reference = match &raw.image {
            None => {
                self.error(
                    raw.line,
                    Code::MissingField,
                    f("image"),
                    "required: the image to scan, e.g. registry.example.com/team/app".into(),
                );
                None
            }
            Some(image) => match Reference::parse(&image.value) {
                Ok(r) => Some(r),
                Err(e) => {
                    self.error(image.line, Code::InvalidImage, f("image"), e.to_string());
                    None
                }
            },
        };

        let policy = self.tag_policy(&raw);

        let secret_ref = raw.secret_ref.as_ref().and_then(|s| {
            if valid_secret_name(&s.value) {
                Some(s.value.clone())
            } else {
                self.error(s.line, Code::InvalidSecretRef, f("secretRef.name"), format!("{} is not a Kubernetes secret name (lower-case letters, digits, `-` and `.`)", quoted(&s.value)));
                None
            }
        });

        let interval = match &raw.interval {
            None => DEFAULT_INTERVAL,
            Some(i) => parse_duration(&i.value).unwrap_or_else(|e| {
                self.error(i.line, Code::InvalidDuration, f("interval"), e.to_string());
                DEFAULT_INTERVAL
            }),
        };

        let platform = raw.platform.as_ref().and_then(|p| {
            match p.value.parse::<crate::platform::Platform>() {
                Ok(platform) => Some(platform),
                Err(e) => {
                    self.error(p.line, Code::InvalidPlatform, f("platform"), e.to_string());
                    None
                }
            }
        });

        if self.errors.len() > before {
            return None;
        }
        Some(Scan {
            name: name?,
            reference: reference?,
            policy: policy?,
            secret_ref,
            interval,
            platform,
            suspend: raw.suspend.is_some_and(|s| s.value),
            scope: self.cx.scope.to_path_buf(),
            defined_at: self.location(raw.line),
        })
    }

    /// `policy`, `filterTags` and `exclude`, compiled.
    fn tag_policy(&mut self, raw: &RawScan) -> Option<TagPolicy> {
        let f = |name: &str| format!("{}.{name}", raw.field);
        let mut ok = true;

        let chosen = match (self.cx.kind, raw.policies.as_slice()) {
            (_, []) => None,
            (_, [one]) => Some(one),
            (FileKind::ImageScan | FileKind::Function, [first, rest @ ..]) => {
                for extra in rest {
                    self.error(
                        extra.line,
                        Code::ConflictingPolicies,
                        f(&format!("policy.{}", extra.kind.key())),
                        format!(
                            "a scan has at most one policy; remove `{}` or `{}`",
                            first.kind.key(),
                            extra.kind.key()
                        ),
                    );
                }
                ok = false;
                None
            }
            // fleet.yaml: Fleet evaluates semver first, then alphabetical; keep its choice.
            (FileKind::Fleet, many) => {
                let rank = |k: PolicyKind| match k {
                    PolicyKind::Semver => 0,
                    PolicyKind::Alphabetical => 1,
                    PolicyKind::Numerical => 2,
                };
                let winner = many.iter().min_by_key(|p| rank(p.kind))?;
                for other in many.iter().filter(|p| p.kind != winner.kind) {
                    self.warnings.push(
                        Diagnostic::new(self.cx.display, other.line, Code::PolicyIgnored, format!("`{}` is ignored because `{}` is also given (Fleet's precedence); keep only one", other.kind.key(), winner.kind.key()))
                            .with_field(f(&format!("policy.{}", other.kind.key()))),
                    );
                }
                Some(winner)
            }
        };

        let policy = match chosen {
            // No policy: Fleet's default, the greatest semver version without prereleases.
            None => Some(Policy::semver("*").expect("`*` is a valid semver range")),
            Some(p) => {
                let field = f(&format!("policy.{}", p.kind.key()));
                match (p.kind, &p.value) {
                    (PolicyKind::Semver, None) => {
                        self.error(
                            p.line,
                            Code::MissingField,
                            format!("{field}.range"),
                            "required: a semver range, e.g. \">=1.2 <2\"".into(),
                        );
                        None
                    }
                    (PolicyKind::Semver, Some(range)) => match Policy::semver(&range.value) {
                        Ok(policy) => Some(policy),
                        Err(e) => {
                            self.error(
                                range.line,
                                policy_code(&e),
                                format!("{field}.range"),
                                e.to_string(),
                            );
                            None
                        }
                    },
                    (kind, order) => {
                        let parsed = match order {
                            // An empty order selects the greatest tag, as Fleet's does.
                            None => Ok(Order::Asc),
                            Some(o) => o.value.parse::<Order>().map_err(|e| (o.line, e)),
                        };
                        match parsed {
                            Ok(order) if kind == PolicyKind::Alphabetical => {
                                Some(Policy::Alphabetical(order))
                            }
                            Ok(order) => Some(Policy::Numerical(order)),
                            Err((line, e)) => {
                                self.error(
                                    line,
                                    policy_code(&e),
                                    format!("{field}.order"),
                                    e.to_string(),
                                );
                                None
                            }
                        }
                    }
                }
            }
        };

        let filter = match &raw.filter_tags {
            None => None,
            Some(ft) => match &ft.pattern {
                None => {
                    self.error(
                        ft.line,
                        Code::MissingField,
                        f("filterTags.pattern"),
                        "required: the regular expression tags must match".into(),
                    );
                    ok = false;
                    None
                }
                Some(pattern) => match TagFilter::new(
                    &pattern.value,
                    ft.extract.as_ref().map(|e| e.value.as_str()),
                ) {
                    Ok(filter) => Some(filter),
                    Err(e) => {
                        let (line, field) = match (&e, &ft.extract) {
                            (PolicyError::InvalidExtract { .. }, Some(x)) => {
                                (x.line, "filterTags.extract")
                            }
                            _ => (pattern.line, "filterTags.pattern"),
                        };
                        let message = match &e {
                            PolicyError::InvalidPattern { pattern, reason } => {
                                format!(
                                    "invalid pattern {}: {}",
                                    quoted(pattern),
                                    regex_reason(reason)
                                )
                            }
                            _ => e.to_string(),
                        };
                        self.error(line, policy_code(&e), f(field), message);
                        ok = false;
                        None
                    }
                },
            },
        };

        let mut exclude = Vec::with_capacity(raw.exclude.len());
        for (i, pattern) in raw.exclude.iter().enumerate() {
            match regex::Regex::new(&pattern.value) {
                Ok(re) => exclude.push(re),
                Err(e) => {
                    self.error(
                        pattern.line,
                        Code::InvalidPattern,
                        f(&format!("exclude[{i}]")),
                        format!(
                            "invalid pattern {}: {}",
                            quoted(&pattern.value),
                            regex_reason(&e.to_string())
                        ),
                    );
                    ok = false;
                }
            }
        }

        let policy = policy?;
        ok.then_some(TagPolicy {
            policy,
            filter,
            exclude,
        })
    }

    fn registry(&mut self, raw: RawRegistry) -> Option<RegistryHost> {
        let before = self.errors.len();
        let f = |name: &str| format!("{}.{name}", raw.field);
        let host = match &raw.host {
            None => {
                self.error(raw.line, Code::MissingField, f("host"), "required: the registry host as written in image references, e.g. registry.example.com:5000".into());
                None
            }
            Some(h) => match validate_host(&h.value) {
                Ok(host) => Some(host),
                Err(reason) => {
                    self.error(h.line, Code::InvalidHost, f("host"), format!("{} is not a registry host ({reason}); write host[:port] without scheme or path", quoted(&h.value)));
                    None
                }
            },
        };
        let endpoint = raw.endpoint.as_ref().and_then(|e| {
            if valid_endpoint(&e.value) {
                Some(e.value.trim_end_matches('/').to_owned())
            } else {
                self.error(
                    e.line,
                    Code::InvalidEndpoint,
                    f("endpoint"),
                    format!(
                        "{} is not an http(s) URL; write e.g. https://mirror.internal:5000",
                        quoted(&e.value)
                    ),
                );
                None
            }
        });
        let ca_file = raw
            .ca_file
            .as_ref()
            .and_then(|p| self.resolve(p, &f("caFile"), PathKind::File));
        let layout = raw
            .layout
            .as_ref()
            .and_then(|p| self.resolve(p, &f("layout"), PathKind::Directory));
        let rate_limit = raw.rate_limit.as_ref().and_then(|r| {
            if r.value.is_finite() && r.value > 0.0 && r.value <= 100_000.0 {
                Some(r.value)
            } else {
                self.error(
                    r.line,
                    Code::InvalidRateLimit,
                    f("rateLimit"),
                    format!(
                        "{} is not a request rate; write requests per second above 0, e.g. 5 or 0.5",
                        r.value
                    ),
                );
                None
            }
        });
        if self.errors.len() > before {
            return None;
        }
        Some(RegistryHost {
            host: host?,
            endpoint,
            insecure: raw.insecure.is_some_and(|i| i.value),
            ca_file,
            layout,
            rate_limit,
            scope: self.cx.scope.to_path_buf(),
            defined_at: self.location(raw.line),
        })
    }

    /// Resolves a `caFile` / `layout` path against the file's directory, refusing what is
    /// missing or (for relative paths) outside the repository.
    fn resolve(&mut self, path: &Spanned<String>, field: &str, kind: PathKind) -> Option<PathBuf> {
        let written = Path::new(&path.value);
        if path.value.is_empty() {
            self.error(
                path.line,
                Code::InvalidPath,
                field.to_owned(),
                "empty path".into(),
            );
            return None;
        }
        let joined = self.cx.dir.join(written);
        let resolved = match joined.canonicalize() {
            Ok(p) => p,
            Err(e) => {
                self.error(
                    path.line,
                    Code::MissingPath,
                    field.to_owned(),
                    format!("{} ({}) cannot be opened: {e}", path.value, kind.noun()),
                );
                return None;
            }
        };
        if written.is_relative()
            && let Some(root) = self.cx.root
            && !resolved.starts_with(root)
        {
            self.error(path.line, Code::PathOutsideRepository, field.to_owned(), format!("{} resolves to {}, outside the repository {}; keep it inside or write an absolute path", path.value, resolved.shown(), root.shown()));
            return None;
        }
        let right_kind = match kind {
            PathKind::File => resolved.is_file(),
            PathKind::Directory => resolved.is_dir(),
        };
        if !right_kind {
            self.error(
                path.line,
                Code::WrongPathKind,
                field.to_owned(),
                format!("{} is not a {}", path.value, kind.noun()),
            );
            return None;
        }
        Some(resolved)
    }
}

/// The regex crate's syntax errors draw the pattern over several lines; the last line
/// says what is wrong.
fn regex_reason(reason: &str) -> &str {
    let last = reason.lines().next_back().unwrap_or(reason).trim();
    last.strip_prefix("error: ").unwrap_or(last)
}

#[derive(Debug, Clone, Copy)]
enum PathKind {
    File,
    Directory,
}

impl PathKind {
    fn noun(self) -> &'static str {
        match self {
            PathKind::File => "file",
            PathKind::Directory => "directory",
        }
    }
}

/// A Kubernetes object name (DNS subdomain): it becomes a directory name under the
/// secrets directory, so `/`, `..` and the like must never get through.
fn valid_secret_name(name: &str) -> bool {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    name.len() <= 253 && name.split('.').all(label_ok)
}

/// A registry host as written in image references; Docker Hub's aliases become
/// `docker.io`, the domain [`Reference`] gives Docker Hub images.
fn validate_host(host: &str) -> Result<String, String> {
    if host.contains("://") || host.contains('/') {
        return Err("scheme or path given".to_owned());
    }
    crate::reference::validate_domain(host)?;
    let lower = host.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".to_owned(),
        _ => host.to_owned(),
    })
}

fn valid_endpoint(endpoint: &str) -> bool {
    let rest = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"));
    let Some(rest) = rest else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    !authority.is_empty()
        && !authority.contains('@')
        && !endpoint
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        && crate::reference::validate_domain(authority).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for ok in ["regcred", "a", "my-secret.v2", "a1"] {
            assert!(valid_secret_name(ok), "{ok}");
        }
        for bad in [
            "", "..", ".", "a/b", "Reg", "-a", "a-", "a..b", "../x", "a b",
        ] {
            assert!(!valid_secret_name(bad), "{bad}");
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(
            validate_host("registry.example.com:5000").unwrap(),
            "registry.example.com:5000"
        );
        assert_eq!(validate_host("index.docker.io").unwrap(), "docker.io");
        assert_eq!(validate_host("registry-1.docker.io").unwrap(), "docker.io");
        for bad in ["https://ghcr.io", "ghcr.io/a", "", "a:b", "-x.com"] {
            assert!(validate_host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn endpoints() {
        for ok in [
            "https://mirror.internal:5000",
            "http://127.0.0.1:5000/",
            "https://m.example.com/v2",
        ] {
            assert!(valid_endpoint(ok), "{ok}");
        }
        for bad in [
            "mirror.internal",
            "ftp://x",
            "https://",
            "https://u:p@x.com",
            "https://a b",
        ] {
            assert!(!valid_endpoint(bad), "{bad}");
        }
    }
}
