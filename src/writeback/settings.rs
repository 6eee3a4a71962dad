//! Writeback settings, merged from their sources, highest first: command-line flags, a
//! Fleet GitRepo manifest (`--gitrepo`), then the `commit:` section of imagescan.yaml
//! (known only once the repository is checked out, see [`CommitPlan::merge`]).
//!
//! Templates from flags and GitRepo are parsed here, so a bad template is an
//! invalid-input error before anything is cloned. Pure: no I/O.

use crate::text::ShowPath as _;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::config::CommitSettings;
use crate::git::Identity;
use crate::writeback::gitrepo::GitRepo;
use crate::writeback::template::{Template, TemplateError};

/// Where the repository comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checkout {
    /// An existing checkout (any directory inside it).
    Local(PathBuf),
    /// A URL to clone (shallow, single branch) into a temporary directory.
    Remote(String),
}

/// What the user typed (the command-line layer fills this in).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `DIR`.
    pub dir: Option<PathBuf>,
    /// `--repo URL`.
    pub repo: Option<String>,
    /// `--branch B`.
    pub branch: Option<String>,
    /// `--push-branch B`.
    pub push_branch: Option<String>,
    /// `--path P` (repeatable), relative to the repository root.
    pub paths: Vec<PathBuf>,
    /// `--client-secret NAME`.
    pub client_secret: Option<String>,
    /// Author and committer name, if the command line has one.
    pub author_name: Option<String>,
    /// Author and committer e-mail, if the command line has one.
    pub author_email: Option<String>,
    /// Message template, if the command line has one.
    pub message_template: Option<String>,
    /// `--interval D` (parsed by the command layer).
    pub interval: Option<Duration>,
    /// `--dry-run`.
    pub dry_run: bool,
}

/// How often and how patiently a rejected push is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts in all (the first one included).
    pub attempts: u32,
    /// Wait before the second attempt; doubled each time, up to `max_backoff`.
    pub backoff: Duration,
    /// Longest wait between attempts.
    pub max_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 5,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
        }
    }
}

/// Commit settings given by flags or the GitRepo; `None` fields fall back to
/// imagescan.yaml's `commit:`, then to the defaults.
#[derive(Debug, Clone, Default)]
pub struct CommitPlan {
    /// Author and committer name.
    pub author_name: Option<String>,
    /// Author and committer e-mail.
    pub author_email: Option<String>,
    /// The message template, parsed.
    pub template: Option<Template>,
}

/// Author name used when no source names one.
pub const DEFAULT_AUTHOR_NAME: &str = "imagescan";
/// Author e-mail used when no source names one.
pub const DEFAULT_AUTHOR_EMAIL: &str = "imagescan@localhost";

impl CommitPlan {
    /// The final identity and template: ours first, then `config` (imagescan.yaml's
    /// `commit:`), then the defaults, each field separately.
    pub fn merge(
        &self,
        config: Option<&CommitSettings>,
    ) -> Result<(Identity, Template), TemplateError> {
        let name = self
            .author_name
            .clone()
            .or_else(|| config.and_then(|c| c.author_name.clone()))
            .unwrap_or_else(|| DEFAULT_AUTHOR_NAME.to_owned());
        let email = self
            .author_email
            .clone()
            .or_else(|| config.and_then(|c| c.author_email.clone()))
            .unwrap_or_else(|| DEFAULT_AUTHOR_EMAIL.to_owned());
        let template = match (
            &self.template,
            config.and_then(|c| c.message_template.as_ref()),
        ) {
            (Some(t), _) => t.clone(),
            (None, Some(source)) => Template::parse(source)?,
            (None, None) => Template::default_message(),
        };
        Ok((Identity { name, email }, template))
    }
}

/// Settings that cannot work together or are malformed (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Both a directory and `--repo` were given.
    #[error("give either DIR or --repo, not both")]
    DirAndRepo,
    /// A path is absolute or climbs out of the repository.
    #[error("{origin}: path {path_q} must be relative to the repository root, without `..`", path_q = crate::text::quoted(&.path.to_string_lossy()))]
    Path {
        /// Where the path was given.
        origin: String,
        /// The path.
        path: PathBuf,
    },
    /// A branch name git would not accept.
    #[error("{origin}: {branch_q} is not a valid branch name", branch_q = crate::text::quoted(.branch))]
    Branch {
        /// Where it was given.
        origin: String,
        /// The name.
        branch: String,
    },
    /// A template does not parse.
    #[error("{origin}")]
    Template {
        /// Where the template was given (`--gitrepo FILE:LINE`, a flag).
        origin: String,
        /// The parse error.
        source: TemplateError,
    },
}

/// Everything one writeback run needs, merged from flags and the GitRepo.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Local checkout or URL.
    pub checkout: Checkout,
    /// The branch to clone / expect checked out (default: the remote HEAD / the current).
    pub branch: Option<String>,
    /// The branch to push to (default: `branch`).
    pub push_branch: Option<String>,
    /// Paths to resolve, relative to the repository root (empty: the whole repository,
    /// or DIR for a local checkout given as a subdirectory).
    pub paths: Vec<PathBuf>,
    /// Secret directory name under `$IMAGESCAN_SECRETS_DIR`.
    pub client_secret: Option<String>,
    /// Commit identity and template from flags or GitRepo.
    pub commit: CommitPlan,
    /// `--interval`.
    pub interval: Option<Duration>,
    /// The GitRepo's `imageScanInterval` as written, with its line, for the command layer
    /// to parse as a Go duration (used when `interval` is `None`).
    pub gitrepo_interval: Option<(String, usize)>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// Push retry policy.
    pub retry: Retry,
}

impl Settings {
    /// Merges `flags` over `gitrepo` (read from `gitrepo_path`).
    pub fn resolve(
        flags: Flags,
        gitrepo: Option<(&GitRepo, &Path)>,
    ) -> Result<Self, SettingsError> {
        let empty = GitRepo::default();
        let (repo, repo_path) = gitrepo.unwrap_or((&empty, Path::new("")));
        let origin = |line: Option<usize>| match line {
            Some(line) => format!("{}:{line}", repo_path.shown()),
            None => repo_path.shown().to_string(),
        };
        let checkout = match (flags.dir, flags.repo) {
            (Some(_), Some(_)) => return Err(SettingsError::DirAndRepo),
            (Some(dir), None) => Checkout::Local(dir),
            (None, Some(url)) => Checkout::Remote(url),
            (None, None) => match &repo.repo {
                Some(url) => Checkout::Remote(url.clone()),
                None => Checkout::Local(PathBuf::from(".")),
            },
        };
        let (paths, paths_origin) = if flags.paths.is_empty() {
            (repo.paths.clone(), origin(None))
        } else {
            (flags.paths, "--path".to_owned())
        };
        for path in &paths {
            let bad = path.components().any(|c| {
                matches!(
                    c,
                    Component::ParentDir | Component::RootDir | Component::Prefix(_)
                )
            });
            if bad {
                return Err(SettingsError::Path {
                    origin: paths_origin.clone(),
                    path: path.clone(),
                });
            }
        }
        let branch = flags.branch.or_else(|| repo.branch.clone());
        let push_branch = flags.push_branch;
        for (name, b) in [("--branch", &branch), ("--push-branch", &push_branch)] {
            if let Some(b) = b
                && !valid_branch(b)
            {
                return Err(SettingsError::Branch {
                    origin: name.to_owned(),
                    branch: b.clone(),
                });
            }
        }
        let template = match (&flags.message_template, &repo.message_template) {
            (Some(t), _) => Some(
                Template::parse(t).map_err(|source| SettingsError::Template {
                    origin: "message template flag".to_owned(),
                    source,
                })?,
            ),
            (None, Some((t, line))) => {
                Some(
                    Template::parse(t).map_err(|source| SettingsError::Template {
                        origin: origin(Some(*line)),
                        source,
                    })?,
                )
            }
            (None, None) => None,
        };
        Ok(Self {
            checkout,
            branch,
            push_branch,
            paths,
            client_secret: flags
                .client_secret
                .or_else(|| repo.client_secret_name.clone()),
            commit: CommitPlan {
                author_name: flags.author_name.or_else(|| repo.author_name.clone()),
                author_email: flags.author_email.or_else(|| repo.author_email.clone()),
                template,
            },
            interval: flags.interval,
            gitrepo_interval: repo.image_scan_interval.clone(),
            dry_run: flags.dry_run,
            retry: Retry::default(),
        })
    }
}

/// The rules of `git check-ref-format --branch`, minus the ones that need git.
fn valid_branch(b: &str) -> bool {
    !b.is_empty()
        && !b.starts_with('-')
        && !b.starts_with('/')
        && !b.ends_with('/')
        && !b.ends_with(".lock")
        && !b.ends_with('.')
        && !b.contains("..")
        && !b.contains("@{")
        && !b.contains("//")
        && b != "@"
        && !b
            .chars()
            .any(|c| c.is_ascii_control() || " ~^:?*[\\".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gitrepo() -> GitRepo {
        GitRepo {
            repo: Some("https://example.com/r.git".into()),
            branch: Some("main".into()),
            paths: vec!["apps".into()],
            client_secret_name: Some("git-auth".into()),
            author_name: Some("fleet-bot".into()),
            author_email: None,
            message_template: Some(("from gitrepo".into(), 9)),
            image_scan_interval: Some(("5m".into(), 10)),
        }
    }

    #[test]
    fn flags_win_over_gitrepo() {
        let repo = gitrepo();
        let flags = Flags {
            branch: Some("dev".into()),
            paths: vec!["other".into()],
            client_secret: Some("mine".into()),
            ..Flags::default()
        };
        let s = Settings::resolve(flags, Some((&repo, Path::new("g.yaml")))).unwrap();
        assert_eq!(
            s.checkout,
            Checkout::Remote("https://example.com/r.git".into())
        );
        assert_eq!(s.branch.as_deref(), Some("dev"));
        assert_eq!(s.paths, vec![PathBuf::from("other")]);
        assert_eq!(s.client_secret.as_deref(), Some("mine"));
        assert_eq!(s.gitrepo_interval, Some(("5m".into(), 10)));
    }

    #[test]
    fn gitrepo_wins_over_config_commit() {
        let repo = gitrepo();
        let s = Settings::resolve(Flags::default(), Some((&repo, Path::new("g.yaml")))).unwrap();
        let config = CommitSettings {
            author_name: Some("config-bot".into()),
            author_email: Some("config@example.com".into()),
            message_template: Some("from config".into()),
        };
        let (id, template) = s.commit.merge(Some(&config)).unwrap();
        assert_eq!(id.name, "fleet-bot");
        assert_eq!(id.email, "config@example.com");
        let data = crate::writeback::template_data(&[]);
        assert_eq!(template.execute(&data).unwrap(), "from gitrepo");

        let plain = Settings::resolve(Flags::default(), None).unwrap();
        let (id, template) = plain.commit.merge(None).unwrap();
        assert_eq!(
            (id.name.as_str(), id.email.as_str()),
            ("imagescan", "imagescan@localhost")
        );
        assert_eq!(
            template.execute(&data).unwrap(),
            "Update from image update automation"
        );
        assert_eq!(plain.checkout, Checkout::Local(".".into()));
    }

    #[test]
    fn invalid_settings() {
        let mut repo = gitrepo();
        repo.message_template = Some(("{{ range .Changes }}".into(), 9));
        let err = Settings::resolve(Flags::default(), Some((&repo, Path::new("g.yaml"))));
        assert!(
            matches!(&err, Err(SettingsError::Template { origin, .. }) if origin == "g.yaml:9"),
            "{err:?}"
        );
        let cases = [
            Flags {
                dir: Some(".".into()),
                repo: Some("x".into()),
                ..Flags::default()
            },
            Flags {
                paths: vec!["../up".into()],
                ..Flags::default()
            },
            Flags {
                paths: vec!["/abs".into()],
                ..Flags::default()
            },
            Flags {
                push_branch: Some("bad..name".into()),
                ..Flags::default()
            },
            Flags {
                branch: Some("-x".into()),
                ..Flags::default()
            },
        ];
        for flags in cases {
            let debug = format!("{flags:?}");
            assert!(Settings::resolve(flags, None).is_err(), "{debug}");
        }
    }
}
